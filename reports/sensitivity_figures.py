"""The sensitivity section's figures beyond the forest plots: a bubble plot per era / case-mix
meta-regression and a funnel plot (with Egger's test and trim-and-fill) per comparison; queued
on the figure workers, returned as the section's entries (frames in
:mod:`reports.figures.bubble_frame`, small-study statistics in :mod:`reports.analysis.bias`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from meta import bias
from meta.transforms import backtransform
from reports import fmt
from reports.analysis.bias import BiasResult
from reports.analysis.groups import GroupAnalysis
from reports.figure_jobs import FigureJobs
from reports.figures.bubble_frame import bubble_frame
from reports.plan import Plan


def bubbles(a: GroupAnalysis, plan: Plan, root: Path, jobs: FigureJobs) -> list[dict[str, str]]:
    """A bubble plot per era / case-mix meta-regression that was done."""
    out: list[dict[str, str]] = []
    if a.comparison is None:
        return out
    regs = [x for x in (a.era_adjusted, *(a.casemix_adjusted or ()))
            if x is not None and x.result.done]
    for adj in regs:
        frame = bubble_frame(a, adj)
        name = f"figures/bubble_{a.outcome.id}_{a.group.id}_{adj.covariate}.svg"
        unit = fmt.unit(a.outcome.kind)
        jobs.submit("plot_bubble", frame, root / name, xlabel=adj.label,
                    ylabel=f"{a.outcome.label} ({unit})", level=plan.level)
        out.append({"figure": name, "caption": f"Meta-regression of {a.outcome.label} on "
                    f"{adj.label.lower()} ({a.group.label}, k = {adj.result.k}); circles sized "
                    "by weight, band: CI of the fit, red: the index study with its interval "
                    "(not in the fit)."})
    return out


def funnels(analyses: list[GroupAnalysis], plan: Plan, root: Path, jobs: FigureJobs,
            biases: dict[tuple[str, str], BiasResult]) -> dict[tuple[str, str], dict[str, Any]]:
    """Egger's test, trim-and-fill (:mod:`reports.analysis.bias`) and a funnel plot per
    comparison with at least ``plan.sensitivity.min_k_bias`` studies."""
    out = {}
    for a in analyses:
        c = a.comparison
        res = biases.get((a.outcome.id, a.group.id))
        if c is None or res is None:
            continue
        k, min_k = res.k, res.min_k
        if not res.done:
            out[(a.outcome.id, a.group.id)] = {
                "note": f"Funnel plot, Egger's test and trim-and-fill not shown: k = {k} < "
                        f"{min_k} studies (plan: sensitivity.min_k_bias; Sterne et al. 2011 "
                        "advise against them below 10).", "header": [], "rows": [],
                "figures": []}
            continue
        egger, tf = res.egger, res.trimfill
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
