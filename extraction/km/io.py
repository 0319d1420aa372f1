"""Read digitized-curve and risk-table CSV files (the design's curve and risk contracts).

Curve CSV: ``time,survival``; risk CSV: ``time,n_risk``. A header row is optional (WebPlotDigitizer
exports none); columns are found by header name when there is one, else taken in order.
Separators: comma, tab, whitespace, or semicolon (then a decimal comma is accepted, as European
spreadsheet exports write it). Blank lines and ``#`` comments are skipped. Every bad row is reported
as ``file:line:col: column: expected …, got …`` through :class:`KMInputError`.
"""

from __future__ import annotations

import re
from pathlib import Path

from extraction.km.data import DigitizedCurve, RiskTable, make_curve, make_risk_table
from extraction.km.errors import KMInputError

TIME_NAMES = frozenset({"time", "t", "x", "months", "month", "time_months"})
SURVIVAL_NAMES = frozenset({"survival", "surv", "s", "y", "prob", "probability", "km",
                            "survival_probability", "percent"})
RISK_NAMES = frozenset({"n_risk", "nrisk", "n.risk", "at_risk", "n_at_risk", "number_at_risk",
                        "risk", "n"})

_TOKEN = {";": re.compile(r"[^;]+"), ",": re.compile(r"[^,]+"), "\t": re.compile(r"[^\t]+"),
          " ": re.compile(r"\S+")}


def _delimiter(line: str) -> str:
    for sep in (";", ",", "\t"):
        if sep in line:
            return sep
    return " "


def _fields(line: str, sep: str) -> list[tuple[str, int]]:
    """Split ``line`` on ``sep``; each field stripped, with its 1-based column."""
    out = []
    for match in _TOKEN[sep].finditer(line):
        raw = match.group(0)
        stripped = raw.strip()
        if stripped or sep != " ":
            out.append((stripped, match.start() + 1 + (len(raw) - len(raw.lstrip()))))
    return out


def _number(text: str, sep: str) -> float | None:
    if sep == ";":
        text = text.replace(",", ".")
    try:
        return float(text)
    except ValueError:
        return None


def read_table(path: Path, names: tuple[str, str],
               known: tuple[frozenset[str], frozenset[str]]
               ) -> tuple[list[float], list[float], list[int]]:
    """Two numeric columns of a CSV with an optional header; values with their line numbers."""
    src = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise KMInputError("expected an existing file, got none", names[0], src) from None
    except UnicodeDecodeError as exc:
        raise KMInputError(f"expected UTF-8 text, got byte {exc.object[exc.start]:#x}", "", src,
                           text_line(exc.object, exc.start)) from None
    cols: tuple[int, ...] | None = None
    width = 2
    first: list[float] = []
    second: list[float] = []
    lines: list[int] = []
    sep = ""
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not sep:
            sep = _delimiter(line)
        fields = _fields(line, sep)
        values = [_number(f, sep) for f, _ in fields]
        if cols is None:  # first content line: header or data
            if all(v is None for v in values):
                lowered = [f.lower().strip('"\'') for f, _ in fields]
                cols = tuple(_find(lowered, pool, i) for i, pool in enumerate(known))
                width = len(fields)
                if cols[0] == cols[1] or width < 2:
                    raise KMInputError(f"expected header columns {names[0]},{names[1]}, got "
                                       f"{','.join(lowered)}", "header", src, lineno)
                continue
            cols, width = (0, 1), 2
        if len(fields) != width:
            raise KMInputError(f"expected {width} fields ({names[0]},{names[1]}), got "
                               f"{len(fields)}", "row", src, lineno)
        parsed = []
        for name, c in zip(names, cols, strict=True):
            value = values[c]
            if value is None:
                raise KMInputError(f"expected a number, got {fields[c][0]!r}", name, src, lineno,
                                   fields[c][1])
            parsed.append(value)
        first.append(parsed[0])
        second.append(parsed[1])
        lines.append(lineno)
    if not lines:
        raise KMInputError(f"expected rows of {names[0]},{names[1]}, got none", "", src)
    return first, second, lines


def text_line(data: bytes, offset: int) -> int:
    """1-based line number of byte ``offset`` in ``data``."""
    return data.count(b"\n", 0, offset) + 1


def _find(header: list[str], pool: frozenset[str], default: int) -> int:
    for i, name in enumerate(header):
        if name in pool:
            return i
    return default


def read_curve_csv(path: str | Path) -> DigitizedCurve:
    """Read a digitized KM curve (``time,survival``); detect proportion vs percent.

    Parameters
    ----------
    path : str or Path
        CSV file as WebPlotDigitizer exports it (header optional).

    Returns
    -------
    DigitizedCurve
        Points in file order, survival as a proportion, ``scale`` saying what was detected.

    Raises
    ------
    KMInputError
        With ``file:line:col`` for the first bad row or value.
    """
    path = Path(path)
    t, s, lines = read_table(path, ("time", "survival"), (TIME_NAMES, SURVIVAL_NAMES))
    return make_curve(t, s, source=str(path), lines=tuple(lines))


def read_risk_csv(path: str | Path) -> RiskTable:
    """Read a published risk table (``time,n_risk``); one row at time 0 means no table.

    Raises
    ------
    KMInputError
        With ``file:line:col`` for the first bad row, repeated time or increasing count.
    """
    path = Path(path)
    t, n, lines = read_table(path, ("time", "n_risk"), (TIME_NAMES, RISK_NAMES))
    return make_risk_table(t, n, source=str(path), lines=tuple(lines))
