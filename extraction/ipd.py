"""Patient-level data (IPD) attached to a study arm: reading and validating its CSV.

An ``ipd:`` entry of a study file names a CSV under ``studies/ipd/`` with the columns
``time,event[,arm]``: time in months (finite, >= 0), event 1 (death or the endpoint's event) or 0
(censored), and, when the file holds several arms, the arm's label in the ``arm`` column (the
entry's ``arm_in_file`` says which). :func:`read_ipd_csv` parses and checks a file with the
Python standard library (``hccmeta validate`` stays free of NumPy);
:func:`load_ipd` returns one arm's times and events as NumPy arrays for analyses.

Every problem is reported with its place: ``ipd/x.csv:17: event: expected 0 or 1, got 2``.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from extraction.issues import Issue
    from extraction.loader import StudyRecord
    from extraction.schema_entries import Ipd

COLUMNS = ("time", "event")
"""Required columns, in this order; an optional third column ``arm``."""

ARM_COLUMN = "arm"


class IpdInputError(ValueError):
    """An IPD CSV that cannot be used; ``str()`` is ``file:line: column: expected ..., got ...``."""


@dataclass(frozen=True)
class IpdTable:
    """The rows of an IPD CSV as read: times (months), events (0/1), arm labels, CSV lines."""

    time: tuple[float, ...]
    event: tuple[int, ...]
    arm: tuple[str, ...] | None
    lines: tuple[int, ...]

    def arms(self) -> tuple[str, ...]:
        """Distinct arm labels in file order (empty when there is no ``arm`` column)."""
        return tuple(dict.fromkeys(self.arm)) if self.arm is not None else ()

    def select(self, arm: str | None) -> tuple[list[float], list[int]]:
        """Times and events of rows whose arm is ``arm`` (all rows when ``arm`` is None)."""
        if arm is None or self.arm is None:
            return list(self.time), list(self.event)
        keep = [k for k, a in enumerate(self.arm) if a == arm]
        return [self.time[k] for k in keep], [self.event[k] for k in keep]


def sha256_of(path: Path) -> str:
    """Lower-case hex sha256 of the file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value


@lru_cache(maxsize=64)
def parse_ipd_text(text: str, shown: str) -> IpdTable:
    """Parse the text of an IPD CSV (see :func:`read_ipd_csv`).

    Kept for the same text (the table is frozen): validation, audit and report read each of the
    library's CSVs several times (127 parses of 18 files in one report build, 0.4 s)."""
    rows = list(csv.reader(io.StringIO(text)))
    header_line = next((k for k, row in enumerate(rows, start=1) if any(c.strip() for c in row)),
                       None)
    if header_line is None:
        raise IpdInputError(f"{shown}:1: expected a header time,event[,arm], got an empty file")
    header = [c.strip().lower() for c in rows[header_line - 1]]
    if header[:2] != list(COLUMNS) or len(header) > 3 or (len(header) == 3
                                                            and header[2] != ARM_COLUMN):
        raise IpdInputError(f"{shown}:{header_line}: header: expected time,event or "
                            f"time,event,arm, got {','.join(header)}")
    width = len(header)
    times: list[float] = []
    events: list[int] = []
    arms: list[str] = []
    lines: list[int] = []
    for line, row in enumerate(rows[header_line:], start=header_line + 1):
        if not any(c.strip() for c in row):
            continue
        if len(row) != width:
            raise IpdInputError(f"{shown}:{line}: row: expected {width} columns "
                                f"({','.join(header)}), got {len(row)}")
        t = _number(row[0].strip())
        if t is None or not math.isfinite(t) or t < 0:
            raise IpdInputError(f"{shown}:{line}: time: expected a finite number of months "
                                f">= 0, got {row[0].strip()!r}")
        if row[1].strip() not in {"0", "1"}:
            raise IpdInputError(f"{shown}:{line}: event: expected 0 (censored) or 1 (event), "
                                f"got {row[1].strip()!r}")
        if width == 3:
            label = row[2].strip()
            if not label:
                raise IpdInputError(f"{shown}:{line}: arm: expected an arm label, got an "
                                    "empty value")
            arms.append(label)
        times.append(t)
        events.append(int(row[1].strip()))
        lines.append(line)
    if not times:
        raise IpdInputError(f"{shown}:{header_line}: expected at least one patient row, got "
                            "none")
    return IpdTable(tuple(times), tuple(events), tuple(arms) if width == 3 else None,
                    tuple(lines))


def read_ipd_csv(path: Path, shown: str | None = None) -> IpdTable:
    """Read and check an IPD CSV.

    Parameters
    ----------
    path : Path
        The CSV file.
    shown : str, optional
        The file as messages name it (default: its name).

    Raises
    ------
    IpdInputError
        An unreadable file, a header other than ``time,event[,arm]``, a row with a time that is
        not a finite number >= 0, an event other than 0/1, an empty arm label, or no rows.
    """
    shown = shown or path.name
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise IpdInputError(f"{shown}:0: expected a readable file, got "
                            f"{exc.strerror or type(exc).__name__}") from None
    except UnicodeDecodeError as exc:
        raise IpdInputError(f"{shown}:0: expected UTF-8 text, got {exc.reason}") from None
    return parse_ipd_text(text, shown)


def arms_named(folder: Path, arm: str) -> dict[str, tuple[Any, Any]]:
    """Every arm labelled ``arm`` in the IPD CSVs of ``folder``, by trial.

    E.g. ``arms_named(Path("studies/ipd"), "sorafenib")``: the sorafenib control arms of the
    bundled trials, to pool as a benchmark of their own. The trial is the file name up to its
    first ``_`` (``sharp_llovet2008_fig2a.csv`` -> ``sharp``); files without an ``arm`` column
    or without that label are skipped.

    Returns
    -------
    dict
        trial -> ``(time, event)`` as NumPy arrays (float months, int 0/1), in file-name order.

    Raises
    ------
    IpdInputError
        A CSV of the folder that cannot be read (see :func:`read_ipd_csv`).
    """
    import numpy as np

    out: dict[str, tuple[Any, Any]] = {}
    for path in sorted(folder.glob("*.csv")):
        table = read_ipd_csv(path)
        if arm in table.arms():
            time, event = table.select(arm)
            out[path.name.split("_")[0]] = (np.asarray(time, float), np.asarray(event, int))
    return out


def arm_problem(table: IpdTable, arm_in_file: str | None, shown: str) -> str | None:
    """Why ``arm_in_file`` does not select one arm of ``table`` (None when it does)."""
    labels = table.arms()
    if arm_in_file is None:
        if len(labels) > 1:
            return (f"expected arm_in_file naming one of the arms of {shown} "
                    f"({', '.join(labels)}), got none")
        return None
    if table.arm is None:
        return f"expected a CSV with an arm column for arm_in_file, got {shown} without one"
    if arm_in_file not in labels:
        return f"expected one of the arms of {shown} ({', '.join(labels)}), got {arm_in_file!r}"
    return None


def arm_size_problem(n_ipd: int, n: int, n_analysed: int | None = None) -> str | None:
    """``expected …, got …`` when an arm's IPD does not hold the arm's ``n`` (or
    ``n_analysed``) patients; None when it does. The one comparison of an IPD's size with its
    arm: the audit (check ``ipd-n``) reports any difference, validation refuses more patients
    than the arm has (:func:`excess_patients`)."""
    if n_ipd in {n, n_analysed}:
        return None
    wanted = str(n) + (f" or {n_analysed}" if n_analysed else "")
    return f"expected the IPD to hold the arm's {wanted} patients, got {n_ipd}"


def excess_patients(record: StudyRecord) -> list[Issue]:
    """IPD entries whose arm's rows outnumber the arm's patients (``n`` and ``n_analysed``).

    An arm cannot have more patients than it has; fewer is an audit finding (``ipd-n``), as a
    reconstruction may lose a few. A conflict recorded on the arm's ``n`` or on the entry (the
    sources disagree about the size) leaves it to the audit, which shows it as a warning. Each
    issue is located at the entry's ``file``. Files that cannot be read, or whose
    ``arm_in_file`` selects no arm, are left to the reference checks, which report them.
    """
    from extraction.issues import Issue

    arms = {arm.id: (j, arm) for j, arm in enumerate(record.study.arms)}
    out = []
    for k, entry in enumerate(record.study.ipd):
        if entry.arm not in arms:
            continue
        j, arm = arms[entry.arm]
        try:
            table = read_ipd_csv(ipd_path(record, entry), entry.file)
        except (IpdInputError, OSError, ValueError, RuntimeError):
            continue
        if arm_problem(table, entry.arm_in_file, entry.file) is not None:
            continue
        rows = len(table.select(entry.arm_in_file)[0])
        problem = arm_size_problem(rows, arm.n, arm.n_analysed)
        if (problem is None or rows <= max(arm.n, arm.n_analysed or 0)
                or any(c.covers(f"arms[{j}].n") or c.covers(f"ipd[{k}]")
                       for c in record.study.conflicts)):
            continue
        line, col = record.document.locate(("ipd", k, "file"))
        label = f" arm {entry.arm_in_file!r}" if entry.arm_in_file else ""
        out.append(Issue(record.shown, line, col, f"ipd[{k}].file",
                         f"{problem} ({entry.file}{label}; arms[{j}].n is {arm.n})",
                         "an arm cannot have more patients than it enrolled: check the CSV's "
                         "rows and arm labels, or the arm's n; if the sources disagree, record "
                         "it under conflicts (the audit then shows ipd-n as a warning)"))
    return out


def ipd_path(record: StudyRecord, entry: Ipd) -> Path:
    """The CSV of ``entry``, resolved inside the study file's folder."""
    from extraction.references import resolve_inside

    target = resolve_inside(record.path.parent, entry.file)
    if target is None:
        raise IpdInputError(f"{entry.file}:0: expected a path inside the study folder, got one "
                            "outside it")
    return target


def load_ipd(record: StudyRecord, entry: Ipd) -> tuple[Any, Any]:
    """One arm's patient-level data: ``(time_months, event)`` as NumPy arrays.

    Parameters
    ----------
    record : StudyRecord
        The validated study file (paths are relative to it).
    entry : Ipd
        One of ``record.study.ipd``.

    Returns
    -------
    time_months : numpy.ndarray
        Follow-up in months (float).
    event : numpy.ndarray
        1 event, 0 censored (int).

    Raises
    ------
    IpdInputError
        As :func:`read_ipd_csv`, plus a sha256 that differs from the entry's and an
        ``arm_in_file`` that does not name an arm of the file.
    """
    import numpy as np

    target = ipd_path(record, entry)
    table = read_ipd_csv(target, entry.file)
    digest = sha256_of(target)
    if digest != entry.sha256:
        raise IpdInputError(f"{entry.file}:0: sha256: expected {entry.sha256} (the study "
                            f"file), got {digest}")
    problem = arm_problem(table, entry.arm_in_file, entry.file)
    if problem:
        raise IpdInputError(f"{entry.file}:0: arm: {problem}")
    time, event = table.select(entry.arm_in_file)
    return np.asarray(time, dtype=float), np.asarray(event, dtype=int)
