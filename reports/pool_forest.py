"""``hccmeta pool --forest FILE``: the report's forest plot drawn from a pool CSV.

The same frame builder (:func:`reports.figures.forest_frame.build_forest_frame`) and plot
function (:func:`reports.figures.forest.plot_forest`) as the report, so a CSV gives the same
publication-grade figure: weight-proportional boxes, full labels, subgroup diamonds with the
test for subgroup differences (``--by``), the prediction interval, no pooled row for k = 1.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from meta.comparison import pool as pool_benchmark
from meta.effects import EffectTable
from meta.level import critical_value
from meta.transforms import backtransform
from reports.cli.pool_csv import PoolInput

PROPORTIONS = ("PLO", "PFT", "PAS", "PR")
AXIS = {"RATIO": "Ratio (log scale)", "GEN": "Effect size"}


def pool_forest_frame(data: PoolInput, table: EffectTable, *, measure: str, method: str = "REML",
                      test: str = "z", level: float = 95.0) -> tuple[pd.DataFrame, dict]:
    """The forest frame of a pool CSV and the keyword arguments of its plot.

    Proportions are shown in percent, ratios on a log axis with a line at 1, generic effects
    with a line at 0; study intervals are ``yi ± z·sei`` back-transformed (for a ratio given as
    est, lower, upper this is the published interval when it is symmetric on the log scale).
    """
    from reports.figures.forest_frame import build_forest_frame, subgroup_difference

    keep = [data.study.index(s) for s in table.study]
    y, v = np.asarray(table.yi, float), np.asarray(table.vi, float)
    factor = 100.0 if measure in PROPORTIONS else 1.0
    ni = list(table.extra.get("ni", ())) or None
    z = critical_value(level)
    bench = pool_benchmark(y, v, method, test, level) if table.k else None
    rows = []
    for i, label in enumerate(table.study):
        sizes = [float(ni[i])] * 3 if measure == "PFT" and ni else None
        est, lb, ub = (float(x) * factor for x in backtransform(
            measure, np.array([y[i], y[i] - z * np.sqrt(v[i]), y[i] + z * np.sqrt(v[i])]),
            ni=sizes))
        left = ""
        if "xi" in data.values and "ni" in data.values:
            j = keep[i]
            left = f"{int(data.values['xi'][j])}/{int(data.values['ni'][j])}"
        rows.append({"label": label, "left": left, "est": est, "lb": lb, "ub": ub,
                     "w": bench.weights_pct[i] if bench else float("nan"),
                     "total": float(ni[i]) if ni else float("nan"),
                     "events": float(data.values["xi"][keep[i]]) if "xi" in data.values
                     else float("nan"),
                     "group": data.groups[keep[i]] if data.groups is not None else ""})
    studies = pd.DataFrame(rows)
    subs, between = {}, None
    if data.groups is not None and len(set(studies["group"])) > 1:
        groups = list(studies["group"])
        for name in dict.fromkeys(groups):
            mask = np.array([g == name for g in groups])
            subs[name] = pool_benchmark(y[mask], v[mask], method, test, level) if mask.sum() > 1 \
                else None
        between = subgroup_difference(y, v, groups, method=method, test=test, level=level)
    notes = [f"{e.study}: not drawn ({e.reason})" for e in table.excluded]
    frame = build_forest_frame(studies, bench, measure=measure, level=level, factor=factor,
                               by="group" if data.groups is not None else None,
                               subgroups=subs, between=between, notes=notes)
    kwargs = {"xlabel": "Proportion (%)" if factor == 100 else AXIS.get(measure, measure),
              "log": measure == "RATIO",
              "refline": 1.0 if measure == "RATIO" else (0.0 if measure == "GEN" else None),
              "headings": ("Study", "n/N" if "xi" in data.values else "",
                           f"Estimate [{level:g}% CI]", "Weight")}
    return frame, kwargs


def draw_pool_forest(path: Path, data: PoolInput, table: EffectTable, *, measure: str,
                     method: str = "REML", test: str = "z", level: float = 95.0) -> pd.DataFrame:
    """Write the forest plot of a pool CSV to ``path`` (.svg, .pdf or .png); returns the frame
    drawn. A wrong suffix or an unwritable path prints one line and exits with code 2."""
    import typer

    from reports.figures.forest import plot_forest

    suffix = Path(path).suffix.lower()
    if suffix not in (".svg", ".pdf", ".png"):
        typer.echo(f"hccmeta pool: --forest: expected a file name ending in .svg, .pdf or .png, "
                   f"got {str(path)!r}", err=True)
        raise typer.Exit(2)
    if not Path(path).parent.is_dir():
        typer.echo(f"hccmeta pool: --forest: expected an existing folder, got "
                   f"{str(Path(path).parent)!r}", err=True)
        raise typer.Exit(2)
    frame, kwargs = pool_forest_frame(data, table, measure=measure, method=method, test=test,
                                      level=level)
    return plot_forest(frame, path, **kwargs)
