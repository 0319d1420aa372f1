"""The audit trail: every number of every study, traced to its line, its source and its checks.

Reviewers follow a number in a report back to ``file:line`` and from there to the page, table or
figure of the paper. :func:`build_trail` lists each number written in the study files with its
provenance and the worst finding that concerns it; :meth:`AuditTrail.to_frame` gives one row per
number for the report engineer to render.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from extraction.audit.findings import RANK, Finding
from extraction.audit.walk import numbers
from extraction.issues import field_path
from extraction.loader import StudyRecord

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class TrailRow:
    """One number of a study and where it came from.

    Attributes
    ----------
    study : str
        Study id.
    field : str
        Field path, e.g. ``outcomes.binary[0].events``.
    value : float, int or str
        The validated value (``"NE"`` for not reached; p-values as printed).
    raw : str
        The number as written in the study file (keeps the printed precision).
    file, line : str, int
        Study file (as named by the user) and 1-based line.
    location, label, page, quote : str
        Where in the publication it was read (``location`` from the vocabulary; others may be
        empty).
    derived : str
        How the number was computed, empty when it was read.
    verified : bool
        False when the source says ``verified: false`` (excluded from pooling by default).
    status : str
        Worst finding on this field: ``ok``, ``info``, ``warning`` or ``error``.
    checks : tuple of str
        Ids of the checks that reported on this field (with their severity as ``id:severity``).
    """

    study: str
    field: str
    value: float | int | str
    raw: str
    file: str
    line: int
    location: str
    label: str
    page: str
    quote: str
    derived: str
    verified: bool
    status: str
    checks: tuple[str, ...]

    @property
    def where(self) -> str:
        """``file:line``."""
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class AuditTrail:
    """Every number of a set of studies (rows in file order)."""

    rows: tuple[TrailRow, ...]

    def for_study(self, study: str) -> AuditTrail:
        """The rows of one study."""
        return AuditTrail(tuple(r for r in self.rows if r.study == study))

    def to_frame(self) -> pd.DataFrame:
        """One row per number; columns are the :class:`TrailRow` fields plus ``where``."""
        import pandas as pd  # deferred: the audit itself does not need pandas

        columns = [*TrailRow.__dataclass_fields__, "where"]
        data = [{**asdict(r), "checks": ", ".join(r.checks), "where": r.where}
                for r in self.rows]
        return pd.DataFrame(data, columns=columns)


def build_trail(records: Iterable[StudyRecord], findings: Iterable[Finding]) -> AuditTrail:
    """The audit trail of ``records`` with the status each finding gives its fields.

    A finding concerns its own ``field`` and every field in its ``related`` tuple.
    """
    about: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for f in findings:
        for name in (f.field, *f.related):
            about[(f.file, name)].append(f)
    rows = []
    for record in records:
        for ref in numbers(record):
            name = field_path(ref.path)
            mine = about.get((record.shown, name), [])
            status = max((f.severity for f in mine), key=RANK.__getitem__, default="ok")
            src = ref.source
            rows.append(TrailRow(
                study=record.id, field=name, value=ref.value,
                raw=record.raw_text(*ref.path) or str(ref.value), file=record.shown,
                line=record.line_of(*ref.path), location=src.location, label=src.label or "",
                page=src.page or "", quote=src.quote or "", derived=ref.derived or "",
                verified=src.verified, status=status,
                checks=tuple(sorted({f"{f.check}:{f.severity}" for f in mine}))))
    return AuditTrail(tuple(rows))
