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

import numpy as np
import typer

from meta import effects
from meta.model import rma
from meta.regression import meta_regression
from meta.results import json_clean
from meta.subgroups import subgroup_analysis
from meta.tau2 import METHODS
from reports.cli import app
from reports.cli.pool_csv import MEASURES, PoolCsvError, PoolInput, read_pool_csv

EXIT_INPUT_ERROR = 2


def _fail(message: str) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(EXIT_INPUT_ERROR)


def _effect_table(data: PoolInput, measure: str) -> effects.EffectTable:
    v = data.values
    if measure == "GEN":
        if "vi" in v:
            return effects.generic(v["yi"], v["vi"], study=data.study)
        return effects.generic(v["yi"], sei=v["sei"], study=data.study)
    if measure == "RATIO":
        return effects.ratios(v["est"], v["lower"], v["upper"], measure="RATIO",
                              study=data.study)
    return effects.proportions(v["xi"], v["ni"], measure, study=data.study)


def _backtransformed(measure: str, table: effects.EffectTable, fit_dict: dict[str, Any]
                     ) -> dict[str, Any] | None:
    try:
        from meta.transforms import backtransform
    except ImportError:  # pragma: no cover - part of the same distribution
        return None
    keys = ("estimate", "ci_lb", "ci_ub", "pi_lb", "pi_ub")
    ni = table.extra.get("ni")
    out: dict[str, Any] = {}
    for key in keys:
        value = fit_dict.get(key)
        out[key] = (
            None if value is None
            else float(backtransform(measure, np.array([value]), ni=ni)[0])
        )
    return out


def _optional_blocks(y: np.ndarray, v: np.ndarray, study: list[str], method: str, test: str,
                     level: float) -> dict[str, Any]:
    """Egger, trim-and-fill and leave-one-out from meta.bias / meta.sensitivity."""
    blocks: dict[str, Any] = {"egger": None, "trimfill": None, "leave1out": None, "notes": []}
    try:
        from meta.bias import egger_test, trimfill
        from meta.sensitivity import leave1out
    except ImportError:  # pragma: no cover
        return blocks
    k = y.size
    notes: list[str] = blocks["notes"]
    if k >= 3:
        try:
            blocks["egger"] = egger_test(y, v, level=level).to_dict()
        except ValueError as exc:
            notes.append(f"egger: not computed: {exc}")
        try:
            blocks["trimfill"] = trimfill(y, v, method=method, level=level).to_dict()
        except ValueError as exc:
            notes.append(f"trimfill: not computed: {exc}")
    else:
        notes.append(f"egger, trimfill: not computed: need k >= 3 studies, got k={k}")
    if k >= 3 or (k == 2 and test == "z"):  # knha on one remaining study has no t(0)
        frame = leave1out(y, v, study=study, method=method, test=test, level=level)
        blocks["leave1out"] = json.loads(frame.to_json(orient="records"))
    else:
        notes.append(f"leave1out: not computed for k={k} with --ci {test}")
    if k == 1:
        notes.append("k = 1: common-effect result (tau² = 0, no heterogeneity statistics)")
    return blocks


def _text_summary(result: dict[str, Any], table: effects.EffectTable) -> str:
    lines = [f"{'study':<30} {'yi':>9} {'sei':>9} {'weight %':>9}"]
    for label, yi, sei, w in zip(table.study, table.yi, table.sei, result["weights_pct"],
                                 strict=True):
        lines.append(f"{label[:30]:<30} {yi:>9.4f} {sei:>9.4f} {w:>9.2f}")
    r = result
    test = "t" if r["test"] == "knha" else "z"
    lines.append(
        f"\n{r['method']} (k = {r['k']}, {test} test): estimate {r['estimate']:.4f} "
        f"[{r['ci_lb']:.4f}, {r['ci_ub']:.4f}], se {r['se']:.4f}, p = {r['pval']:.4g}"
    )
    bt = r.get("backtransformed")
    if bt and table.measure != "GEN":
        lines.append(
            f"back-transformed: {bt['estimate']:.4f} [{bt['ci_lb']:.4f}, {bt['ci_ub']:.4f}]"
        )
    tau_ci = ""
    if r["tau2_ci_lb"] is not None:
        tau_ci = f" [{r['tau2_ci_lb']:.4f}, {r['tau2_ci_ub']:.4f}]"
    lines.append(
        f"tau² {r['tau2']:.4f}{tau_ci}, I² {r['I2']:.1f}%, H² {r['H2']:.2f}, "
        f"Q({r['Q_df']}) = {r['Q']:.3f}, p = {r['Q_pval']:.4g}"
    )
    if r["pi_lb"] is not None:
        lines.append(f"prediction interval [{r['pi_lb']:.4f}, {r['pi_ub']:.4f}]")
    if r.get("subgroups"):
        sg = r["subgroups"]["separate_tau2"]
        lines.append(
            f"subgroups: Q_between({sg['Q_between_df']}) = {sg['Q_between']:.3f}, "
            f"p = {sg['Q_between_pval']:.4g} (separate tau²); common tau² QM p = "
            f"{r['subgroups']['common_tau2']['QM_pval']:.4g}"
        )
    if r.get("moderator"):
        md = r["moderator"]
        slope = md["coefficients"][1]
        lines.append(
            f"moderator {slope['name']}: slope {slope['estimate']:.4f} "
            f"[{slope['ci_lb']:.4f}, {slope['ci_ub']:.4f}], p = {slope['pval']:.4g}, "
            f"R² {md['R2'] if md['R2'] is not None else float('nan'):.1f}%"
        )
    for note in r.get("notes", []):
        lines.append(f"note: {note}")
    if table.excluded:
        lines.append("excluded: " + "; ".join(f"{e.study} ({e.reason})" for e in table.excluded))
    return "\n".join(lines)


@app.command()
def pool(
    csv_path: Path = typer.Option(..., "--csv", help="one row per study (see design.md)"),
    measure: str = typer.Option(..., "--measure", help="GEN, RATIO, PLO, PFT, PAS or PR"),
    method: str = typer.Option("REML", "--method", help="FE, DL, REML, ML, PM, HS, SJ, EB, HE"),
    ci: str = typer.Option("wald", "--ci", help="wald (z) or knha (Hartung–Knapp t)"),
    by: str | None = typer.Option(None, "--by", help="subgroup column"),
    mod: str | None = typer.Option(None, "--mod", help="continuous moderator column"),
    level: float = typer.Option(95.0, "--level", help="confidence level in percent"),
    as_json: bool = typer.Option(False, "--json", help="print the result as JSON"),
) -> None:
    """Pool studies from a CSV with a random-effects model (like metafor's rma)."""
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
    test = "knha" if ci == "knha" else "z"
    try:
        data = read_pool_csv(csv_path, measure, by=by, mod=mod)
    except PoolCsvError as exc:
        for message in exc.messages:
            typer.echo(message, err=True)
        raise typer.Exit(EXIT_INPUT_ERROR) from None
    try:
        table = _effect_table(data, measure)
        keep = [data.study.index(s) for s in table.study]
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
            result["subgroups"] = subgroup_analysis(
                y, v, groups, method=method, test=test, level=level
            ).to_dict()
        if mod is not None and data.moderator is not None:
            x = [data.moderator[i] for i in keep]
            result["moderator"] = meta_regression(
                y, v, x, [mod], method=method, test=test, level=level
            ).to_dict()
    except ValueError as exc:
        raise _fail(f"{csv_path}: {exc}") from None
    result = json_clean(result)
    if as_json:
        typer.echo(json.dumps(result, indent=2, allow_nan=False))
    else:
        typer.echo(_text_summary(result, table))
