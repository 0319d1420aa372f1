"""Read digitized-curve and risk-table CSV files (the design's curve and risk contracts).

Curve CSV: ``time,survival``; risk CSV: ``time,n_risk``. A header row is optional (WebPlotDigitizer
exports none); columns are found by header name when there is one, else taken in order.
Separators: comma, tab, whitespace, or semicolon (then a decimal comma is accepted, as European
spreadsheet exports write it). Blank lines and ``#`` comments are skipped. Every bad row is reported
as ``file:line:col: column: expected …, got …`` through :class:`KMInputError`.
"""

from __future__ import annotations

import os
import re
import stat
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


#: A plain decimal number in ASCII digits. Python's float() also reads ``1_0`` (10), Arabic-Indic
#: and full-width digits; study files refuse those, so the CSVs do too. ``nan`` and ``inf`` are
#: read, then refused as not finite by :func:`~extraction.km.data.make_curve` and
#: :func:`~extraction.km.data.make_risk_table`.
_PLAIN = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
                    r"|[+-]?(?i:nan|inf|infinity)")

#: Largest CSV read (bytes): a digitized curve is a few kB; this stops /dev/zero-like inputs.
MAX_BYTES = 20 * 1024 * 1024


def _number(text: str, sep: str) -> float | None:
    if sep == ";":
        text = text.replace(",", ".")
    if not _PLAIN.fullmatch(text):
        return None
    return float(text)


def read_text(path: Path, field: str) -> str:
    """The text of a regular UTF-8 file of at most :data:`MAX_BYTES`, else a one-line error.

    FIFOs, devices and folders are refused before anything is read (a FIFO would block, a
    device like /dev/zero never ends); every file-system error becomes a :class:`KMInputError`.
    """
    src = str(path)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise KMInputError("expected an existing file, got none", field, src) from None
    except OSError as exc:
        raise KMInputError(f"expected a readable file, got {exc.strerror or exc}", field,
                           src) from None
    if not stat.S_ISREG(info.st_mode):
        kind = ("a folder" if stat.S_ISDIR(info.st_mode) else "a FIFO (named pipe)"
                if stat.S_ISFIFO(info.st_mode) else "a device or other special file")
        raise KMInputError(f"expected a regular file, got {kind}", field, src)
    if info.st_size > MAX_BYTES:
        raise KMInputError(f"expected a file of at most {MAX_BYTES // 2**20} MiB, got "
                           f"{info.st_size / 2**20:.0f} MiB", field, src)
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise KMInputError(f"expected a readable file, got {exc.strerror or exc}", field,
                           src) from None
    if len(data) > MAX_BYTES:
        raise KMInputError(f"expected a file of at most {MAX_BYTES // 2**20} MiB, got more",
                           field, src)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise KMInputError(f"expected UTF-8 text, got byte {exc.object[exc.start]:#x}", "", src,
                           text_line(exc.object, exc.start)) from None


def read_table(path: Path, names: tuple[str, str],
               known: tuple[frozenset[str], frozenset[str]]
               ) -> tuple[list[float], list[float], list[int]]:
    """Two numeric columns of a CSV with an optional header; values with their line numbers."""
    return parse_table(read_text(path, names[0]), str(path), names, known)


def split_lines(text: str) -> list[str]:
    """Lines ended by LF, CRLF or a lone CR (old Mac exports); nothing else splits a line."""
    return _LINE_END.split(text)


_LINE_END = re.compile(r"\r\n|\r|\n")


def parse_table(text: str, src: str, names: tuple[str, str],
                known: tuple[frozenset[str], frozenset[str]]
                ) -> tuple[list[float], list[float], list[int]]:
    """:func:`read_table` on text already read (``src`` names it in errors)."""
    cols: tuple[int, ...] | None = None
    width = 2
    first: list[float] = []
    second: list[float] = []
    lines: list[int] = []
    sep = ""
    for lineno, line in enumerate(split_lines(text), start=1):
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
    """1-based line number of byte ``offset`` in ``data`` (LF, CRLF or CR-only line ends)."""
    head = data[:offset]
    return head.count(b"\n") + head.count(b"\r") - head.count(b"\r\n") + 1


def _find(header: list[str], pool: frozenset[str], default: int) -> int:
    for i, name in enumerate(header):
        if name in pool:
            return i
    return default


def read_curve_csv(path: str | Path, scale: str = "auto", dataset: str | None = None
                   ) -> DigitizedCurve:
    """Read a digitized KM curve (``time,survival``); detect proportion vs percent.

    Parameters
    ----------
    path : str or Path
        CSV file as WebPlotDigitizer exports it (header optional), or its "export all datasets"
        file (several curves side by side under two header rows: names, then X,Y).
    scale : {"auto", "proportion", "percent"}
        ``auto`` detects the scale and refuses a file that mixes them (one typo like 2.0 in a
        proportion curve would otherwise turn the whole curve into percent).
    dataset : str, optional
        Which curve of an "export all datasets" file (by name); required when it has several.

    Returns
    -------
    DigitizedCurve
        Points in file order, survival as a proportion, ``scale`` saying what was detected.

    Raises
    ------
    KMInputError
        With ``file:line:col`` for the first bad row or value.
    """
    from extraction.km.wpd import check_scale, is_multi_dataset, select_dataset

    path = Path(path)
    src = str(path)
    text = read_text(path, "time")
    if is_multi_dataset(text):
        t, s, lines = select_dataset(text, src, dataset)
    elif dataset is not None:
        raise KMInputError(f"expected a WebPlotDigitizer 'export all datasets' file (a row of "
                           f"dataset names, then X,Y) to choose {dataset!r} from, got a single "
                           "curve: leave out --dataset", "dataset", src)
    else:
        t, s, lines = parse_table(text, src, ("time", "survival"), (TIME_NAMES, SURVIVAL_NAMES))
    chosen = check_scale(s, lines, scale, src)
    return make_curve(t, s, scale=chosen, source=src, lines=tuple(lines))


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
