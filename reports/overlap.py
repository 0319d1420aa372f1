"""Sensitivity analysis excluding overlapping cohorts.

Study files link publications that may share patients (``related`` entries with relation
``overlapping_cohort`` or ``same_institution``). The main analysis pools every arm and lists the
overlap; this analysis re-pools each benchmark keeping, from each connected cluster of linked
studies, only the arm with the largest number of patients, so that no patient can be counted
twice. Linked clusters are the connected components of the undirected graph whose edges are
the relations (a link declared in either study file counts, and links are transitive: A–B and
B–C put A, B and C in one cluster).

The arm kept is the one with the largest ``total`` (patients analysed for the outcome; ``n`` of
the arm for medians); ties go to the most recent publication year, then to the alphabetically
first study id and arm id. When a cluster contributes several arms of one study (e.g. two
eligible arms of a multi-arm trial) only one is kept as well: the cluster is treated as one
cohort. The comparison itself is :func:`meta.comparison.compare` on the reduced set, with the
plan's estimator, inference and level, so the numbers are those of the main analysis applied to
fewer arms.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from extraction import StudyRecord
from meta.comparison import ComparisonResult, compare
from reports import fmt
from reports.analysis import GroupAnalysis
from reports.plan import Plan

RELATIONS = ("overlapping_cohort", "same_institution")
"""Relations that mean two study files may describe some of the same patients."""

ALPHA = 0.05
"""Significance level at which a verdict change is reported."""


@dataclass(frozen=True)
class OverlapResult:
    """One outcome × comparator group re-analysed without overlapping cohorts.

    Attributes
    ----------
    dropped : tuple of str
        Labels of the benchmark arms left out (in forest order).
    kept : tuple of str
        Labels of the arms kept for their clusters.
    dropped_ids, kept_ids : tuple of str
        ``study`` or ``study/arm`` ids of the same arms (labels can repeat: "Li 2022").
    comparison : ComparisonResult
        :func:`meta.comparison.compare` on the remaining arms.
    """

    analysis: GroupAnalysis
    dropped: tuple[str, ...]
    kept: tuple[str, ...]
    comparison: ComparisonResult
    dropped_ids: tuple[str, ...] = ()
    kept_ids: tuple[str, ...] = ()

    @property
    def verdict_changes(self) -> bool:
        """Whether ``p < ALPHA`` differs between the main and the reduced comparison."""
        main = self.analysis.comparison
        if main is None or main.difference is None or self.comparison.difference is None:
            return False
        return (main.difference.pval < ALPHA) != (self.comparison.difference.pval < ALPHA)


def links(records: Iterable[StudyRecord]) -> list[tuple[str, str]]:
    """``(study, related study)`` pairs of every overlap relation (:data:`RELATIONS`)."""
    return [(rec.id, rel.study) for rec in records for rel in rec.study.related
            if rel.relation in RELATIONS]


def clusters(pairs: Iterable[tuple[str, str]]) -> list[frozenset[str]]:
    """Connected components (two or more studies) of the undirected graph of ``pairs``.

    Union–find with path halving; a pair counts whichever study declares it.
    """
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    comps: dict[str, set[str]] = {}
    for x in parent:
        comps.setdefault(find(x), set()).add(x)
    return sorted((frozenset(c) for c in comps.values() if len(c) > 1), key=sorted)


def reduce_arms(arms: pd.DataFrame, groups: list[frozenset[str]]
                ) -> tuple[pd.DataFrame, tuple[str, ...], tuple[str, ...]]:
    """Keep one arm per linked cluster present with two or more arms.

    Parameters
    ----------
    arms : pandas.DataFrame
        Benchmark arms with ``study``, ``arm``, ``label``, ``year`` and ``total`` (patients).
    groups : list of frozenset
        Clusters from :func:`clusters`.

    Returns
    -------
    kept_arms, dropped, kept : DataFrame, tuple of str, tuple of str
        The remaining arms (original order), the labels dropped and the labels kept for their
        clusters; ``dropped`` is empty when no cluster has two arms here.
    """
    drop, keep = _choose(arms, groups)
    rest = arms.drop(index=drop)
    return (rest, tuple(str(arms.at[i, "label"]) for i in drop),
            tuple(str(arms.at[i, "label"]) for i in keep))


def _choose(arms: pd.DataFrame, groups: list[frozenset[str]]) -> tuple[list, list]:
    """Index labels of the arms dropped (original order) and kept (cluster order)."""
    drop: set = set()
    keep = []
    for cluster in groups:
        members = arms[arms["study"].isin(cluster)] if not arms.empty else arms
        if len(members) < 2:
            continue
        order = sorted(members.index, key=lambda i: (
            -float(members.at[i, "total"]), -int(members.at[i, "year"]),
            str(members.at[i, "study"]), str(members.at[i, "arm"])))
        keep.append(order[0])
        drop.update(order[1:])
    return [i for i in arms.index if i in drop], keep


def exclude_overlapping(a: GroupAnalysis, groups: list[frozenset[str]],
                        plan: Plan) -> OverlapResult | None:
    """The comparison of ``a`` without overlapping cohorts; None when nothing overlaps or the
    main analysis has no comparison."""
    if a.comparison is None or a.index_yi is None:
        return None
    arms = a.arms
    drop, keep = _choose(arms, groups)
    if not drop:
        return None
    rest = arms.drop(index=drop)
    ni = rest["total"].astype(float).tolist() if a.outcome.measure == "PFT" else None
    comp = compare(rest["yi"], rest["vi"], a.index_yi, a.index_vi, a.outcome.measure,
                   method=plan.estimator, test=plan.inference, level=plan.level, ni=ni)
    multi = arms["study"].duplicated(keep=False)

    def ident(i: object) -> str:
        """``study`` (``study/arm`` when the study has several arms in this benchmark)."""
        sid = str(arms.at[i, "study"])
        return f"{sid}/{arms.at[i, 'arm']}" if multi[i] else sid

    return OverlapResult(a, tuple(str(arms.at[i, "label"]) for i in drop),
                         tuple(str(arms.at[i, "label"]) for i in keep), comp,
                         tuple(ident(i) for i in drop), tuple(ident(i) for i in keep))


def analyse(analyses: Iterable[GroupAnalysis], records: Iterable[StudyRecord],
            plan: Plan) -> list[OverlapResult]:
    """:func:`exclude_overlapping` for every analysis with overlap, in report order."""
    if not plan.sensitivity.exclude_overlapping:
        return []
    groups = clusters(links(records))
    if not groups:
        return []
    return [r for a in analyses if (r := exclude_overlapping(a, groups, plan)) is not None]


def _p(c: ComparisonResult) -> str:
    return fmt.pval(c.difference.pval) if c.difference else "no test"


def section(results: list[OverlapResult], plan: Plan) -> dict[str, object] | None:
    """The sensitivity subsection (one table row per outcome × group), None when not run."""
    if not plan.sensitivity.exclude_overlapping:
        return None
    rows = []
    for r in results:
        a, c, main = r.analysis, r.comparison, r.analysis.comparison
        assert main is not None
        factor, _ = fmt.scale(a.outcome.kind)
        unit = fmt.unit_suffix(a.outcome.kind)
        d = c.difference
        diff = (f"{c.points_bt * factor:+.1f}" + (" mo" if a.outcome.kind == "median" else " pts")
                + (f" ({d.estimate:+.3f})" if d else ""))
        rows.append([f"{a.outcome.label}: {a.group.label}",
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


def reading(results: list[OverlapResult]) -> str:
    """One sentence for the summary's reading on whether any verdict changes."""
    if not results:
        return ""
    changed = [r for r in results if r.verdict_changes]
    n = len(results)
    head = (f"Excluding overlapping cohorts (one arm per cluster of linked studies) re-pools "
            f"{n} benchmark{'s' if n > 1 else ''}; ")
    if not changed:
        return head + f"no verdict at p < {ALPHA:g} changes."
    which = ", ".join(
        f"{r.analysis.outcome.label} vs {r.analysis.group.label} "
        f"({_p(r.analysis.comparison)} → {_p(r.comparison)})"  # type: ignore[arg-type]
        for r in changed)
    return head + f"the verdict at p < {ALPHA:g} changes for {which}."
