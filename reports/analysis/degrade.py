"""Graceful degradation: an analysis that cannot be computed is shown as such, with its reason,
and the rest of the report is built (issue 15: EB non-convergence or equal standard errors in a
sensitivity loop stopped the whole report with a traceback).

:func:`analyse_or_degrade` runs :func:`reports.analysis.groups.analyse_group`; when the
statistics raise (a τ² estimator that does not converge, a singular fit, an overflow), it retries
without the sensitivity estimators and the Knapp–Hartung variant that fail, and as a last resort
returns an analysis without a comparison whose ``reason`` says what could not be computed. Each
degradation is a typed :class:`NotComputed` record.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from reports.analysis.data import OutcomeData
from reports.analysis.groups import GroupAnalysis, alpha_of, analyse_group
from reports.plan import Group, Plan

COMPUTE_ERRORS = (ValueError, ArithmeticError, np.linalg.LinAlgError)
"""What the statistics raise on data they cannot fit (meta raises ValueError with the reason)."""

T = TypeVar("T")


@dataclass(frozen=True)
class NotComputed:
    """One analysis left out because it could not be computed.

    Attributes
    ----------
    where : str
        Outcome and comparator group labels.
    what : str
        The analysis: ``benchmark``, ``estimator:<name>``, ``knha``, ``leave-one-out``,
        ``small-study effects``.
    reason : str
        The first line of the error the statistics raised.
    """

    where: str
    what: str
    reason: str


def reason(exc: BaseException) -> str:
    """The first line of an error, as a reason shown in the report."""
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:300]


def _with(plan: Plan, estimators: list[str], knha: bool) -> Plan:
    inference = [i for i in plan.sensitivity.inference if knha or i != "knha"]
    return plan.model_copy(update={"sensitivity": plan.sensitivity.model_copy(
        update={"estimators": estimators, "inference": inference})})


def analyse_or_degrade(data: OutcomeData, group: Group, plan: Plan,
                       clusters: list[frozenset[str]] | None = None
                       ) -> tuple[GroupAnalysis, list[NotComputed]]:
    """The group analysis and what of it could not be computed."""
    try:
        return analyse_group(data, group, plan, clusters), []
    except COMPUTE_ERRORS as first:
        failure = first
    where = f"{data.outcome.label}, {group.label}"
    notes: list[NotComputed] = []
    base = _with(plan, [plan.estimator], knha=False)
    try:
        analyse_group(data, group, base, clusters)
    except COMPUTE_ERRORS as exc:
        why = reason(exc)
        arms = data.frame.iloc[0:0].assign(yi=[], vi=[], note=[])
        notes.append(NotComputed(where, "benchmark", why))
        return GroupAnalysis(data.outcome, group, arms, (), None, None, "", None, None,
                             f"the benchmark could not be pooled: {why}", (),
                             alpha_of(plan)), notes
    keep = [plan.estimator]
    for estimator in plan.sensitivity.estimators:
        if estimator == plan.estimator:
            continue
        try:
            analyse_group(data, group, _with(plan, [plan.estimator, estimator], knha=False),
                          clusters)
            keep.append(estimator)
        except COMPUTE_ERRORS as exc:
            notes.append(NotComputed(where, f"estimator:{estimator}", reason(exc)))
    knha = "knha" in plan.sensitivity.inference
    try:
        result = analyse_group(data, group, _with(plan, keep, knha), clusters)
    except COMPUTE_ERRORS as exc:
        result = analyse_group(data, group, _with(plan, keep, False), clusters)
        if knha:
            notes.append(NotComputed(where, "knha", reason(exc)))
    if not notes:
        notes.append(NotComputed(where, "part", reason(failure)))
    return result, notes


def guarded(where: str, what: str, compute: Callable[[], T], fallback: T,
            notes: list[NotComputed]) -> T:
    """``compute()``, or ``fallback`` with a :class:`NotComputed` note when the statistics fail."""
    try:
        return compute()
    except COMPUTE_ERRORS as exc:
        notes.append(NotComputed(where, what, reason(exc)))
        return fallback
