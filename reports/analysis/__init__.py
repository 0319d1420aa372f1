"""The analysis layer: study records + plan -> one frozen, typed :class:`ReportAnalysis`.

Data flow: :mod:`.data` (one tidy frame per outcome, every number with its provenance) ->
:mod:`.rules` (comparability: which arms may be compared) -> :mod:`.groups` (per outcome ×
comparator group the benchmark and the comparison, :mod:`meta.comparison`) -> :mod:`.verdict`
(typed position, robustness, verdict) -> :mod:`.overlap` (one arm per overlap cluster; all-arms
re-pool), :mod:`.refs` (reference lines matched or context), :mod:`.sensitivity`
(leave-one-out), :mod:`.bias` (small-study effects), :mod:`.survival` (pseudo-IPD). No text, no
files: the rest of :mod:`reports` writes and draws from this.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

from extraction import StudyRecord
from reports.analysis import overlap as _overlap
from reports.analysis.bias import BiasResult, small_study_effects
from reports.analysis.data import Exclusion, OutcomeData, Provenance, outcome_data
from reports.analysis.degrade import NotComputed, analyse_or_degrade, guarded
from reports.analysis.groups import GroupAnalysis, alpha_of
from reports.analysis.overlap import OverlapResult
from reports.analysis.refs import ReferenceUse, classify
from reports.analysis.sensitivity import LeaveOneOut, leave_one_out
from reports.analysis.survival import SurvivalResult, analyse_survival
from reports.analysis.verdict import Position, Reason, ReasonCode, Robustness, Verdict
from reports.plan import Group, Plan

__all__ = ["BiasResult", "Exclusion", "GroupAnalysis", "LeaveOneOut", "NotComputed",
           "OutcomeData",
           "OverlapResult", "Position", "Provenance", "Reason", "ReasonCode", "ReferenceUse",
           "ReportAnalysis", "Robustness", "SurvivalResult", "Verdict", "analyse"]


@dataclass(frozen=True)
class ReportAnalysis:
    """Everything the report shows, computed once.

    Attributes
    ----------
    outcomes : tuple of OutcomeData
        Per plan outcome, the arms reporting it and the provenance of each number.
    comparisons : tuple of GroupAnalysis
        Per outcome × comparator group (plan order), the comparison result and its verdict.
    overlaps : tuple of OverlapResult
        The overlapping-cohort re-pools.
    biases : tuple of BiasResult
        Small-study effects per comparison with a pooled benchmark.
    survival : tuple of SurvivalResult
        Pseudo-IPD comparisons per endpoint.
    """

    plan: Plan
    index_study: str
    index_arm: str
    alpha: float
    outcomes: tuple[OutcomeData, ...]
    comparisons: tuple[GroupAnalysis, ...]
    overlaps: tuple[OverlapResult, ...]
    biases: tuple[BiasResult, ...]
    survival: tuple[SurvivalResult, ...]
    not_computed: tuple[NotComputed, ...] = ()
    """Analyses that could not be computed (shown with their reason; the rest is built)."""

    @property
    def provenance(self) -> tuple[Provenance, ...]:
        """Every number used, with study id, file and line (in outcome order)."""
        return tuple(p for d in self.outcomes for p in d.provenance)

    def for_outcome(self, outcome_id: str) -> tuple[GroupAnalysis, ...]:
        """The comparisons of one outcome, in plan order."""
        return tuple(a for a in self.comparisons if a.outcome.id == outcome_id)


Mapper = Callable[[Callable[[Any], Any], Sequence[Any]], Iterable[Any]]
"""``map``-like: applies a function to each item, in order (``map`` itself, or a process
pool's ``map``: the comparisons are independent and are computed in parallel by the build)."""


def compare_group(task: tuple[OutcomeData, Group], plan: Plan,
                  clusters: list[frozenset[str]]) -> tuple[GroupAnalysis, list[NotComputed]]:
    """One comparison (outcome x comparator group) with its leave-one-out analysis, and what of
    them could not be computed. A module-level function of picklable inputs, so that a process
    pool can run it."""
    data, group = task
    a, notes = analyse_or_degrade(data, group, plan, clusters)
    where = f"{data.outcome.label}, {group.label}"
    loo = guarded(where, "leave-one-out", lambda: leave_one_out(a, plan), (), notes)
    return replace(a, leave_one_out=loo), notes


def analyse(records: list[StudyRecord], plan: Plan, survival: bool = True,
            mapper: Mapper = map) -> ReportAnalysis:
    """The report's analysis of ``records`` under ``plan`` (see the module docstring).

    ``mapper`` runs the comparisons (:func:`compare_group`); the result does not depend on it.
    """
    notes: list[NotComputed] = []
    clusters = _overlap.overlap_clusters(records)
    uses = {g.id: classify(g) for g in plan.groups}
    datas = [outcome_data(records, plan, outcome) for outcome in plan.outcomes]
    tasks = [(data, group) for data in datas for group in plan.groups_for(data.outcome)]
    analyses = []
    for (_, group), (a, degraded) in zip(
            tasks, mapper(partial(compare_group, plan=plan, clusters=clusters), tasks),
            strict=True):
        notes += degraded
        analyses.append(replace(a, references=uses[group.id]))
    overlaps = tuple(a.overlap for a in analyses if a.overlap is not None)
    biases = tuple(b for a in analyses if (b := guarded(
        f"{a.outcome.label}, {a.group.label}", "small-study effects",
        lambda a=a: small_study_effects(a, plan), None, notes)) is not None)
    index = next(r for r in records if r.id == plan.index.study)
    return ReportAnalysis(plan, plan.index.study, plan.index.arm or index.study.arms[0].id,
                          alpha_of(plan), tuple(datas), tuple(analyses), tuple(overlaps), biases,
                          analyse_survival(records, plan, analyses) if survival else (),
                          tuple(notes))
