"""Digitized Kaplan–Meier curves and risk tables as digitized (before any reconstruction).

Check ids: ``curve-read``, ``curve-time``, ``curve-range``, ``curve-monotone``, ``risk-start``,
``risk-monotone``; and, when :mod:`extraction.km` offers a reconstruction,
``km-events``, ``km-median``, ``km-hr`` (see :mod:`extraction.audit.reconstruction`).

The CSVs are parsed by the reader of :mod:`extraction.km.io` and must pass its validation
(:func:`accepted_by_reconstruction`), so the audit refuses what ``hccmeta reconstruct`` refuses
(a nan or inf row, a negative count...) with the same message, as a ``curve-read`` error.

Findings are located at the curve entry's ``file``/``risk_file``/``risk_table`` line of the study
file; the message names the CSV line. A digitized curve may rise by up to
:data:`MONOTONE_TOLERANCE` (1% of the survival axis, i.e. 2–3 pixels of a 250-pixel-high plot,
the placement error of manual WebPlotDigitizer points) before it is reported; Guyot et al. 2012
(BMC Med Res Methodol 12:9, section "Data pre-processing") likewise smooth small rises away.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from pathlib import Path

from extraction.audit.findings import Finding, make
from extraction.audit.precision import fmt
from extraction.audit.walk import arm_denominators
from extraction.loader import StudyRecord
from extraction.references import resolve_inside
from extraction.schema_entries import Curve

Path_ = tuple[str | int, ...]

MONOTONE_TOLERANCE = 0.01
"""Largest rise of a digitized curve (as a proportion of the survival axis) not reported."""

RiskRows = list[tuple[float, float, str]]


@dataclass(frozen=True)
class Table:
    """Two numeric columns of a CSV with the 1-based line of each row."""

    rows: tuple[tuple[float, float], ...]
    lines: tuple[int, ...]


class CsvReadError(ValueError):
    """A CSV that cannot be read as two finite numeric columns (message names the line)."""


def _located(exc: Exception, shown: str) -> str:
    """A :class:`~extraction.km.errors.KMInputError` message with the file as the study names it
    (``km/os.csv:6: time: expected a finite number, got nan``)."""
    from extraction.km.errors import KMInputError

    if isinstance(exc, KMInputError):
        return KMInputError(exc.message, exc.field, shown, exc.line, exc.col,
                            exc.hint).format()
    return f"{shown}: {exc}"


def read_two_columns(path: Path, kind: str = "curve", shown: str = "") -> Table:
    """The rows of a curve (``time,survival``) or risk (``time,n_risk``) CSV as written.

    Parsed by the reader of :mod:`extraction.km.io` (header names, separators, decimal comma,
    comments): the audit reads a file exactly as ``hccmeta reconstruct`` does. Values are kept
    as written (percent or proportion, file order) for the audit's own, located checks.

    Raises
    ------
    CsvReadError
        An unreadable file, a bad row, no rows, or a value that is not finite (nan, inf); the
        message is the one ``hccmeta reconstruct`` prints.
    """
    from extraction.km.errors import KMInputError
    from extraction.km.io import (
        RISK_NAMES,
        SURVIVAL_NAMES,
        TIME_NAMES,
        read_table,  # the row parser behind read_curve_csv/read_risk_csv (one set of rules)
    )

    shown = shown or path.name
    second, pool = ("survival", SURVIVAL_NAMES) if kind == "curve" else ("n_risk", RISK_NAMES)
    try:
        first, other, lines = read_table(path, ("time", second), (TIME_NAMES, pool))
    except KMInputError as exc:
        raise CsvReadError(_located(exc, shown)) from None
    except OSError as exc:
        raise CsvReadError(f"{shown}: expected a readable file, got "
                           f"{exc.strerror or type(exc).__name__}") from None
    for name, values in (("time", first), (second, other)):
        for value, line in zip(values, lines, strict=True):
            if not math.isfinite(value):
                raise CsvReadError(KMInputError(f"expected a finite number, got {value}", name,
                                                shown, line).format())
    return Table(tuple(zip(first, other, strict=True)), tuple(lines))


def accepted_by_reconstruction(table: Table, kind: str, scale: str, shown: str) -> str | None:
    """``None`` when :mod:`extraction.km` accepts ``table`` as it stands, else its message.

    Runs :func:`~extraction.km.data.make_curve` or :func:`~extraction.km.data.make_risk_table`,
    the validation of ``read_curve_csv``/``read_risk_csv``, so that the audit reports every file
    ``hccmeta reconstruct`` would refuse.
    """
    from extraction.km.data import make_curve, make_risk_table
    from extraction.km.errors import KMInputError

    first = [t for t, _ in table.rows]
    second = [v for _, v in table.rows]
    try:
        if kind == "curve":
            make_curve(first, second, scale=None if scale == "auto" else scale, source=shown,
                       lines=table.lines)
        else:
            make_risk_table(first, second, source=shown, lines=table.lines)
    except KMInputError as exc:
        return _located(exc, shown)
    return None


def _curve_checks(record: StudyRecord, path: Path_, curve: Curve, table: Table) -> list[Finding]:
    at, name, out = (*path, "file"), curve.file, []
    neg = [(t, ln) for (t, _), ln in zip(table.rows, table.lines, strict=True) if t < 0]
    if neg:
        out.append(make(record, "curve-time", at, f"expected times >= 0, got {fmt(neg[0][0])} "
                        f"at {name}:{neg[0][1]} ({len(neg)} row(s))", {"time": neg[0][0]}))
    values = [s for _, s in table.rows]
    scale = curve.survival_scale
    if scale == "auto":
        scale = "percent" if max(values) > 1.5 else "proportion"
    top = 100.0 if scale == "percent" else 1.0
    tol = MONOTONE_TOLERANCE * top
    outside = [(s, ln) for s, ln in zip(values, table.lines, strict=True)
               if s < -tol or s > top + tol]
    if outside:
        out.append(make(record, "curve-range", at, f"expected survival in [0, {fmt(top)}] "
                        f"({scale}), got {fmt(outside[0][0])} at {name}:{outside[0][1]} "
                        f"({len(outside)} row(s))", {"survival": outside[0][0]}))
    order = sorted(range(len(table.rows)), key=lambda k: table.rows[k][0])
    lowest, rises = values[order[0]], []
    for k in order[1:]:
        if values[k] > lowest + tol:
            rises.append(k)
        lowest = min(lowest, values[k])
    if rises:
        k = rises[0]
        out.append(make(record, "curve-monotone", at,
                        f"expected a non-increasing curve (tolerance {fmt(tol)}), got a rise to "
                        f"{fmt(values[k])} at time {fmt(table.rows[k][0])} ({name}:"
                        f"{table.lines[k]}; {len(rises)} row(s))",
                        {"time": table.rows[k][0], "survival": values[k]}))
    return out


def _risk_checks(record: StudyRecord, path: Path_, curve: Curve,
                 rows: RiskRows) -> list[Finding]:
    key = "risk_file" if curve.risk_file else "risk_table"
    at, out = (*path, key), []
    whole = [(n, where) for _, n, where in rows if n != int(n)]
    if whole:
        out.append(make(record, "curve-read", at, f"expected whole numbers at risk, got "
                        f"{fmt(whole[0][0])} at {whole[0][1]}", {"n_risk": whole[0][0]}))
    neg = [(t, where) for t, _, where in rows if t < 0]
    if neg:
        out.append(make(record, "curve-time", at, f"expected risk-table times >= 0, got "
                        f"{fmt(neg[0][0])} at {neg[0][1]}", {"time": neg[0][0]}))
    for (t0, n0, _), (t1, n1, where) in itertools.pairwise(rows):
        if t1 <= t0 or n1 > n0:
            what = (f"times increasing, got {fmt(t1)} after {fmt(t0)}" if t1 <= t0 else
                    f"numbers at risk not increasing, got {fmt(n1)} after {fmt(n0)}")
            out.append(make(record, "risk-monotone", at, f"expected {what} at {where}",
                            {"time": t1, "n_risk": n1}))
            break
    dens = arm_denominators(record.study, curve.arm)
    first_t, first_n, where = rows[0]
    if dens and first_t == 0 and first_n not in dens:
        out.append(make(record, "risk-start", at,
                        f"expected the number at risk at time 0 to equal the arm's n "
                        f"({' or '.join(map(str, dens))}), got {fmt(first_n)} at {where}",
                        {"n_risk": first_n, "n": dens[0]}))
    return out


def load_curve(record: StudyRecord, curve: Curve
               ) -> tuple[Table | None, RiskRows | None, list[tuple[str, str]]]:
    """The curve table, the risk rows ``(time, n_risk, where)`` and read problems (field, text)."""
    base, problems = record.path.parent, []
    table: Table | None = None
    risk: RiskRows | None = None
    target = resolve_inside(base, curve.file)
    try:
        if target is None:
            raise CsvReadError(f"{curve.file}: outside the study folder")
        table = read_two_columns(target, "curve", curve.file)
    except CsvReadError as exc:
        problems.append(("file", str(exc)))
    if curve.risk_table:
        risk = [(float(t), float(n), f"risk_table[{k}]") for k, (t, n) in
                enumerate(curve.risk_table)]
    elif curve.risk_file:
        target = resolve_inside(base, curve.risk_file)
        try:
            if target is None:
                raise CsvReadError(f"{curve.risk_file}: outside the study folder")
            rt = read_two_columns(target, "risk", curve.risk_file)
            risk = [(t, n, f"{curve.risk_file}:{ln}") for (t, n), ln in
                    zip(rt.rows, rt.lines, strict=True)]
        except CsvReadError as exc:
            problems.append(("risk_file", str(exc)))
    return table, risk, problems


COVERED = {"curve": {"curve-time", "curve-range"},
           "risk": {"curve-read", "curve-time", "risk-monotone"}}
"""Audit checks whose error already says why :mod:`extraction.km` refuses a file (no second
``curve-read`` for the same problem)."""


def check(record: StudyRecord) -> list[Finding]:
    """All digitized-curve checks of one study file (reads the CSVs).

    After its own checks, each curve and risk table goes through the validation of
    :mod:`extraction.km`; a refusal that no audit finding explains yet is a ``curve-read``
    error with the message ``hccmeta reconstruct`` would print.
    """
    out: list[Finding] = []
    for i, curve in enumerate(record.study.curves):
        path = ("curves", i)
        table, risk, problems = load_curve(record, curve)
        for key, message in problems:
            out.append(make(record, "curve-read", (*path, key), message))
        if table is not None:
            found = _curve_checks(record, path, curve, table)
            refused = None if {f.check for f in found} & COVERED["curve"] else \
                accepted_by_reconstruction(table, "curve", curve.survival_scale, curve.file)
            if refused:
                found.append(make(record, "curve-read", (*path, "file"), refused))
            out += found
        if risk:
            found = _risk_checks(record, path, curve, risk)
            key = "risk_file" if curve.risk_file else "risk_table"
            shown = curve.risk_file or "risk_table"
            lines = tuple(int(w.rsplit(":", 1)[1]) if ":" in w else 0 for _, _, w in risk)
            rows = Table(tuple((t, n) for t, n, _ in risk), lines)
            refused = None if {f.check for f in found} & COVERED["risk"] else \
                accepted_by_reconstruction(rows, "risk", "auto", shown)
            if refused:
                found.append(make(record, "curve-read", (*path, key), refused))
            out += found
    return out
