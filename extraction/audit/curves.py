"""Digitized Kaplan–Meier curves and risk tables as digitized (before any reconstruction).

Check ids: ``curve-read``, ``curve-time``, ``curve-range``, ``curve-monotone``, ``risk-start``,
``risk-monotone``; and, when :mod:`extraction.km` offers a reconstruction,
``km-events``, ``km-median``, ``km-hr`` (see :mod:`extraction.audit.reconstruction`).

Findings are located at the curve entry's ``file``/``risk_file``/``risk_table`` line of the study
file; the message names the CSV line. A digitized curve may rise by up to
:data:`MONOTONE_TOLERANCE` (1% of the survival axis, i.e. 2–3 pixels of a 250-pixel-high plot,
the placement error of manual WebPlotDigitizer points) before it is reported; Guyot et al. 2012
(BMC Med Res Methodol 12:9, section "Data pre-processing") likewise smooth small rises away.
"""

from __future__ import annotations

import itertools
import re
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

_SPLIT = re.compile(r"\s*[,;\t]\s*|\s+")


@dataclass(frozen=True)
class Table:
    """Two numeric columns of a CSV with the 1-based line of each row."""

    rows: tuple[tuple[float, float], ...]
    lines: tuple[int, ...]


class CsvReadError(ValueError):
    """A CSV that cannot be read as two numeric columns (message names the line)."""


def read_two_columns(path: Path) -> Table:
    """Read ``time,value`` rows; optional header, ``#`` comments and blank lines skipped.

    Raises
    ------
    CsvReadError
        Unreadable file, a row without two numbers (other than a first header row), no rows.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise CsvReadError(f"cannot read {path.name}: {exc}") from None
    rows, lines = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        fields = [f for f in _SPLIT.split(stripped) if f]
        try:
            values = [float(f) for f in fields[:2]]
            if len(fields) != 2:
                raise ValueError
        except ValueError:
            if not rows and not lines and not any(ch.isdigit() for ch in stripped):
                lines.append(0)  # header row
                continue
            raise CsvReadError(f"{path.name}:{number}: expected two numbers, got "
                             f"{stripped[:40]!r}") from None
        rows.append((values[0], values[1]))
        lines.append(number)
    lines = [n for n in lines if n]
    if not rows:
        raise CsvReadError(f"{path.name}: expected rows of two numbers, got none")
    return Table(tuple(rows), tuple(lines))


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
        table = read_two_columns(target)
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
            rt = read_two_columns(target)
            risk = [(t, n, f"{curve.risk_file}:{ln}") for (t, n), ln in
                    zip(rt.rows, rt.lines, strict=True)]
        except CsvReadError as exc:
            problems.append(("risk_file", str(exc)))
    return table, risk, problems


def check(record: StudyRecord) -> list[Finding]:
    """All digitized-curve checks of one study file (reads the CSVs)."""
    out: list[Finding] = []
    for i, curve in enumerate(record.study.curves):
        path = ("curves", i)
        table, risk, problems = load_curve(record, curve)
        for key, message in problems:
            out.append(make(record, "curve-read", (*path, key), message))
        if table is not None:
            out += _curve_checks(record, path, curve, table)
        if risk:
            out += _risk_checks(record, path, curve, risk)
    return out
