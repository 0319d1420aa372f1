"""Overlapping cohorts: one arm per cluster in the main analysis, all of them as sensitivity.

Study files link publications that may share patients (``related`` entries with relation
``overlapping_cohort`` or ``same_institution``). Linked clusters are the connected components of
the undirected graph whose edges are the relations (:func:`extraction.links.clusters`: a link
declared in either study file counts, and links are transitive). The main analysis keeps, from
each cluster, only the arm with the largest number of patients, so that no patient is counted
twice (issue 11); the sensitivity analysis re-pools with every arm of the clusters
(``plan.sensitivity.exclude_overlapping``).

The arm kept is the one with the largest ``total`` (patients analysed for the outcome; ``n`` of
the arm for medians); ties go to the most recent publication year, then to the alphabetically
first study id and arm id. When a cluster contributes several arms of one study (e.g. two
eligible arms of a multi-arm trial) only one is kept as well: the cluster is treated as one
cohort. Both comparisons are :func:`meta.comparison.compare` with the plan's estimator,
inference and level.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from extraction import StudyRecord
from extraction.links import OVERLAP_RELATIONS, clusters, pairs
from meta.comparison import ComparisonResult
from reports.plan import Group, Outcome

RELATIONS = OVERLAP_RELATIONS
"""Relations that mean two study files may describe some of the same patients."""


@dataclass(frozen=True)
class OverlapResult:
    """One outcome × comparator group re-analysed with another set of overlapping arms.

    Attributes
    ----------
    dropped : tuple of str
        Labels of the overlapping arms left out of the main analysis (added back here).
    kept : tuple of str
        Labels of the arms the main analysis keeps for their clusters.
    dropped_ids, kept_ids : tuple of str
        ``study`` or ``study/arm`` ids of the same arms (labels can repeat: "Li 2022").
    comparison : ComparisonResult
        :func:`meta.comparison.compare` pooling every arm (the sensitivity analysis).
    main : ComparisonResult
        The comparison of the main analysis (one arm per cluster).
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
        """Whether ``p < alpha`` of the deciding (predictive) test differs between the main
        analysis and the all-arms re-pool."""
        a, b = self.main.predictive, self.comparison.predictive
        if a is None or b is None:
            return False
        return (a.pval < self.alpha) != (b.pval < self.alpha)


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


def ident(arms: pd.DataFrame, i: object) -> str:
    """``study`` (``study/arm`` when the study has several arms in ``arms``)."""
    multi = arms["study"].duplicated(keep=False)
    sid = str(arms.at[i, "study"])
    return f"{sid}/{arms.at[i, 'arm']}" if multi[i] else sid


def split(arms: pd.DataFrame, groups: list[frozenset[str]]
          ) -> tuple[pd.DataFrame, list, list]:
    """The main analysis' arms (one per cluster), and the index labels dropped and kept."""
    drop, keep = _choose(arms, groups)
    return arms.drop(index=drop), drop, keep
