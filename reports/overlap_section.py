"""Text of the overlapping-cohort sensitivity analysis (:mod:`reports.analysis.overlap`)."""

from __future__ import annotations

from meta.comparison import ComparisonResult
from reports import fmt
from reports.analysis.overlap import OverlapResult
from reports.plan import Plan


def _p(c: ComparisonResult) -> str:
    return fmt.pval(c.difference.pval) if c.difference else "no test"


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
                     f"{c.benchmark.k} of {main.benchmark.k}",
                     fmt.est_ci_unit(*(v * factor for v in c.benchmark_bt), unit),
                     fmt.interval(*(v * factor for v in c.pi_bt)) if c.benchmark.k > 1 else "–",
                     diff, f"{_p(c)} (all arms: {_p(main)})"
                     + (" — verdict changes" if r.verdict_changes else "")])
    note = ("From each cluster of studies linked as overlapping cohort or same institution "
            "(the study files' related entries), only the arm with the most patients is kept "
            "(ties: the most recent, then the first id); the benchmark is re-pooled with "
            f"{plan.estimator}, {plan.inference}. Difference: index − benchmark, back-transformed "
            "(analysis scale in brackets).")
    if not rows:
        note = "No benchmark contains arms of linked (possibly overlapping) cohorts."
    return {"title": "Excluding overlapping cohorts", "note": note,
            "header": ["Comparison", "Studies dropped", "k", "Benchmark [CI]", "PI",
                       "Difference", "p"],
            "rows": rows, "figures": []}


def reading(results: list[OverlapResult], alpha: float) -> str:
    """One sentence for the summary's reading on whether any verdict changes."""
    if not results:
        return ""
    changed = [r for r in results if r.verdict_changes]
    n = len(results)
    head = (f"Excluding overlapping cohorts (one arm per cluster of linked studies) re-pools "
            f"{n} benchmark{'s' if n > 1 else ''}; ")
    if not changed:
        return head + f"no verdict at p < {alpha:g} changes."
    which = ", ".join(
        f"{r.outcome.label} vs {r.group.label} ({_p(r.main)} → {_p(r.comparison)})"
        for r in changed)
    return head + f"the verdict at p < {alpha:g} changes for {which}."
