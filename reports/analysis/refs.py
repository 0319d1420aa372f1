"""Published pooled results (reference lines) against a comparator group: drawn beside the
benchmark only where the population they pooled matches the group's rules on line of therapy
and trial phase (issue 11); otherwise typed as context and shown apart."""

from __future__ import annotations

from dataclasses import dataclass

from reports.analysis.rules import effective_phase
from reports.plan import Group


@dataclass(frozen=True)
class ReferenceUse:
    """How one published meta-analysis is used for a group: ``use`` is ``matched`` or
    ``context``; ``reason`` says why it is context."""

    id: str
    use: str
    reason: str = ""


def classify(group: Group) -> tuple[ReferenceUse, ...]:
    """:class:`ReferenceUse` of each reference of ``group``.

    A group without line or phase rules matches any reference the plan names for it. A group
    with such rules matches a reference only when the plan declares the reference's population
    (``{id, lines, phases}``) and it lies within the group's lines and phases.
    """
    out = []
    for ref in group.references:
        rid = ref if isinstance(ref, str) else ref.id
        rules = [n for n, v in (("line", group.lines), ("phase", group.phases or (
            [group.min_phase] if group.min_phase else None))) if v]
        if not rules:
            out.append(ReferenceUse(rid, "matched"))
            continue
        if isinstance(ref, str):
            out.append(ReferenceUse(rid, "context", f"its population ({' and '.join(rules)}) is "
                                    "not declared in the plan; the group asks for "
                                    + _asks(group)))
            continue
        bad = []
        if group.lines and (ref.lines is None or not set(ref.lines) <= set(group.lines)):
            bad.append(f"lines {', '.join(ref.lines or ['not declared'])}")
        wanted = ({effective_phase(p, group) for p in group.phases} if group.phases else None)
        phases = ({effective_phase(p, group) for p in ref.phases} if ref.phases else None)
        if wanted is not None and (phases is None or not phases <= wanted):
            bad.append(f"phases {', '.join(ref.phases or ['not declared'])}")
        if group.min_phase and (phases is None or any(
                int(str(p)[0]) < int(group.min_phase) for p in phases)):
            bad.append(f"phases {', '.join(ref.phases or ['not declared'])}")
        out.append(ReferenceUse(rid, "context" if bad else "matched",
                                ("it pooled " + "; ".join(dict.fromkeys(bad))
                                 + "; the group asks for " + _asks(group)) if bad else ""))
    return tuple(out)


def _asks(group: Group) -> str:
    parts = []
    if group.lines:
        parts.append(f"line {', '.join(group.lines)}")
    if group.phases:
        parts.append(f"phase {', '.join(group.phases)}")
    if group.min_phase:
        parts.append(f"phase ≥ {group.min_phase}")
    return " and ".join(parts)
