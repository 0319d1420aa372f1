"""Sensitivity analysis excluding overlapping cohorts.

Study files link publications that may share patients (``related`` entries with relation
``overlapping_cohort`` or ``same_institution``). This analysis re-pools each benchmark keeping,
from each connected cluster of linked studies, only the arm with the largest number of patients,
so that no patient can be counted
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
from extraction.links import OVERLAP_RELATIONS, clusters, pairs
from meta.comparison import ComparisonResult, compare
from reports.plan import Group, Outcome, Plan

RELATIONS = OVERLAP_RELATIONS
"""Relations that mean two study files may describe some of the same patients."""


@dataclass(frozen=True)
class OverlapResult:
    """One outcome × comparator group re-analysed with another set of overlapping arms.

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
    main : ComparisonResult
        The comparison of the main analysis.
    alpha : float
        The plan's significance level.
    """

    outcome: Outcome
    group: Group
    dropped: tuple[str, ...]
    kept: tuple[str, ...]
    comparison: ComparisonResult
    main: ComparisonResult
    alpha: float
    dropped_ids: tuple[str, ...] = ()
    kept_ids: tuple[str, ...] = ()

    @property
    def verdict_changes(self) -> bool:
        """Whether ``p < alpha`` of the difference test differs between main and re-pool."""
        main = self.main
        if main.difference is None or self.comparison.difference is None:
            return False
        return (main.difference.pval < self.alpha) != (self.comparison.difference.pval
                                                        < self.alpha)


def links(records: Iterable[StudyRecord]) -> list[tuple[str, str]]:
    """``(study, related study)`` pairs of every overlap relation (:data:`RELATIONS`)."""
    return pairs(records, RELATIONS)


def overlap_clusters(records: Iterable[StudyRecord]) -> list[frozenset[str]]:
    """Clusters of studies linked as overlapping (:func:`extraction.links.clusters`)."""
    return clusters(links(records))


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


def exclude_overlapping(a, groups: list[frozenset[str]], plan: Plan) -> OverlapResult | None:
    """The comparison of ``a`` (a :class:`reports.analysis.groups.GroupAnalysis`) without
    overlapping cohorts; None when nothing overlaps or the main analysis has no comparison."""
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

    return OverlapResult(a.outcome, a.group, tuple(str(arms.at[i, "label"]) for i in drop),
                         tuple(str(arms.at[i, "label"]) for i in keep), comp, a.comparison,
                         a.alpha, tuple(ident(i) for i in drop), tuple(ident(i) for i in keep))


def analyse(analyses: Iterable, records: Iterable[StudyRecord],
            plan: Plan) -> list[OverlapResult]:
    """:func:`exclude_overlapping` for every analysis with overlap, in report order."""
    if not plan.sensitivity.exclude_overlapping:
        return []
    groups = overlap_clusters(records)
    if not groups:
        return []
    return [r for a in analyses if (r := exclude_overlapping(a, groups, plan)) is not None]
