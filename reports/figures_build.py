"""Figures beyond the forest plots: meta-regression bubbles, funnels, survival overlays."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from extraction import StudyRecord
from meta import bias
from meta.transforms import backtransform
from reports import fmt
from reports.analysis import GroupAnalysis
from reports.figure_jobs import FigureJobs
from reports.plan import Plan


def bubble_frame(a: GroupAnalysis, moderator: str, slope_fit: tuple[float, float],
                 index_x: float) -> pd.DataFrame:
    """Studies, the fitted line (on the display scale) and the index study of one regression."""
    factor, _ = fmt.scale(a.outcome.kind)
    c = a.comparison
    assert c is not None
    arms = a.arms[np.isfinite(a.arms[moderator].astype(float))]
    weights = 1 / (arms["vi"] + c.benchmark.tau2)
    size = 100 * weights / weights.sum()
    ni = c.ni

    def bt(v: Any) -> np.ndarray:
        return backtransform(c.measure, np.asarray(v, float), ni=ni) * factor

    b0, b1 = slope_fit
    xs = np.linspace(min(arms[moderator].min(), index_x), max(arms[moderator].max(), index_x),
                     30)
    study = pd.DataFrame({"label": arms["label"], "x": arms[moderator].astype(float),
                          "y": bt(arms["yi"]), "size": size, "kind": "study"})
    fit = pd.DataFrame({"label": "fit", "x": xs, "y": bt(b0 + b1 * xs), "size": 0.0,
                        "kind": "fit"})
    index = pd.DataFrame({"label": ["index"], "x": [index_x], "y": bt([c.index_yi]),
                          "size": [0.0], "kind": ["index"]})
    return pd.concat([study, fit, index], ignore_index=True)


def bubbles(a: GroupAnalysis, plan: Plan, root: Path, jobs: FigureJobs) -> list[dict[str, str]]:
    """Bubble plots for the meta-regressions that were done."""
    out = []
    c = a.comparison
    if c is None:
        return out
    labels = {m.id: m.label for m in plan.moderators}
    for adj in c.adjustments:
        if not adj.done:
            continue
        b0 = adj.predicted - adj.slope * adj.index_value
        frame = bubble_frame(a, adj.moderator, (b0, adj.slope), adj.index_value)
        name = f"figures/bubble_{a.outcome.id}_{a.group.id}_{adj.moderator}.svg"
        unit = fmt.unit(a.outcome.kind)
        jobs.submit("plot_bubble", frame, root / name,
                    xlabel=labels.get(adj.moderator, adj.moderator),
                    ylabel=f"{a.outcome.label} ({unit})")
        out.append({"figure": name, "caption": f"Meta-regression of {a.outcome.label} on "
                    f"{labels.get(adj.moderator, adj.moderator)} ({a.group.label}); circles "
                    "sized by weight, red: the index study (not in the fit)."})
    return out


def funnels(analyses: list[GroupAnalysis], plan: Plan, root: Path, jobs: FigureJobs
            ) -> dict[tuple[str, str], dict[str, Any]]:
    """Egger's test, trim-and-fill and a funnel plot per comparison with at least
    ``plan.sensitivity.min_k_bias`` studies (default 10: Sterne et al. 2011, BMJ 343:d4002;
    with fewer the tests cannot tell asymmetry from chance)."""
    out = {}
    for a in analyses:
        c = a.comparison
        if c is None or c.benchmark.k < 2:
            continue
        k = c.benchmark.k
        min_k = plan.sensitivity.min_k_bias
        if k < min_k:
            out[(a.outcome.id, a.group.id)] = {
                "note": f"Funnel plot, Egger's test and trim-and-fill not shown: k = {k} < "
                        f"{min_k} studies (plan: sensitivity.min_k_bias; Sterne et al. 2011 "
                        "advise against them below 10).", "header": [], "rows": [],
                "figures": []}
            continue
        yi, vi = a.arms["yi"].to_numpy(float), a.arms["vi"].to_numpy(float)
        from reports.degrade import COMPUTE_ERRORS, reason
        try:
            egger = bias.egger_test(yi, vi)
            tf = bias.trimfill(yi, vi, method=plan.estimator)
        except COMPUTE_ERRORS as exc:  # shown as not computed; the rest of the report is built
            out[(a.outcome.id, a.group.id)] = {
                "note": f"Egger's test and trim-and-fill could not be computed: {reason(exc)}.",
                "header": [], "rows": [], "figures": []}
            continue
        labels = [*a.arms["label"], *[f"imputed {i + 1}" for i in range(tf.k0)]]
        data = bias.funnel_data(tf.yi, tf.vi, c.benchmark.estimate, study=labels,
                                filled=tf.filled, level=plan.level)
        frame = data[data["kind"] != "pseudo_ci"].rename(columns={"study": "label"})
        name = f"figures/funnel_{a.outcome.id}_{a.group.id}.svg"
        jobs.submit("plot_funnel", frame[["label", "yi", "sei", "kind"]], root / name,
                    centre=c.benchmark.estimate, egger=(egger.limit_estimate, egger.slope),
                    xlabel=f"{a.outcome.label} ({c.measure} scale)", level=plan.level)
        factor, _ = fmt.scale(a.outcome.kind)
        est, lb, ub = (float(v) * factor for v in backtransform(
            c.measure, [tf.fit.estimate, tf.fit.ci_lb, tf.fit.ci_ub], ni=c.ni))
        stat = "t" if egger.df is not None else "z"
        out[(a.outcome.id, a.group.id)] = {
            "note": "", "header": ["Analysis", "Result"],
            "rows": [["Egger's regression test", f"{stat} = {egger.stat:.2f}, "
                      f"{fmt.pval(egger.pval)} (k = {k})"],
                     ["Trim-and-fill", f"{tf.k0} imputed on the {tf.side}; adjusted benchmark "
                      f"{fmt.est_ci(est, lb, ub)}"]],
            "figures": [{"figure": name, "caption": f"Funnel plot, {a.outcome.label}, "
                         f"{a.group.label} (open circles: trim-and-fill imputations; dashed: "
                         "Egger's regression line)."}]}
    return out


def survival_section(records: list[StudyRecord], plan: Plan, root: Path, jobs: FigureJobs,
                     analyses: list[GroupAnalysis]) -> dict[str, Any]:
    """Pseudo-IPD comparisons where curves exist; otherwise approximate curves, labelled."""
    from reports.survival_section import survival

    return survival(records, plan, root, jobs, analyses)
