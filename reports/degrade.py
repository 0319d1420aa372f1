"""Graceful degradation: an analysis that cannot be computed is shown as such, with its reason,
and the rest of the report is built (issue 15: EB non-convergence or equal standard errors in a
sensitivity loop stopped the whole report with a traceback).

:func:`analyse_or_degrade` runs :func:`reports.analysis.analyse_group`; when the statistics raise
(a τ² estimator that does not converge, a singular fit, an overflow), it retries without the
sensitivity estimators and the Knapp–Hartung variant that fail, and as a last resort returns an
analysis without a comparison whose ``reason`` says what could not be computed. Every such
degradation is returned as a sentence for the report.
"""

from __future__ import annotations

import numpy as np

from reports.analysis import GroupAnalysis, analyse_group
from reports.dataset import OutcomeData
from reports.plan import Group, Plan

COMPUTE_ERRORS = (ValueError, ArithmeticError, np.linalg.LinAlgError)
"""What the statistics raise on data they cannot fit (meta raises ValueError with the reason)."""


def reason(exc: BaseException) -> str:
    """The first line of an error, as a reason shown in the report."""
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:300]


def _with(plan: Plan, estimators: list[str], knha: bool) -> Plan:
    inference = [i for i in plan.sensitivity.inference if knha or i != "knha"]
    return plan.model_copy(update={"sensitivity": plan.sensitivity.model_copy(
        update={"estimators": estimators, "inference": inference})})


def analyse_or_degrade(data: OutcomeData, group: Group, plan: Plan
                       ) -> tuple[GroupAnalysis, list[str]]:
    """The group analysis and the sentences that say what could not be computed."""
    try:
        return analyse_group(data, group, plan), []
    except COMPUTE_ERRORS as first:
        failure = first
    where = f"{data.outcome.label}, {group.label}"
    notes: list[str] = []
    base = _with(plan, [plan.estimator], knha=False)
    try:
        analyse_group(data, group, base)
    except COMPUTE_ERRORS as exc:
        why = reason(exc)
        arms = data.frame.iloc[0:0].assign(yi=[], vi=[], note=[])
        notes.append(f"{where}: not computed ({plan.estimator} pooling failed: {why}).")
        return GroupAnalysis(data.outcome, group, arms, (), None, None, "",
                             None, None, f"the benchmark could not be pooled: {why}", ()), notes
    keep = [plan.estimator]
    for estimator in plan.sensitivity.estimators:
        if estimator == plan.estimator:
            continue
        try:
            analyse_group(data, group, _with(plan, [plan.estimator, estimator], knha=False))
            keep.append(estimator)
        except COMPUTE_ERRORS as exc:
            notes.append(f"{where}: the {estimator} τ² estimator could not be computed "
                         f"({reason(exc)}); it is left out of the sensitivity analysis.")
    knha = "knha" in plan.sensitivity.inference
    try:
        result = analyse_group(data, group, _with(plan, keep, knha))
    except COMPUTE_ERRORS as exc:
        result = analyse_group(data, group, _with(plan, keep, False))
        if knha:
            notes.append(f"{where}: Knapp–Hartung inference could not be computed "
                         f"({reason(exc)}).")
    if not notes:
        notes.append(f"{where}: part of the analysis could not be computed ({reason(failure)}).")
    return result, notes


def not_computed_section(notes: list[str]) -> list[dict[str, object]]:
    """A sensitivity subsection listing what could not be computed (none when all was)."""
    if not notes:
        return []
    return [{"title": "Analyses that could not be computed", "note": " ".join(notes),
             "header": [], "rows": [], "figures": []}]
