"""The audit trail: every number of every study, traced to its line, its source and its checks.

Reviewers follow a number in a report back to ``file:line`` and from there to the page, table or
figure of the paper. :func:`build_trail` lists each number written in the study files with its
provenance and the worst finding that concerns it; :meth:`AuditTrail.to_frame` gives one row per
number for the report engineer to render.
"""

from __future__ import annotations

import csv
import io
import re
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

        frame = pd.DataFrame(self._dicts(), columns=list(COLUMNS))
        # an int next to floats would widen to float64 (81 -> 81.0): keep each value's type
        frame["value"] = pd.Series([r.value for r in self.rows], dtype=object)
        return frame

    def to_csv(self) -> str:
        """The trail as CSV text (header :data:`COLUMNS`), safe to open in a spreadsheet.

        Numbers are written as their Python values (an integer count as ``81``, not ``81.0``);
        text cells that a spreadsheet would run as a formula are neutralised by
        :func:`csv_safe` (OWASP "CSV Injection").
        """
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(COLUMNS)
        for row in self._dicts():
            writer.writerow([csv_safe(row[c]) for c in COLUMNS])
        return buffer.getvalue()

    def _dicts(self) -> list[dict[str, object]]:
        return [{**asdict(r), "checks": ", ".join(r.checks), "where": r.where}
                for r in self.rows]


COLUMNS = (*TrailRow.__dataclass_fields__, "where")
"""Columns of :meth:`AuditTrail.to_frame` and :meth:`AuditTrail.to_csv`."""

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read a cell as a formula (OWASP, "CSV Injection")."""

_PLAIN_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def csv_safe(value: object) -> object:
    """``value`` for a CSV cell: text starting with ``= + - @``, tab or CR gets a leading ``'``.

    A plain signed number (``-0.5``, ``+1e-3``) is left alone: a spreadsheet reads it as that
    number, not as a formula. Non-text values are returned unchanged.
    """
    if not isinstance(value, str) or not value.startswith(FORMULA_START):
        return value
    if _PLAIN_NUMBER.fullmatch(value):
        return value
    return "'" + value


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
