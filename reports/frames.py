"""Tidy frames for the figures, built from analyses (labels and values travel together)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from meta.comparison import Benchmark
from meta.level import critical_value
from meta.transforms import backtransform
from reports import fmt
from reports.analysis import GroupAnalysis

NAN = float("nan")
MARK = "†"
"""Marks a study row whose CI is not the published one but re-expressed at the plan's level."""


def _row(kind: str, label: str, left: str = "", est: float = NAN, lb: float = NAN,
         ub: float = NAN, right: str = "", weight: str = "") -> dict[str, object]:
    return {"kind": kind, "label": label, "left": left, "est": est, "lb": lb, "ub": ub,
            "right": right, "weight": weight}


def _bt(measure: str, values: list[float], ni: list[float] | None) -> list[float]:
    return [float(v) for v in backtransform(measure, np.asarray(values, float), ni=ni)]


def _left(row: pd.Series, kind: str) -> str:
    if kind == "median":
        return f"n = {int(row['total'])}"
    return f"{int(row['events'])}/{int(row['total'])}"


def _short(label: str, width: int = 40) -> str:
    return label if len(label) <= width else label[: width - 1] + "…"


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


def _pooled_rows(kind: str, label: str, bench: Benchmark, measure: str, ni, factor: float,
                 left: str = "") -> dict[str, object]:
    est, lb, ub = (v * factor for v in _bt(measure, [bench.estimate, bench.ci_lb, bench.ci_ub],
                                           ni))
    return _row(kind, label, left, est, lb, ub, fmt.est_ci(est, lb, ub), "")


def forest_frame(a: GroupAnalysis, bench: Benchmark | None, index_label: str,
                 index_row: pd.Series | None, references: list[dict[str, object]],
                 level: float, subgroup_by: str) -> pd.DataFrame:
    """The forest plot of one outcome and comparator group as a tidy frame."""
    kind, measure = a.outcome.kind, a.outcome.measure
    factor, _ = fmt.scale(kind)
    ni = a.arms["total"].astype(float).tolist() if measure == "PFT" and len(a.arms) else None
    rows = []
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
        rows.append(_row("index", _short(f"{index_label} (index, not pooled)"),
                         _left(index_row, kind), est, lb, ub, fmt.est_ci(est, lb, ub)))
    for ref in references:
        rows.append(_row("reference", _short(f"Published MA: {ref['label']}"), str(ref["left"]),
                         float(ref["est"]), float(ref["lb"]), float(ref["ub"]),
                         fmt.est_ci(ref["est"], ref["lb"], ref["ub"])))
    weights = dict(zip(a.arms["label"], bench.weights_pct, strict=True)) if bench else {}
    converted: set[float] = set()
    subgroups = {name: (b, k) for name, b, k in a.subgroups}
    show_sub = len(subgroups) > 1
    by = subgroup_by if subgroup_by != "none" else None
    parts = a.arms.groupby(by, sort=False) if by and len(a.arms) else [(None, a.arms)]
    for name, part in parts:
        if show_sub:
            rows.append(_row("header", fmt.DESIGN_LABELS.get(str(name), str(name))))
        for _, r in part.iterrows():
            est, lb, ub = study_interval(r, measure, kind, level)
            w = weights.get(r["label"])
            source = reexpressed_from(r, kind, level)
            mark = MARK if source is not None else ""
            if source is not None:
                converted.add(source)
            rows.append(_row("study", _short(str(r["label"])), _left(r, kind), est, lb, ub,
                             fmt.est_ci(est, lb, ub) + mark,
                             f"{w:.1f}%" if w is not None else ""))
        sub, k = subgroups.get(str(name), (None, 0))
        if show_sub and sub is not None:
            ni_part = part["total"].astype(float).tolist() if measure == "PFT" else None
            rows.append(_pooled_rows("subgroup", f"Subgroup pooled (k = {k})", sub, measure,
                                     ni_part, factor))
    if bench is not None:
        left = (f"{int(a.arms['events'].sum())}/{int(a.arms['total'].sum())}"
                if kind != "median" else f"n = {int(a.arms['total'].sum())}")
        rows.append(_pooled_rows("overall", f"Pooled, {bench.method} (k = {bench.k})", bench,
                                 measure, ni, factor, left))
        rows[-1]["weight"] = "100%"
        if bench.k >= 2:
            lb, ub = (v * factor for v in _bt(measure, [bench.pi_lb, bench.pi_ub], ni))
            rows.append(_row("pi", f"{level:g}% prediction interval", "", NAN, lb, ub,
                             fmt.interval(lb, ub)))
            rows.append(_row("note", f"Heterogeneity: I² = {bench.I2:.0f}%, τ² = "
                             f"{bench.tau2:.3f}, Q = {bench.Q:.2f} on {bench.k - 1} df, "
                             f"{fmt.pval(bench.Q_pval)}"))
    if converted:
        levels = " or ".join(f"{v:g}%" for v in sorted(converted))
        rows.append(_row("note", f"{MARK} {level:g}% CI re-expressed from the published {levels} "
                         "CI (log scale, SE from the published interval)"))
    return pd.DataFrame(rows, columns=["kind", "label", "left", "est", "lb", "ub", "right",
                                       "weight"])
