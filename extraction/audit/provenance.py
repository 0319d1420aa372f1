"""Provenance findings (derived and unverified numbers, recorded conflicts) and the pooling filter.

Check ids: ``derived`` (info: a number computed rather than read, with how), ``unverified``
(warning: ``source.verified: false``), ``conflict`` (info: a recorded disagreement of sources),
``single-extraction`` (info: nobody checked the file, ``curation.checked_by`` empty).

Pooling code excludes unverified numbers by default with :func:`usable_for_pooling` (or
:func:`exclude_unverified` on a list), e.g.::

    rows = [b for b in study.outcomes.binary if usable_for_pooling(b, ("events", "total"))]
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import TypeVar

from extraction.audit.findings import Finding, make
from extraction.audit.precision import fmt
from extraction.audit.walk import entries, numbers
from extraction.loader import StudyRecord
from extraction.schema_common import Entry
from extraction.schema_entries import numeric_fields

T = TypeVar("T")


def number_verified(entry: Entry, field: str) -> bool:
    """True unless the source of ``field`` (its own or the entry's) says ``verified: false``."""
    if field == "landmarks":
        landmarks = getattr(entry, "landmarks", [])
        own = [lm.source for lm in landmarks if lm.source is not None]
        return entry.source_of("landmarks").verified and all(s.verified for s in own)
    return entry.source_of(field).verified


def usable_for_pooling(entry: Entry, fields: Iterable[str] | None = None,
                       include_unverified: bool = False) -> bool:
    """Whether an entry's numbers may be pooled: every field used is verified.

    Parameters
    ----------
    entry : Entry
        An arm, outcome, contrast... of a study.
    fields : iterable of str, optional
        The fields the pooling uses (e.g. ``("events", "total")``); default every numeric field
        that is set, plus ``landmarks`` when present.
    include_unverified : bool
        True to pool unverified numbers anyway (a sensitivity analysis), default False.
    """
    if include_unverified:
        return True
    names = list(fields) if fields is not None else list(numeric_fields(entry))
    if fields is None and getattr(entry, "landmarks", None):
        names.append("landmarks")
    return all(number_verified(entry, name) for name in names)


def exclude_unverified(items: Iterable[T], fields: Iterable[str] | None = None,
                       entry: Callable[[T], Entry] | None = None,
                       include_unverified: bool = False) -> list[T]:
    """The items whose entry (``entry(item)``, default the item) is usable for pooling."""
    wanted = None if fields is None else tuple(fields)
    get = entry or (lambda item: item)  # type: ignore[return-value]
    return [item for item in items
            if usable_for_pooling(get(item), wanted, include_unverified)]  # type: ignore[arg-type]


def is_single_extraction(record: StudyRecord) -> bool:
    """True when nobody but the extractor checked the file (``curation.checked_by`` empty)."""
    checked = record.study.curation.checked_by
    return not (checked and checked.strip())


def check(record: StudyRecord) -> list[Finding]:
    """Provenance findings of one study file."""
    out: list[Finding] = []
    for epath, entry in entries(record.study):
        for name, how in entry.derived.items():
            out.append(make(record, "derived", (*epath, name), f"derived: {how}",
                            {name: getattr(entry, name, None)
                             if name != "landmarks" else None}))
    for ref in numbers(record):
        if not ref.source.verified:
            out.append(make(record, "unverified", ref.path,
                            f"{fmt(ref.value)} not yet checked against the publication "
                            "(source.verified: false); excluded from pooling by default",
                            {ref.name: ref.value}))
    if is_single_extraction(record):
        out.append(make(record, "single-extraction", ("curation", "extracted_by"),
                        f"single extraction by {record.study.curation.extracted_by}: no second "
                        "extractor or checker (curation.checked_by); a plan can exclude such "
                        "files (exclude_single_extraction: true)"))
    for k, conflict in enumerate(record.study.conflicts):
        resolution = f"; resolved: {conflict.resolution}" if conflict.resolution else (
            "; unresolved")
        out.append(make(record, "conflict", ("conflicts", k, "about"),
                        f"{conflict.about}: sources print {' vs '.join(conflict.values)}"
                        f"{resolution}"))
    return out


def acknowledge_conflicts(record: StudyRecord, findings: list[Finding]) -> list[Finding]:
    """Downgrade errors about a field named in a recorded conflict to warnings.

    A conflict (``conflicts[k].about`` naming e.g. ``outcomes.binary[0]``) records that the
    sources disagree, so an inconsistency there is known rather than an extraction mistake; it
    stays visible as a warning that names the conflict.
    """
    out = []
    for f in findings:
        hit = next((k for k, c in enumerate(record.study.conflicts)
                    if f.severity == "error" and f.file == record.shown
                    and any(c.covers(name) for name in (f.field, *f.related))), None)
        if hit is None:
            out.append(f)
        else:
            out.append(replace(f, severity="warning",
                               message=f"{f.message} (recorded as conflicts[{hit}])"))
    return out
