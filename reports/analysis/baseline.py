"""Case-mix moderator values per arm, with baseline characteristics inherited across data cuts.

A later data cut of a trial is its own study file whose ``analysis.updates`` names the earlier
file (e.g. ``cheng2022_imbrave150`` updates ``finn2020_imbrave150``). It replaces the earlier
analysis for outcomes (:func:`reports.analysis.data.replaced_by`), but often repeats no baseline
table. The rule here: **an arm of an updating analysis takes a baseline characteristic it does not
report from the same arm of the analysis it updates** (the same randomised population: baseline
characteristics do not change between data cuts).

* Only ``analysis.updates`` is followed, never another relation (overlapping cohorts, pooled
  analyses...); a chain of updates is followed nearest first.
* Arms are matched by arm id. When a file of the chain has no arm with that id, nothing is
  inherited from it or from the files beyond it, and :attr:`ModeratorValue.not_inherited` says so.
* The arm's own value of a characteristic always wins; the earlier file's value (its row for that
  arm, else its whole-study row, as for the arm's own file) is taken only where the arm has none.
* A moderator with a ``fallback`` (PVTT or, where not reported, macrovascular invasion) applies
  the rule per characteristic first: the primary characteristic from the arm's own file or,
  failing that, an earlier data cut; only when no data cut reports it, the fallback, likewise.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from extraction import StudyRecord
from reports.analysis.data import Provenance, moderator_value
from reports.plan import Moderator


@dataclass(frozen=True)
class ModeratorValue:
    """One arm's value of a case-mix moderator and where it came from.

    Attributes
    ----------
    value : float or None
        Percent of patients (None when no data cut reports either characteristic).
    characteristic : str
        The characteristic the value is (the moderator's own or its fallback; '' when None).
    chain : tuple of str
        Empty when the value is the arm's own; else the study ids from the arm's file to the
        earlier analysis the value was inherited from (``("cheng2022_imbrave150",
        "finn2020_imbrave150")``), each updating the next.
    provenance : Provenance or None
        Where the number is (in the earlier file when inherited, ``derived`` saying so).
    not_inherited : str
        Why nothing could be inherited for an arm that lacks the primary characteristic: a file
        of its ``analysis.updates`` chain has no arm with its id ('' otherwise).
    """

    value: float | None
    characteristic: str = ""
    chain: tuple[str, ...] = ()
    provenance: Provenance | None = None
    not_inherited: str = ""


def updated_chain(records: list[StudyRecord], record: StudyRecord) -> tuple[StudyRecord, ...]:
    """The analyses ``record`` updates through ``analysis.updates``, nearest first (only files
    in ``records``; a cycle or a missing file ends the chain)."""
    by_id = {r.id: r for r in records}
    out: list[StudyRecord] = []
    seen = {record.id}
    cur = record
    while (nxt := cur.study.analysis.updates) and nxt in by_id and nxt not in seen:
        cur = by_id[nxt]
        seen.add(cur.id)
        out.append(cur)
    return tuple(out)


def inherited_text(chain: tuple[str, ...]) -> str:
    """``"finn2020 (the analysis cheng2022 updates)"``, with the intermediate data cuts of a
    longer chain named."""
    via = (f"; {chain[0]} updates it through " + ", ".join(chain[1:-1])
           if len(chain) > 2 else "")
    return f"{chain[-1]} (the analysis {chain[-2]} updates{via})"


def characteristic_value(records: list[StudyRecord], record: StudyRecord, arm_id: str,
                         characteristic: str) -> ModeratorValue:
    """``characteristic`` of arm ``arm_id``: the file's own value, else inherited from the
    nearest earlier data cut (``analysis.updates``) whose same arm reports it."""
    value, prov = moderator_value(record, arm_id, characteristic)
    if prov is not None:
        return ModeratorValue(value, characteristic, (), prov)
    chain = [record.id]
    for earlier in updated_chain(records, record):
        if arm_id not in {a.id for a in earlier.study.arms}:
            return ModeratorValue(None, not_inherited=(
                f"nothing inherited from {earlier.id} (the analysis {chain[-1]} updates): it has "
                f"no arm '{arm_id}' (arms are matched by id)"))
        chain.append(earlier.id)
        value, prov = moderator_value(earlier, arm_id, characteristic)
        if prov is not None:
            path = tuple(chain)
            note = (f"inherited by {record.id} (same arm id), which updates this file"
                    + (f" through {', '.join(path[1:-1])}" if len(path) > 2 else ""))
            prov = replace(prov, derived="; ".join(x for x in (prov.derived, note) if x),
                           used_for=record.id)
            return ModeratorValue(value, characteristic, path, prov)
    return ModeratorValue(None)


def arm_moderator(records: list[StudyRecord], record: StudyRecord, arm_id: str,
                  moderator: Moderator) -> ModeratorValue:
    """A plan moderator's value for one arm: the primary characteristic (own, else inherited),
    else the fallback (own, else inherited); ``not_inherited`` kept from the primary lookup."""
    got = characteristic_value(records, record, arm_id, moderator.characteristic)
    if got.value is None and moderator.fallback is not None:
        fb = characteristic_value(records, record, arm_id, moderator.fallback)
        return replace(fb, not_inherited=got.not_inherited)
    return got
