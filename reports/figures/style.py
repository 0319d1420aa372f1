"""Shared look of the report's figures, text measurement and the figure writer.

Fonts: figures are set in DejaVu Sans, the font matplotlib ships and measures text with. The PDF
report passes matplotlib's font folder (:func:`reports.fonts.font_dir`) to Typst, so SVG text is
rendered in the very font it was measured in (no substitution, no overflow); the HTML report
embeds a subset of the same font (``reports.fonts``). Typst bundles only Libertinus Serif, New
Computer Modern and DejaVu Sans Mono, none of which matplotlib can measure, so the figures keep
the sans family of journal figures rather than the serif of the running text.
"""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path

import matplotlib
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties

from reports.atomic import write_bytes_atomic

INDEX = "#c0392b"
STUDY = "#1f3b57"
POOLED = "#1f3b57"
PI = "#7f8c8d"
REFERENCE = "#8e44ad"
APPROX = "#95a5a6"
BAND = "#d6e0ea"
FONT = 8
FAMILY = "DejaVu Sans"

matplotlib.rcParams.update({
    "font.size": FONT,
    "font.family": FAMILY,
    "svg.fonttype": "none",
    "svg.hashsalt": "hccmeta",
    "pdf.fonttype": 42,
    "axes.spines.top": False,
    "axes.spines.right": False,
    # every label is user text (trial names, authors, plan labels, citations): '$\\foo$' must
    # print as written, not be parsed as mathtext (a traceback, or a forged formula)
    "text.parse_math": False,
})


FORMATS = ("svg", "pdf", "png")


@lru_cache(maxsize=8)
def _renderer():
    from matplotlib.backends.backend_agg import RendererAgg

    return RendererAgg(100, 100, 72)


@lru_cache(maxsize=4096)
def text_width(text: str, size: float = FONT, weight: str = "normal",
               style: str = "normal") -> float:
    """Width of ``text`` in inches as matplotlib lays it out (no mathtext); cached."""
    if not text:
        return 0.0
    prop = FontProperties(family=FAMILY, size=size, weight=weight, style=style)
    width, _, _ = _renderer().get_text_width_height_descent(text, prop, ismath=False)
    return float(width) / 72.0


def wrap(text: str, width: float, size: float = FONT, weight: str = "normal",
         style: str = "normal") -> list[str]:
    """``text`` broken into lines no wider than ``width`` inches, never cut.

    Breaks at spaces; a word wider than ``width`` (a file id) is broken after ``_``, ``/`` or
    ``-``, and only when it has none of those, between characters.
    """
    space = text_width("a a", size, weight, style) - text_width("aa", size, weight, style)

    def fits(s: str) -> bool:
        # a line's width is the sum of its words' (cached) widths and spaces: kerning across a
        # space is nil in DejaVu Sans, so this equals the laid-out width to within 0.001 in
        words = s.split(" ")
        return (sum(text_width(w, size, weight, style) for w in words)
                + space * (len(words) - 1)) <= width

    def split_word(word: str) -> list[str]:
        if fits(word):
            return [word]
        pieces, cur = [], ""
        for ch in word:
            if cur and not fits(cur + ch):
                cut = max(cur.rfind("_"), cur.rfind("/"), cur.rfind("-"))
                if 0 < cut < len(cur) - 1:
                    pieces.append(cur[: cut + 1])
                    cur = cur[cut + 1:]
                else:
                    pieces.append(cur)
                    cur = ""
            cur += ch
        return [*pieces, cur] if cur else pieces

    lines: list[str] = []
    cur = ""
    for word in text.split():
        trial = f"{cur} {word}" if cur else word
        if fits(trial):
            cur = trial
            continue
        if cur:
            lines.append(cur)
        parts = split_word(word)
        lines += parts[:-1]
        cur = parts[-1]
    if cur or not lines:
        lines.append(cur)
    return lines


def save(fig: Figure, path: Path | None) -> None:
    """Write ``fig`` as SVG, PDF or PNG, chosen by the suffix of ``path``.

    Vector by default; in SVG text stays text (``svg.fonttype = none``: 3-4x faster than glyph
    paths, selectable, rendered by Typst with the fonts of :func:`reports.fonts.font_dir`);
    PDF embeds DejaVu Sans as TrueType (``pdf.fonttype = 42``); PNG at 200 dpi. No date, fixed
    hash salt: byte-reproducible SVG. Figures lay themselves out (no ``bbox_inches="tight"``,
    which draws everything twice).
    """
    if path is None:
        return
    fmt = Path(path).suffix.lower().lstrip(".") or "svg"
    if fmt not in FORMATS:
        raise ValueError(f"{path}: expected a .svg, .pdf or .png file name, got .{fmt}")
    buffer = io.BytesIO()
    metadata = {"Date": None} if fmt == "svg" else (
        {"CreationDate": None} if fmt == "pdf" else {})
    fig.savefig(buffer, format=fmt, metadata=metadata, dpi=200 if fmt == "png" else 72)
    write_bytes_atomic(Path(path), buffer.getvalue())


def new_figure(figsize: tuple[float, float]) -> Figure:
    """A figure outside pyplot: no global figure registry to close, and pyplot's import (about
    0.3 s per figure worker) is skipped."""
    return Figure(figsize=figsize)
