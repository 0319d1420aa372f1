"""The work behind ``hccmeta pool`` (effect sizes, fit, optional blocks, summary), imported
only when the command runs so that other commands start without loading SciPy."""


from __future__ import annotations

import json
from typing import Any

import numpy as np

from meta import effects
from reports.cli.pool_csv import PoolInput


def printable(text: str) -> str:
    """``text`` with control characters (newline, ESC, ...) escaped, so that one study is one
    line of the summary and no terminal escape sequence from a CSV reaches the terminal."""
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


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


def _subgroups_backtransformed(block: dict[str, Any], measure: str,
                               table: effects.EffectTable) -> dict[str, Any]:
    """Add a ``backtransformed`` block (estimate, CI) to every separate-tau² subgroup."""
    for group in block["separate_tau2"]["groups"]:
        group["backtransformed"] = _backtransformed(measure, table, group)
    return block


# Per-study refits grow as k² (leave-one-out: k fits of k - 1 studies); trim-and-fill refits the
# model up to ``maxiter`` times and ranks k values each time. Beyond these sizes they are skipped
# with a note, so that ``pool`` stays linear in k (benchmarks/bench_pool_large.py).
LEAVE1OUT_MAX_K = 1_000
TRIMFILL_MAX_K = 100_000


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
    if k > TRIMFILL_MAX_K:
        notes.append(f"trimfill: not computed for k > {TRIMFILL_MAX_K:,} (k = {k:,})")
    if k >= 3:
        try:
            blocks["egger"] = egger_test(y, v, level=level).to_dict()
        except ValueError as exc:
            notes.append(f"egger: not computed: {exc}")
        try:
            if k <= TRIMFILL_MAX_K:
                blocks["trimfill"] = trimfill(y, v, method=method, level=level).to_dict()
        except ValueError as exc:
            notes.append(f"trimfill: not computed: {exc}")
    else:
        notes.append(f"egger, trimfill: not computed: need k >= 3 studies, got k={k}")
    if k > LEAVE1OUT_MAX_K:
        notes.append(f"leave1out: not computed for k > {LEAVE1OUT_MAX_K:,} (k = {k:,})")
    elif k >= 3 or (k == 2 and test == "z"):  # knha on one remaining study has no t(0)
        frame = leave1out(y, v, study=study, method=method, test=test, level=level)
        blocks["leave1out"] = json.loads(frame.to_json(orient="records"))
    else:
        notes.append(f"leave1out: not computed for k={k} with --ci {test}")
    if k == 1:
        notes.append("k = 1: common-effect result (tau² = 0, no heterogeneity statistics)")
    return blocks


def _subgroup_lines(block: dict[str, Any], measure: str) -> list[str]:
    """Per-subgroup estimates (separate tau² per group) and the test of subgroup differences."""
    sg = block["separate_tau2"]
    bt_head = "" if measure == "GEN" else f" {'back-transformed [CI]':>30}"
    lines = [f"\nsubgroup (separate tau²)     {'k':>4} {'estimate':>9} {'[CI]':>21} "
             f"{'tau²':>8} {'I² %':>6}{bt_head}"]
    for g in sg["groups"]:
        row = (f"{printable(str(g['group']))[:28]:<28} {g['k']:>4} {g['estimate']:>9.4f} "
               f"[{g['ci_lb']:>9.4f}, {g['ci_ub']:>9.4f}] {g['tau2']:>8.4f} {g['I2']:>6.1f}")
        bt = g.get("backtransformed")
        if measure != "GEN" and bt:
            row += f" {bt['estimate']:>9.4f} [{bt['ci_lb']:>8.4f}, {bt['ci_ub']:>8.4f}]"
        lines.append(row)
    lines.append(
        f"test of subgroup differences: Q_between({sg['Q_between_df']}) = "
        f"{sg['Q_between']:.3f}, p = {sg['Q_between_pval']:.4g} (separate tau²); common tau²: "
        f"QM({block['common_tau2']['QM_df'][0]}) = {block['common_tau2']['QM']:.3f}, "
        f"p = {block['common_tau2']['QM_pval']:.4g}"
    )
    return lines


def _text_summary(result: dict[str, Any], table: effects.EffectTable) -> str:
    lines = [f"{'study':<30} {'yi':>9} {'sei':>9} {'weight %':>9}"]
    for label, yi, sei, w in zip(table.study, table.yi, table.sei, result["weights_pct"],
                                 strict=True):
        lines.append(f"{printable(label)[:30]:<30} {yi:>9.4f} {sei:>9.4f} {w:>9.2f}")
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
        pi = f"prediction interval [{r['pi_lb']:.4f}, {r['pi_ub']:.4f}]"
        if bt and table.measure != "GEN" and bt.get("pi_lb") is not None:
            pi += f", back-transformed [{bt['pi_lb']:.4f}, {bt['pi_ub']:.4f}]"
        lines.append(pi)
    if r.get("subgroups"):
        lines.extend(_subgroup_lines(r["subgroups"], table.measure))
    if r.get("moderator"):
        md = r["moderator"]
        slope = md["coefficients"][1]
        lines.append(
            f"moderator {slope['name']}: slope {slope['estimate']:.4f} "
            f"[{slope['ci_lb']:.4f}, {slope['ci_ub']:.4f}], p = {slope['pval']:.4g}, "
            + (f"R² {md['R2']:.1f}%" if md["R2"] is not None else
               "R² not defined (τ² of the model without the moderator is 0)")
        )
    for note in r.get("notes", []):
        lines.append(f"note: {note}")
    if table.excluded:
        lines.append("excluded: " + "; ".join(f"{printable(e.study)} ({e.reason})"
                                              for e in table.excluded))
    return "\n".join(lines)


