"""Shared look of the report's figures and the SVG writer."""

from __future__ import annotations

import io
from pathlib import Path

import matplotlib
from matplotlib.figure import Figure

from reports.atomic import write_bytes_atomic

INDEX = "#c0392b"
STUDY = "#1f3b57"
POOLED = "#1f3b57"
PI = "#7f8c8d"
REFERENCE = "#8e44ad"
APPROX = "#95a5a6"
FONT = 8

matplotlib.rcParams.update({
    "font.size": FONT,
    "font.family": "DejaVu Sans",
    "svg.fonttype": "none",
    "svg.hashsalt": "hccmeta",
    "axes.spines.top": False,
    "axes.spines.right": False,
    # every label is user text (trial names, authors, plan labels, citations): '$\\foo$' must
    # print as written, not be parsed as mathtext (a traceback, or a forged formula)
    "text.parse_math": False,
})


FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
"""DejaVu Sans as shipped with matplotlib: passed to Typst so SVG text renders in the font
matplotlib measured it with."""


def save(fig: Figure, path: Path | None) -> None:
    """Write ``fig`` as SVG.

    Vector; text stays text (``svg.fonttype = none``: 3-4x faster than glyph paths, selectable,
    rendered by Typst with :data:`FONT_DIR`); no date, fixed hash salt: byte-reproducible.
    Figures lay themselves out (no ``bbox_inches="tight"``, which draws everything twice).
    """
    if path is not None:
        buffer = io.BytesIO()
        fig.savefig(buffer, format="svg", metadata={"Date": None})
        write_bytes_atomic(path, buffer.getvalue())


def new_figure(figsize: tuple[float, float]) -> Figure:
    """A figure outside pyplot: no global figure registry to close, and pyplot's import (about
    0.3 s per figure worker) is skipped."""
    return Figure(figsize=figsize)
