"""Reading the ``hccmeta pool`` CSV: one row per study, errors with file and line.

Columns (design.md): ``study`` and one of ``yi,vi`` | ``yi,sei`` (``--measure GEN``),
``est,lower,upper`` (``RATIO``: a ratio with its 95% CI, pooled on the log scale) or ``xi,ni``
(events, total: ``PLO, PFT, PAS, PR``); further columns (subgroups, moderators) by name. Every
bad cell is reported as ``file.csv:LINE: column: expected ..., got ...``.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

MEASURES = ("GEN", "RATIO", "PLO", "PFT", "PAS", "PR")
LAYOUTS = {
    "GEN": (("yi", "vi"), ("yi", "sei")),
    "RATIO": (("est", "lower", "upper"),),
    "PLO": (("xi", "ni"),),
    "PFT": (("xi", "ni"),),
    "PAS": (("xi", "ni"),),
    "PR": (("xi", "ni"),),
}


class PoolCsvError(Exception):
    """All problems of a pool CSV; ``messages`` holds one ``file:line: column: ...`` each."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("\n".join(messages))
        self.messages = messages


@dataclass(frozen=True)
class PoolInput:
    """Parsed, checked rows of a pool CSV.

    Attributes
    ----------
    study : list of str
        Study labels.
    lines : list of int
        CSV line of each study (1 = header).
    layout : tuple of str
        The value columns found, e.g. ``("yi", "sei")``.
    values : dict of str -> list of float
        The value columns, checked.
    groups : list of str or None
        ``--by`` column.
    moderator : list of float or None
        ``--mod`` column.
    """

    study: list[str]
    lines: list[int]
    layout: tuple[str, ...]
    values: dict[str, list[float]] = field(default_factory=dict)
    groups: list[str] | None = None
    moderator: list[float] | None = None


# ASCII decimal notation only: Python's float() also reads "1_0", Arabic-Indic and full-width
# digits, which the study files refuse (issue 15)
_DECIMAL = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)


def _number(raw: str) -> float | None:
    if not _DECIMAL.fullmatch(raw):
        return None
    value = float(raw)
    return value if math.isfinite(value) else None


def _number_expected(raw: str) -> str:
    """What a bad number cell should have been: a hint for look-alike digits and separators."""
    if "_" in raw or any(ch.isdigit() and not ch.isascii() for ch in raw):
        return "a finite number in ASCII digits without '_' (e.g. 10 or 1.2e-3)"
    return "a finite number"


def _check(col: str, raw: str, row: dict[str, float]) -> str | None:
    """Expected-value text when ``raw`` is bad for column ``col``, else None."""
    value = _number(raw)
    if value is None:
        return _number_expected(raw)
    if col == "yi" and abs(value) > 1e50:
        return "a number with |value| <= 1e50 (an effect on an additive scale)"
    if col in ("vi", "sei") and value > 0 and not 1e-50 <= value <= 1e50:
        return "a number in [1e-50, 1e50]"
    if col in ("vi", "sei", "est") and value <= 0:
        return "a number > 0"
    if col == "lower" and value <= 0:
        return "a number > 0"
    if col == "lower" and "est" in row and value > row["est"]:
        return f"a number <= est ({row['est']:g})"
    if col == "upper" and "est" in row and value < row["est"]:
        return f"a number >= est ({row['est']:g})"
    if col in ("xi", "ni") and (value < 0 or value != round(value)):
        return "a whole number >= 0"
    if col in ("xi", "ni") and value > 1e10:
        return "a whole number <= 1e10 (a count of patients)"
    if col == "ni" and value < 1:
        return "a whole number >= 1"
    if col == "ni" and "xi" in row and value < row["xi"]:
        return f"a whole number >= xi ({row['xi']:g})"
    return None


def _records(rows: Iterator[list[str]], name: str, errors: list[str]
             ) -> Iterator[tuple[int, list[str]]]:
    """``(line, cells)`` of each record after the header; a CSV syntax error (e.g. a field
    above the csv module's size limit) ends the file with a located error."""
    lineno = 1
    while True:
        lineno += 1
        try:
            cells = next(rows)
        except StopIteration:
            return
        except csv.Error as exc:
            errors.append(f"{name}:{lineno}: row: expected CSV text, got an unreadable row ({exc})")
            return
        yield lineno, cells


def read_pool_csv(
    path: Path, measure: str, by: str | None = None, mod: str | None = None
) -> PoolInput:
    """Read and check a pool CSV for ``measure``; raise PoolCsvError listing every problem."""
    from extraction.km.errors import KMInputError
    from extraction.km.io import read_text

    name = str(path)
    try:  # a regular UTF-8 file of bounded size: /dev/zero read until memory ran out (6 GB)
        text = read_text(path, "")
    except KMInputError as exc:
        raise PoolCsvError([exc.format()]) from None
    rows = csv.reader(io.StringIO(text, newline=None))  # streamed: memory linear in the output
    first = next(rows, None)
    if first is None or not any(cell.strip() for cell in first):
        raise PoolCsvError(
            [f"{name}:1: header: expected a header row with a study column, got an empty file"]
        )
    header = [h.strip() for h in first]
    layouts = LAYOUTS[measure]
    layout = next((lay for lay in layouts if all(c in header for c in lay)), None)
    wanted = " or ".join(",".join(("study", *lay)) for lay in layouts)
    errors: list[str] = []
    if "study" not in header or layout is None:
        raise PoolCsvError(
            [f"{name}:1: header: expected columns {wanted} for --measure {measure}, "
             f"got {','.join(header)}"]
        )
    dup = sorted({h for h in header if header.count(h) > 1})
    if dup:
        raise PoolCsvError(
            [f"{name}:1: header: expected unique column names, got {dup[0]!r} twice"]
        )
    for opt, col in (("--by", by), ("--mod", mod)):
        if col is not None and col not in header:
            raise PoolCsvError(
                [f"{name}:1: header: expected a column {col!r} for {opt}, got {','.join(header)}"]
            )
    idx = {h: i for i, h in enumerate(header)}
    out = PoolInput(study=[], lines=[], layout=layout, values={c: [] for c in layout},
                    groups=[] if by else None, moderator=[] if mod else None)
    seen: dict[str, int] = {}
    for lineno, cells in _records(rows, name, errors):
        if not any(c.strip() for c in cells):
            continue  # blank line
        if len(cells) != len(header):
            errors.append(f"{name}:{lineno}: row: expected {len(header)} cells, got {len(cells)}")
            continue
        cell = {h: cells[i].strip() for h, i in idx.items()}
        label = cell["study"]
        if not label:
            errors.append(f"{name}:{lineno}: study: expected a study label, got ''")
        elif label in seen:
            errors.append(f"{name}:{lineno}: study: expected a unique label, got {label!r} "
                          f"(also on line {seen[label]})")
        seen.setdefault(label, lineno)
        row: dict[str, float] = {}
        for col in layout:
            problem = _check(col, cell[col], row)
            if problem:
                errors.append(f"{name}:{lineno}: {col}: expected {problem}, got {cell[col]!r}")
            else:
                row[col] = float(cell[col])
        if by is not None and not cell[by]:
            errors.append(f"{name}:{lineno}: {by}: expected a subgroup label, got ''")
        if mod is not None and _number(cell[mod]) is None:
            errors.append(f"{name}:{lineno}: {mod}: expected {_number_expected(cell[mod])}, "
                          f"got {cell[mod]!r}")
        if errors:
            continue
        out.study.append(label)
        out.lines.append(lineno)
        for col in layout:
            out.values[col].append(row[col])
        if out.groups is not None and by is not None:
            out.groups.append(cell[by])
        if out.moderator is not None and mod is not None:
            out.moderator.append(float(cell[mod]))
    if errors:
        raise PoolCsvError(errors)
    if not out.study:
        raise PoolCsvError([f"{name}:2: row: expected at least one study row, got none"])
    return out
