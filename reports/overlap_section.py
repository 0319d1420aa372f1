"""Text of the overlapping-cohort sensitivity analysis (:mod:`reports.analysis.overlap`)."""

from __future__ import annotations

from meta.comparison import ComparisonResult
from reports import fmt
from reports.analysis.overlap import OverlapResult
from reports.plan import Plan


def _p(c: ComparisonResult) -> str:
    """The deciding (predictive) test's p."""
    return fmt.pval(c.predictive.pval) if c.predictive else "no test"


def section(results: list[OverlapResult], plan: Plan) -> dict[str, object] | None:
    """The sensitivity subsection (one table row per outcome × group), None when not run."""
    if not plan.sensitivity.exclude_overlapping:
        return None
    rows = []
    for r in results:
        c, main, outcome = r.comparison, r.main, r.outcome
        factor, _ = fmt.scale(outcome.kind)
        unit = fmt.unit_suffix(outcome.kind)
        d = c.difference
        diff = (f"{c.points_bt * factor:+.1f}" + (" mo" if outcome.kind == "median" else " pts")
                + (f" ({d.estimate:+.3f})" if d else ""))
        rows.append([f"{outcome.label}: {r.group.label}",
                     ", ".join(r.dropped_ids) + f" (kept: {', '.join(r.kept_ids)})",
                     f"{c.benchmark.k} (main: {main.benchmark.k})",
                     fmt.est_ci_unit(*(v * factor for v in c.benchmark_bt), unit),
                     fmt.interval(*(v * factor for v in c.pi_bt)) if c.benchmark.k > 1 else "–",
                     diff, f"{_p(c)} (main analysis: {_p(main)})"
                     + (" — verdict changes" if r.verdict_changes else "")])
    note = ("The main analysis keeps, from each cluster of studies linked as overlapping "
            "cohort or same institution (the study files' related entries), only the arm with "
            "the most patients (ties: the most recent, then the first id). Here every arm of "
            f"those clusters is pooled, with {plan.estimator}, {plan.inference}. Difference: "
            "index − benchmark, back-transformed (analysis scale in brackets); p: the predictive "
            "test that decides the verdict.")
    if not rows:
        note = "No benchmark contains arms of linked (possibly overlapping) cohorts."
    return {"title": "Pooling all overlapping cohorts", "note": note,
            "header": ["Comparison", "Arms added back (kept in the main analysis)", "k",
                       "Benchmark [CI]", "PI", "Difference", "p"],
            "rows": rows, "figures": []}


def reading(results: list[OverlapResult], alpha: float) -> str:
    """One sentence for the summary's reading on whether any verdict changes."""
    if not results:
        return ""
    changed = [r for r in results if r.verdict_changes]
    n = len(results)
    head = (f"Pooling every arm of overlapping cohorts (the main analysis keeps one per cluster "
            f"of linked studies) re-pools {n} benchmark{'s' if n > 1 else ''}; ")
    if not changed:
        return head + f"no verdict of the predictive test at p < {alpha:g} changes."
    which = ", ".join(
        f"{r.outcome.label} vs {r.group.label} ({_p(r.main)} → {_p(r.comparison)})"
        for r in changed)
    return head + f"the predictive test's verdict at p < {alpha:g} changes for {which}."
