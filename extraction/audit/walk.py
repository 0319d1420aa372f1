"""Walking a study: its entry lists with their field paths, and arm denominators."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from extraction.loader import StudyRecord
from extraction.schema import Study
from extraction.schema_common import NE, Entry, Source

Path_ = tuple[str | int, ...]

ENTRY_LISTS: tuple[Path_, ...] = (
    ("arms",), ("population",), ("followup",), ("outcomes", "binary"),
    ("outcomes", "time_to_event"), ("outcomes", "adverse_events"), ("contrasts",), ("curves",),
    ("ipd",),
)
"""Field paths of every list of :class:`~extraction.schema_common.Entry` in a study file."""


def entry_list(study: Study, keys: Path_) -> list[Entry]:
    """The entries under ``keys`` (e.g. ``("outcomes", "binary")``)."""
    node: object = study
    for key in keys:
        node = getattr(node, str(key))
    assert isinstance(node, list)
    return node


def entries(study: Study) -> Iterator[tuple[Path_, Entry]]:
    """Every entry of the study with its path, e.g. ``(("outcomes", "binary", 0), entry)``."""
    for keys in ENTRY_LISTS:
        for i, entry in enumerate(entry_list(study, keys)):
            yield (*keys, i), entry


def arm_denominators(study: Study, arm_id: str | None) -> list[int]:
    """Plausible denominators of an arm: its ``n`` and ``n_analysed``; all arms' total if None."""
    if arm_id is None:
        return [sum(arm.n for arm in study.arms)]
    try:
        arm = study.arm(arm_id)
    except KeyError:
        return []
    return [arm.n] + ([arm.n_analysed] if arm.n_analysed else [])


def arm_n(study: Study, arm_id: str | None) -> int | None:
    """The arm's ``n`` (the sum over arms when ``arm_id`` is None)."""
    dens = arm_denominators(study, arm_id)
    return dens[0] if dens else None


@dataclass(frozen=True)
class NumberRef:
    """One number written in a study file, with its provenance.

    ``value`` is the validated number (``"NE"`` for not reached, the p-value text for
    ``p_value``); ``source`` is where it was read; ``derived`` says how it was computed, if so.
    """

    path: Path_
    entry_path: Path_
    name: str
    value: float | int | str
    source: Source
    derived: str | None


def _is_number(name: str, value: object) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int | float) or name == "p_value" or value == NE


def numbers(record: StudyRecord) -> Iterator[NumberRef]:
    """Every number written in the file (defaults not written are skipped), in file order."""
    for epath, entry in entries(record.study):
        for name in type(entry).model_fields:
            value = getattr(entry, name)
            if name == "landmarks":
                for j, lm in enumerate(value):
                    for lname in ("time", "percent", "ci_lower", "ci_upper"):
                        lvalue = getattr(lm, lname)
                        path = (*epath, "landmarks", j, lname)
                        if lvalue is None or record.raw_text(*path) is None:
                            continue
                        yield NumberRef(path, epath, f"landmarks[{j}].{lname}", lvalue,
                                        lm.source or entry.source_of("landmarks"),
                                        entry.derived.get("landmarks"))
                continue
            path = (*epath, name)
            if value is None or not _is_number(name, value) or record.raw_text(*path) is None:
                continue
            yield NumberRef(path, epath, name, value, entry.source_of(name),
                            entry.derived.get(name))
