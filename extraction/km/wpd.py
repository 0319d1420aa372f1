"""WebPlotDigitizer's "export all datasets" CSV, and the survival scale of a digitized curve.

WebPlotDigitizer (Rohatgi, https://automeris.io) exports all datasets of a plot side by side:

.. code-block:: text

    Placebo,,Sorafenib,
    X,Y,X,Y
    0,1,0,1
    1.2,0.95,0.8,0.97
    ,,1.5,0.93

a row of dataset names (each over its X,Y pair), a row of X,Y, then rows with empty cells where a
curve has fewer points. One dataset is chosen by name.
"""

from __future__ import annotations

import csv

import numpy as np

from extraction.km.data import detect_scale
from extraction.km.errors import KMInputError
from extraction.km.io import _number, split_lines

SCALES = ("auto", "proportion", "percent")


def _content(text: str) -> list[tuple[int, str]]:
    return [(i, line) for i, line in enumerate(split_lines(text), start=1)
            if line.strip() and not line.lstrip().startswith("#")]


def _cells(line: str) -> list[str]:
    """Comma-separated cells (RFC 4180 quoting: a dataset name may hold a comma)."""
    return [cell.strip() for cell in next(csv.reader([line]), [])]


def is_multi_dataset(text: str) -> bool:
    """True when the second content row is ``X,Y`` repeated (after a row of names)."""
    rows = _content(text)
    if len(rows) < 2:
        return False
    second = [c.lower() for c in _cells(rows[1][1])]
    while second and second[-1] == "":
        second.pop()
    return (len(second) >= 2 and len(second) % 2 == 0
            and all(c == ("x" if i % 2 == 0 else "y") for i, c in enumerate(second)))


def dataset_names(text: str) -> list[str]:
    """Dataset names of an "export all datasets" file, in column order."""
    rows = _content(text)
    names = _cells(rows[0][1])
    width = len([c for c in _cells(rows[1][1]) if c])
    return [names[i] if i < len(names) else "" for i in range(0, width, 2)]


def select_dataset(text: str, src: str, name: str | None
                   ) -> tuple[list[float], list[float], list[int]]:
    """The X,Y rows (with their file lines) of dataset ``name``; every bad cell located."""
    rows = _content(text)
    names = dataset_names(text)
    if name is None:
        if len(names) != 1:
            raise KMInputError(f"expected --dataset NAME to choose one of {len(names)} curves "
                               f"({', '.join(repr(n) for n in names)}), got none", "dataset",
                               src, rows[0][0])
        idx = 0
    elif name in names:
        if names.count(name) > 1:
            raise KMInputError(f"expected dataset names that differ, got {name!r} "
                               f"{names.count(name)} times", "dataset", src, rows[0][0])
        idx = names.index(name)
    else:
        raise KMInputError(f"expected one of {', '.join(repr(n) for n in names)}, got "
                           f"{name!r}", "dataset", src, rows[0][0])
    cx, cy = 2 * idx, 2 * idx + 1
    t: list[float] = []
    s: list[float] = []
    lines: list[int] = []
    for lineno, line in rows[2:]:
        cells = _cells(line)
        x = cells[cx] if cx < len(cells) else ""
        y = cells[cy] if cy < len(cells) else ""
        if x == "" and y == "":  # this curve has fewer points
            continue
        col = sum(len(c) + 1 for c in line.split(",")[:cx]) + 1
        for field, cell, at in (("time", x, col), ("survival", y, col + len(x) + 1)):
            if _number(cell, ",") is None:
                raise KMInputError(f"expected a number, got {cell!r}", field, src, lineno, at)
        t.append(float(x))
        s.append(float(y))
        lines.append(lineno)
    if not lines:
        raise KMInputError(f"expected rows of X,Y for dataset {names[idx]!r}, got none",
                           "dataset", src)
    return t, s, lines


def check_scale(survival: list[float], lines: list[int], scale: str, src: str) -> str:
    """The scale to read ``survival`` in: ``scale`` itself, or detected for ``auto``.

    ``auto`` reads percent when the largest value exceeds 1.5
    (:func:`~extraction.km.data.detect_scale`), but refuses a curve whose values are mostly at
    most 1.5 with a few above: that is a proportion curve with a typo (2.0 for 0.20), which
    would otherwise divide every point by 100. The error names the first such row.
    """
    if scale not in SCALES:
        raise KMInputError(f"expected one of {', '.join(SCALES)}, got {scale!r}", "scale", src)
    if scale != "auto":
        return scale
    values = np.asarray(survival, dtype=float)
    detected = detect_scale(values)
    if detected == "percent":
        high = np.flatnonzero(values > 1.5)
        if high.size * 2 < values.size:
            i = int(high[0])
            raise KMInputError(
                f"expected survival on one scale, got {values[i]:g} among "
                f"{values.size - high.size} of {values.size} values at most 1.5 (a proportion "
                "curve with a typo?): fix the row, or give --scale percent or --scale "
                "proportion", "survival", src, lines[i] if i < len(lines) else 0)
    return detected
