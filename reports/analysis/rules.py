"""Comparability rules: which arms may be compared with the index study.

A comparator group of the plan is a set of rules over what the study files record (treatment
class, line, phase, design, disease setting); an outcome adds the rules of its definition. Each
rule either admits an arm or excludes it with a typed :class:`RuleFailure` (rule id and the
values compared), which the report lists.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from extraction import StudyRecord
from reports.plan import Group


@dataclass(frozen=True)
class RuleFailure:
    """An arm excluded by one rule: ``rule`` id and the reason with the values compared."""

    rule: str
    reason: str


def arm_in_group(record: StudyRecord, arm: Any, group: Group) -> bool:
    """Whether ``arm`` of ``record`` passes every rule of comparator ``group``."""
    return not group_failures(record, arm, group)


def group_failures(record: StudyRecord, arm: Any, group: Group) -> list[RuleFailure]:
    """The group rules ``arm`` of ``record`` fails (empty: it belongs to the group)."""
    s = record.study
    out = []
    if arm.treatment_class not in group.treatment_classes:
        out.append(RuleFailure("treatment_class", f"treatment class {arm.treatment_class} not "
                               f"in {', '.join(group.treatment_classes)}"))
    if group.lines is not None and s.setting.line not in group.lines:
        out.append(RuleFailure("line", f"line {s.setting.line} not in {', '.join(group.lines)}"))
    if group.designs is not None and s.design not in group.designs:
        out.append(RuleFailure("design", f"design {s.design} not in "
                               f"{', '.join(group.designs)}"))
    if group.phases is not None and s.phase not in group.phases:
        out.append(RuleFailure("phase", f"phase {s.phase or 'not reported'} not in "
                               f"{', '.join(group.phases)}"))
    return out
