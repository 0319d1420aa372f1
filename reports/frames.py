"""Tidy frames for the figures, built from analyses (labels and values travel together)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from meta.comparison import Benchmark
from meta.level import critical_value
from meta.transforms import backtransform
from reports import fmt
from reports.analysis.groups import GroupAnalysis

NAN = float("nan")
MARK = "†"
"""Marks a study row whose CI is not the published one but re-expressed at the plan's level."""


def _bt(measure: str, values: list[float], ni: list[float] | None) -> list[float]:
    return [float(v) for v in backtransform(measure, np.asarray(values, float), ni=ni)]


def _left(row: pd.Series, kind: str) -> str:
    if kind == "median":
        return f"n = {int(row['total'])}"
    return f"{int(row['events'])}/{int(row['total'])}"


def reexpressed_from(row: pd.Series, kind: str, level: float) -> float | None:
    """The level (percent) of a median's published CI when it differs from ``level``, else None.

    Such a CI cannot be shown under a ``level``% heading: :func:`study_interval` re-expresses
    it at ``level`` from ``yi``, ``vi`` (the SE was derived from the published CI at its own
    level, :func:`meta.effects.median_survival`) and the forest row is marked.
    """
    if kind != "median" or not (fmt.ok(row.get("ci_lower")) and fmt.ok(row.get("ci_upper"))):
        return None
    published = row.get("ci_level")
    published = 95.0 if published is None or not fmt.ok(float(published)) else float(published)
    return published if abs(published - level) > 1e-9 else None


def study_interval(row: pd.Series, measure: str, kind: str, level: float) -> tuple[float, ...]:
    """A study's estimate and ``level``% CI on the display scale.

    A median's published CI is shown as published when it is at ``level``; otherwise (and
    without a published CI) the CI is ``yi ± z·√vi`` back-transformed: for a median,
    ``median · exp(±z·SE)`` with the SE of the log median from the published CI at its own level
    (a 90% CI 15.2 [10.8, 19.6] becomes 15.2 [10.7, 21.7] at 95%).
    """
    factor, _ = fmt.scale(kind)
    if kind == "median" and reexpressed_from(row, kind, level) is None:
        lo, hi = row.get("ci_lower"), row.get("ci_upper")
        if fmt.ok(lo) and fmt.ok(hi):
            return float(row["median"]), float(lo), float(hi)
    z = critical_value(level)
    half = z * np.sqrt(row["vi"])
    ni = [float(row["total"])] if measure == "PFT" else None
    est, lb, ub = _bt(measure, [row["yi"], row["yi"] - half, row["yi"] + half], ni)
    return est * factor, lb * factor, ub * factor


def forest_frame(a: GroupAnalysis, bench: Benchmark | None, index_label: str,
                 index_row: pd.Series | None, references: list[dict[str, object]],
                 level: float, subgroup_by: str) -> pd.DataFrame:
    """The forest plot of one outcome and comparator group as a tidy frame
    (:func:`reports.figures.forest_frame.build_forest_frame`): full labels, criteria, weights
    as numbers, subgroup diamonds with the test for subgroup differences, no pooled row for
    k = 1."""
    from reports.figures.forest_frame import build_forest_frame, subgroup_difference

    kind, measure = a.outcome.kind, a.outcome.measure
    factor, _ = fmt.scale(kind)
    ni = a.arms["total"].astype(float).tolist() if measure == "PFT" and len(a.arms) else None
    index = None
    if a.index_yi is not None and index_row is not None:
        c = a.comparison
        if c is not None:
            est, lb, ub = (v * factor for v in c.index_bt)
        else:
            est = float(backtransform(measure, np.array([a.index_yi]), ni=ni)[0]) * factor
            lb = ub = NAN
            if a.index_vi is not None:
                z = critical_value(level) * np.sqrt(a.index_vi)
                lb, ub = (float(v) * factor for v in backtransform(
                    measure, np.array([a.index_yi - z, a.index_yi + z]),
                    ni=[float(index_row["total"])] if measure == "PFT" else None))
        index = {"label": f"{index_label} (index, not pooled)", "left": _left(index_row, kind),
                 "criteria": _criteria(index_row), "est": est, "lb": lb, "ub": ub}
    weights = dict(zip(a.arms["label"], bench.weights_pct, strict=True)) if bench else {}
    converted: set[float] = set()
    rows = []
    for _, r in a.arms.iterrows():
        est, lb, ub = study_interval(r, measure, kind, level)
        source = reexpressed_from(r, kind, level)
        if source is not None:
            converted.add(source)
        rows.append({"label": str(r["label"]), "left": _left(r, kind), "criteria": _criteria(r),
                     "est": est, "lb": lb, "ub": ub,
                     "right": fmt.est_ci(est, lb, ub) + (MARK if source is not None else ""),
                     "w": weights.get(r["label"], NAN), "total": float(r["total"]),
                     "events": float(r["events"]) if "events" in r and fmt.ok(r["events"])
                     else NAN,
                     "group": str(r[subgroup_by]) if subgroup_by != "none" else ""})
    studies = pd.DataFrame(rows)
    by = "group" if subgroup_by != "none" and len(studies) else None
    subs = {name: b for name, b, _k in a.subgroups}
    between = None
    if by is not None and studies["group"].nunique() > 1 and bench is not None:
        between = subgroup_difference(a.arms["yi"], a.arms["vi"], list(studies["group"]),
                                      method=bench.method, level=level)
    notes = []
    if converted:
        levels = " or ".join(f"{v:g}%" for v in sorted(converted))
        notes.append(f"{MARK} {level:g}% CI re-expressed from the published {levels} "
                     "CI (log scale, SE from the published interval)")
    refs = [{**ref, "left": str(ref["left"])} for ref in references]
    return build_forest_frame(studies, bench, measure=measure, level=level, factor=factor,
                              by=by, group_labels=fmt.DESIGN_LABELS, subgroups=subs,
                              between=between, index=index, references=refs, notes=notes,
                              median=kind == "median")


CRITERIA = {"recist_1.1": "RECIST 1.1", "recist": "RECIST", "mrecist": "mRECIST",
            "irecist": "iRECIST", "easl": "EASL", "not_reported": "not stated"}
"""Short names of the response criteria for the forest plot's column."""


def _criteria(row: pd.Series) -> str:
    value = row.get("criteria")
    return CRITERIA.get(value, value) if isinstance(value, str) and value else ""
