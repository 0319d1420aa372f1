"""Comparability rules: which arms may be compared with the index study (issue 11).

A comparator group of the plan is a set of rules over what the study files record: treatment
class, line, design, trial phase, disease setting and arm label (:func:`group_failures`). An
outcome adds the rules of its definition (:func:`outcome_failures`): AE attribution and grade
band, response criteria, denominator kind and response unit. Each rule admits an arm or
excludes it with a typed :class:`RuleFailure` (rule id and the values compared), which the
report and ``results.json`` list.

Phase: a phase "1/2" trial counts as phase 2 and a phase "2/3" trial as phase 3, unless the
group says ``phase_2_3: "2"`` explicitly (e.g. ORIENT-32, phase 2/3, belongs to a phase 3 group).
AE attribution ``"index"``: the arm's attribution must equal the index study's; an attribution
the index does not state counts as all-cause (a rate of "grade ≥3 adverse events" counts every
event), so all-cause and unstated rates are compared, treatment- and immune-related ones are not.
Fields added to the schema in parallel (``BinaryOutcome.denominator``, ``.response_unit``,
``Arm.disease``) are read with their defaults when absent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from extraction import StudyRecord
from reports.plan import Group, Outcome

PHASE_RANK = {"1": 1, "1/2": 2, "2": 2, "3": 3}


@dataclass(frozen=True)
class RuleFailure:
    """An arm excluded by one rule: ``rule`` id and the reason with the values compared."""

    rule: str
    reason: str


def effective_phase(phase: str | None, group: Group) -> str | None:
    """The phase a trial counts as in ``group``: "2/3" as ``group.phase_2_3``, "1/2" as "2"."""
    if phase == "2/3":
        return group.phase_2_3
    return "2" if phase == "1/2" else phase


def arm_diseases(record: StudyRecord, arm: Any) -> list[str]:
    """The arm's disease settings: ``Arm.disease`` when given, else ``setting.disease``."""
    own = getattr(arm, "disease", None)
    return list(own) if own else list(record.study.setting.disease)


def arm_in_group(record: StudyRecord, arm: Any, group: Group) -> bool:
    """Whether ``arm`` of ``record`` passes every rule of comparator ``group``."""
    return not group_failures(record, arm, group)


def group_failures(record: StudyRecord, arm: Any, group: Group) -> list[RuleFailure]:
    """The group rules ``arm`` of ``record`` fails (empty: it belongs to the group); the
    treatment-class rule comes first."""
    s = record.study
    out = []
    if arm.treatment_class not in group.treatment_classes:
        out.append(RuleFailure("treatment_class", f"treatment class {arm.treatment_class} not "
                               f"in {', '.join(group.treatment_classes)}"))
    if group.lines is not None and s.setting.line not in group.lines:
        out.append(RuleFailure("line", f"line {s.setting.line.replace('_', ' ')}, the group "
                               f"asks for {', '.join(group.lines)}"))
    if group.designs is not None and s.design not in group.designs:
        out.append(RuleFailure("design", f"design {s.design.replace('_', ' ')}, the group asks "
                               f"for {', '.join(group.designs)}"))
    phase = effective_phase(s.phase, group)
    shown = s.phase or "not reported"
    if group.phases is not None:
        wanted = {effective_phase(p, group) for p in group.phases}
        if phase not in wanted and s.phase not in group.phases:
            out.append(RuleFailure("phase", f"phase {shown}, the group asks for "
                                   f"{', '.join(group.phases)}"))
    if group.min_phase is not None and (phase is None
                                        or PHASE_RANK[phase] < PHASE_RANK[group.min_phase]):
        out.append(RuleFailure("min_phase", f"phase {shown}, the group asks for phase ≥ "
                               f"{group.min_phase}"))
    diseases = arm_diseases(record, arm)
    if group.diseases is not None and not set(diseases) & set(group.diseases):
        out.append(RuleFailure("disease", f"disease setting "
                               f"{', '.join(diseases) or 'not recorded'}, the group asks for one "
                               f"of {', '.join(group.diseases)}"))
    bad = sorted(set(diseases) & set(group.exclude_diseases))
    if bad:
        out.append(RuleFailure("exclude_disease", f"disease setting {', '.join(bad)} is "
                               "excluded by the group"))
    if group.arm_labels is not None and not any(
            re.fullmatch(p, arm.label.strip(), re.IGNORECASE) for p in group.arm_labels):
        out.append(RuleFailure("arm_label", f"arm label {arm.label!r} matches none of "
                               f"{', '.join(group.arm_labels)}"))
    return out


def attribution_equivalent(attribution: str) -> set[str]:
    """Attributions compared with an index attribution (see the module docstring)."""
    if attribution in ("all_cause", "not_reported"):
        return {"all_cause", "not_reported"}
    return {attribution}


def allowed_attributions(outcome: Outcome, index_attribution: str | None) -> set[str] | None:
    """The AE attributions an arm may have for ``outcome``; None when any is allowed."""
    if outcome.attributions == "index":
        return attribution_equivalent(index_attribution) if index_attribution else None
    return set(outcome.attributions)


def binary_failure(entry: Any, outcome: Outcome) -> RuleFailure | None:
    """The outcome-definition rule a proportion row fails: criteria, response unit, denominator."""
    if entry.criteria not in outcome.criteria:
        return RuleFailure("criteria", f"response criteria {entry.criteria}, the plan accepts "
                           f"{', '.join(outcome.criteria)}")
    unit = getattr(entry, "response_unit", None) or "patient"
    if unit not in outcome.response_units:
        return RuleFailure("response_unit", f"response counted per {unit}, the plan accepts "
                           f"{', '.join(outcome.response_units)}")
    denominator = getattr(entry, "denominator", None) or "not_reported"
    if outcome.denominators is not None and denominator not in outcome.denominators:
        return RuleFailure("denominator", f"denominator {denominator.replace('_', ' ')}, the "
                           f"plan accepts {', '.join(outcome.denominators)}")
    return None


def ae_failure(entry: Any, outcome: Outcome, allowed: set[str] | None) -> RuleFailure | None:
    """The outcome-definition rule an adverse-event row fails: grade band, attribution."""
    if entry.grade not in outcome.grades:
        return RuleFailure("grade", f"grade band {entry.grade}, the plan accepts "
                           f"{', '.join(outcome.grades)}")
    if allowed is not None and entry.attribution not in allowed:
        return RuleFailure("attribution", f"{entry.attribution.replace('_', '-')} adverse "
                           "events; the index's are compared with "
                           f"{' or '.join(a.replace('_', '-') for a in sorted(allowed))} ones")
    return None
