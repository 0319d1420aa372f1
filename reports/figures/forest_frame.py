"""The forest plot's frame, built from study rows and pooled results (labels and values together).

One builder (:func:`build_forest_frame`) serves the report (:func:`forest_frame`, from a
comparison of the analysis layer) and ``hccmeta pool --forest``, so both draw the same plot.
Rows, top to bottom: the index study (apart, never pooled), published pooled results, then per
subgroup a header, its studies and, with two or more studies, its diamond; then the overall
diamond, the prediction interval and the heterogeneity line (only with k >= 2: a single study is
shown, never "pooled"), and the test for subgroup differences.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from meta.comparison import Benchmark
from meta.level import critical_value
from meta.transforms import backtransform
from reports import fmt

if TYPE_CHECKING:  # the report's comparisons; `hccmeta pool --forest` does not load them
    from reports.analysis.groups import GroupAnalysis

NAN = float("nan")
FRAME_COLUMNS = ["kind", "label", "left", "criteria", "est", "lb", "ub", "right", "weight", "w"]


def row(kind: str, label: str, left: str = "", est: float = NAN, lb: float = NAN,
        ub: float = NAN, right: str = "", weight: str = "", criteria: str = "",
        w: float = NAN) -> dict[str, Any]:
    """One frame row (see :mod:`reports.figures.forest`)."""
    return {"kind": kind, "label": label, "left": left, "criteria": criteria, "est": est,
            "lb": lb, "ub": ub, "right": right, "weight": weight, "w": w}


def pooled_row(kind: str, label: str, bench: Benchmark, measure: str,
               ni: Sequence[float] | None, factor: float, left: str = "",
               weight: float = NAN) -> dict[str, Any]:
    """A diamond row: ``bench`` back-transformed to the display scale (times ``factor``)."""
    est, lb, ub = (float(v) * factor for v in backtransform(
        measure, np.array([bench.estimate, bench.ci_lb, bench.ci_ub]), ni=ni))
    return row(kind, label, left, est, lb, ub, fmt.est_ci(est, lb, ub),
               f"{weight:.1f}%" if np.isfinite(weight) else "", w=weight)


def heterogeneity(bench: Benchmark) -> str:
    """metafor's heterogeneity line: I², tau², Q on k - 1 df and its p-value."""
    return (f"Heterogeneity: I² = {bench.I2:.0f}%, τ² = {bench.tau2:.3f}, Q = {bench.Q:.2f} "
            f"on {bench.k - 1} df, {fmt.pval(bench.Q_pval)}")


def subgroup_test(q: float, df: int, p: float) -> str:
    """The test for subgroup differences as RevMan prints it (Q between, df, p, I²)."""
    i2 = max(0.0, (q - df) / q) * 100 if q > 0 else 0.0
    return (f"Test for subgroup differences: Q = {q:.2f} on {df} df, {fmt.pval(p)}, "
            f"I² = {i2:.0f}%")


def subgroup_difference(yi: Sequence[float], vi: Sequence[float], groups: Sequence[str], *,
                        method: str, test: str = "z", level: float = 95.0
                        ) -> tuple[float, int, float] | None:
    """(Q, df, p) of the test for subgroup differences with separate tau²
    (:func:`meta.subgroups.subgroup_analysis`), or None when it cannot be fitted (e.g. fewer
    studies than the subgroup model has coefficients)."""
    from meta.subgroups import subgroup_analysis

    try:
        sg = subgroup_analysis(np.asarray(yi, float), np.asarray(vi, float), list(groups),
                               method=method, test=test, level=level)
    except ValueError:
        return None
    return sg.Q_between, sg.Q_between_df, sg.Q_between_pval


def build_forest_frame(studies: pd.DataFrame, pooled: Benchmark | None, *, measure: str,
                       level: float = 95.0, factor: float = 1.0, by: str | None = None,
                       group_labels: Mapping[str, str] | None = None,
                       subgroups: Mapping[str, Benchmark | None] | None = None,
                       between: tuple[float, int, float] | None = None,
                       index: Mapping[str, Any] | None = None,
                       references: Sequence[Mapping[str, Any]] = (),
                       notes: Sequence[str] = (), median: bool = False) -> pd.DataFrame:
    """The frame of one forest plot.

    Parameters
    ----------
    studies : pandas.DataFrame
        One row per pooled study in drawing order: ``label``, ``left`` (n/N), ``est``, ``lb``,
        ``ub`` (display scale), optional ``right`` (defaults to "est [lb, ub]"), ``criteria``,
        ``w`` (weight, %), ``total`` (for the Freeman–Tukey back-transform) and the subgroup
        column ``by``.
    pooled : Benchmark or None
        The overall random-effects fit (analysis scale); drawn only when ``pooled.k >= 2``.
    measure : str
        Analysis scale, for back-transforming pooled rows (:func:`meta.transforms.backtransform`).
    level : float
        Confidence level in percent (prediction interval label).
    factor : float
        Display factor (100 for percentages).
    by : str, optional
        Subgroup column of ``studies``; headers and diamonds are drawn when it has two or more
        levels.
    group_labels : mapping, optional
        Printed names of the subgroup levels.
    subgroups : mapping of level -> Benchmark or None
        Per-subgroup fits (a diamond when ``k >= 2``).
    between : (Q, df, p), optional
        Test for subgroup differences (:func:`meta.subgroups.subgroup_analysis`, separate tau²).
    index : mapping, optional
        The index study: ``label``, ``left``, ``criteria``, ``est``, ``lb``, ``ub``.
    references : sequence of mapping
        Published pooled results: ``label``, ``left``, ``est``, ``lb``, ``ub``.
    notes : sequence of str
        Extra italic lines at the bottom.
    median : bool
        Whether the ``left`` column holds sizes only (``n = ...``) rather than events/total.
    """
    rows: list[dict[str, Any]] = []
    if index is not None:
        est, lb, ub = (float(index.get(k, NAN)) for k in ("est", "lb", "ub"))
        rows.append(row("index", str(index["label"]), str(index.get("left", "")), est, lb, ub,
                        fmt.est_ci(est, lb, ub), criteria=str(index.get("criteria", "") or "")))
    for ref in references:
        rows.append(row("reference", f"Published MA: {ref['label']}", str(ref.get("left", "")),
                        float(ref["est"]), float(ref["lb"]), float(ref["ub"]),
                        fmt.est_ci(ref["est"], ref["lb"], ref["ub"])))
    names = group_labels or {}
    subs = subgroups or {}
    levels = list(dict.fromkeys(studies[by].astype(str))) if by and len(studies) else []
    show_sub = len(levels) > 1
    parts = ([(lv, studies[studies[by].astype(str) == lv]) for lv in levels] if show_sub
             else [(None, studies)])
    for name, part in parts:
        if show_sub:
            rows.append(row("header", names.get(str(name), str(name))))
        for r in part.to_dict("records"):
            w = float(r.get("w", NAN))
            right = r.get("right") or fmt.est_ci(r["est"], r["lb"], r["ub"])
            rows.append(row("study", str(r["label"]), str(r.get("left", "")), float(r["est"]),
                            float(r["lb"]), float(r["ub"]), str(right),
                            f"{w:.1f}%" if np.isfinite(w) else "",
                            str(r.get("criteria", "") or ""), w))
        sub = subs.get(str(name)) if show_sub else None
        if sub is not None and sub.k >= 2:
            ni = part["total"].astype(float).tolist() if measure == "PFT" else None
            w_sum = float(part["w"].sum()) if "w" in part else NAN
            rows.append(pooled_row("subgroup", f"Subtotal (k = {sub.k}, I² = {sub.I2:.0f}%)",
                                   sub, measure, ni, factor, weight=w_sum))
    if pooled is not None and pooled.k >= 2:
        ni = studies["total"].astype(float).tolist() if measure == "PFT" else None
        left = ""
        totals = studies["total"] if "total" in studies else pd.Series([NAN])
        events = studies["events"] if "events" in studies else pd.Series([NAN])
        if np.isfinite(totals.to_numpy(float)).all():
            left = (f"n = {int(totals.sum())}" if median else
                    f"{int(events.sum())}/{int(totals.sum())}"
                    if np.isfinite(events.to_numpy(float)).all() else "")
        rows.append(pooled_row("overall", f"Pooled, {pooled.method} (k = {pooled.k})", pooled,
                               measure, ni, factor, left, weight=100.0))
        rows[-1]["weight"] = "100%"
        if np.isfinite(pooled.pi_lb) and np.isfinite(pooled.pi_ub):
            lb, ub = (float(v) * factor for v in backtransform(
                measure, np.array([pooled.pi_lb, pooled.pi_ub]), ni=ni))
            rows.append(row("pi", f"{level:g}% prediction interval", "", NAN, lb, ub,
                            fmt.interval(lb, ub)))
        rows.append(row("note", heterogeneity(pooled)))
    if show_sub and between is not None and np.isfinite(between[0]):
        rows.append(row("note", subgroup_test(*between)))
    rows += [row("note", n) for n in notes]
    return pd.DataFrame(rows, columns=FRAME_COLUMNS)


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
