"""``hccmeta pool``: random-effects pooling of a CSV of studies (metafor ``escalc`` + ``rma``).

Prints a summary, or with ``--json`` the result with metafor's names (design.md contract):
the fit (``k, estimate, se, ..., knha``), ``backtransformed``, ``egger``, ``trimfill``,
``leave1out``, and ``subgroups`` (``--by``) or ``moderator`` (``--mod``). Input errors are
printed as ``file.csv:LINE: column: expected ..., got ...`` and exit with code 2.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from reports.cli import app

EXIT_INPUT_ERROR = 2


def _fail(message: str) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(EXIT_INPUT_ERROR)


POOL_HELP = (
    "Pool studies from a CSV with a random-effects model (like metafor's rma).\n\n"
    "CSV format: UTF-8, comma-separated, a header row, then one row per study. Columns by "
    "--measure (any order; other columns are ignored unless named by --by or --mod):\n\n"
    "* GEN: study,yi,vi or study,yi,sei (an effect on an additive scale, e.g. a log HR)\n\n"
    "* RATIO: study,est,lower,upper (a ratio with its 95% CI; pooled on the log scale)\n\n"
    "* PLO, PFT, PAS, PR: study,xi,ni (events and total; logit, Freeman-Tukey, arcsine or "
    "raw proportion)\n\n"
    "Example (GEN): study,yi,sei,region / Lee 2021,-0.36,0.12,Asia / Cruz 2019,-0.11,0.20,"
    "Europe\n\n"
    "Numbers use ASCII digits (1.5, -0.2, 1e-3); study labels are unique; blank lines are "
    "skipped. --by COL prints each subgroup's estimate and the test of subgroup differences "
    "(Q-between); --mod COL (numeric) fits a meta-regression. Estimates, CIs and the "
    "prediction interval are also shown back-transformed (ratio or proportion scale). "
    "Leave-one-out needs k <= 1,000 studies and trim-and-fill k <= 100,000 (otherwise skipped "
    "with a note). Bad input: one line per problem (file.csv:LINE: column: expected ..., "
    "got ...) and exit code 2."
)


@app.command(help=POOL_HELP)
def pool(
    csv_path: Path = typer.Option(..., "--csv", help="one row per study (format below)"),
    measure: str = typer.Option(..., "--measure", help="GEN, RATIO, PLO, PFT, PAS or PR"),
    method: str = typer.Option("REML", "--method", help="FE, DL, REML, ML, PM, HS, SJ, EB, HE"),
    ci: str = typer.Option("wald", "--ci", help="wald (z) or knha (Hartung–Knapp t)"),
    by: str | None = typer.Option(None, "--by", help="subgroup column"),
    mod: str | None = typer.Option(None, "--mod", help="continuous moderator column"),
    level: float = typer.Option(95.0, "--level", help="confidence level in percent"),
    as_json: bool = typer.Option(False, "--json", help="print the result as JSON"),
    forest: Path | None = typer.Option(None, "--forest", help="also draw the forest plot to "
                                       "FILE.svg, FILE.pdf or FILE.png"),
) -> None:
    """Pool studies from a CSV with a random-effects model (help: :data:`POOL_HELP`)."""
    import numpy as np

    from meta.level import check_level
    from meta.model import rma
    from meta.regression import meta_regression
    from meta.results import json_clean
    from meta.subgroups import subgroup_analysis
    from meta.tau2 import METHODS
    from reports.cli.pool_csv import MEASURES, PoolCsvError, read_pool_csv
    from reports.pool_run import (
        _backtransformed,
        _effect_table,
        _optional_blocks,
        _subgroups_backtransformed,
        _text_summary,
    )

    measure = measure.upper()
    if measure not in MEASURES:
        raise _fail(
            f"hccmeta pool: --measure: expected one of {', '.join(MEASURES)}, got {measure!r}"
        )
    if method not in METHODS:
        raise _fail(f"hccmeta pool: --method: expected one of {', '.join(METHODS)}, got {method!r}")
    if ci not in ("wald", "knha"):
        raise _fail(f"hccmeta pool: --ci: expected wald or knha, got {ci!r}")
    if by is not None and mod is not None:
        raise _fail("hccmeta pool: --by, --mod: expected at most one of them, got both")
    try:
        check_level(level, "--level")
    except ValueError as exc:
        raise _fail(f"hccmeta pool: {exc}") from None
    if forest is not None:
        from extraction.printable import printable
        from reports.cli.guard import protected_reason

        if (why := protected_reason(forest, [csv_path])) is not None:
            raise _fail(f"hccmeta pool: --forest: {printable(forest)}: expected {why}")
    test = "knha" if ci == "knha" else "z"
    try:
        data = read_pool_csv(csv_path, measure, by=by, mod=mod)
    except PoolCsvError as exc:
        for message in exc.messages:
            typer.echo(message, err=True)
        raise typer.Exit(EXIT_INPUT_ERROR) from None
    try:
        table = _effect_table(data, measure)
        row_of = {label: i for i, label in enumerate(data.study)}
        keep = [row_of[label] for label in table.study]
        y, v = np.asarray(table.yi), np.asarray(table.vi)
        fit = rma(y, v, method=method, test=test, level=level)
        result: dict[str, Any] = {
            "input": {
                "csv": str(csv_path),
                "measure": measure,
                "studies": list(table.study),
                "lines": [data.lines[i] for i in keep],
                "yi": y.tolist(),
                "vi": v.tolist(),
                "notes": list(table.notes),
                "excluded": [{"study": e.study, "reason": e.reason} for e in table.excluded],
            },
            **fit.to_dict(),
        }
        result["backtransformed"] = _backtransformed(measure, table, result)
        result.update(_optional_blocks(y, v, list(table.study), method, test, level))
        if by is not None and data.groups is not None:
            groups = [data.groups[i] for i in keep]
            result["subgroups"] = _subgroups_backtransformed(subgroup_analysis(
                y, v, groups, method=method, test=test, level=level
            ).to_dict(), measure, table)
        if mod is not None and data.moderator is not None:
            x = [data.moderator[i] for i in keep]
            result["moderator"] = meta_regression(
                y, v, x, [mod], method=method, test=test, level=level
            ).to_dict()
    except ValueError as exc:
        raise _fail(f"{csv_path}: {exc}") from None
    if forest is not None:
        from reports.pool_forest import draw_pool_forest

        draw_pool_forest(forest, data, table, measure=measure, method=method, test=test,
                         level=level)
    result = json_clean(result)
    if as_json:
        _emit(json.dumps(result, indent=2, allow_nan=False))
    else:
        _emit(_text_summary(result, table))


def _emit(text: str) -> None:
    """Print ``text``. A closed or full standard output is the console entry point's concern
    (:mod:`reports.cli.output`): one line on stderr and exit 1, never a lost result with exit 0."""
    typer.echo(text)
