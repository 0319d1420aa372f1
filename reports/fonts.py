"""Where the figures' font lives, found without importing matplotlib.

The figures are set in DejaVu Sans as shipped with matplotlib (``mpl-data/fonts/ttf``), the font
matplotlib measures text with. Typst (PDF) and the HTML font subset need that folder, but the
main process of ``hccmeta report`` never draws and must not pay ~0.35 s to import matplotlib
just to ask it where its data lives (``matplotlib.get_data_path()`` is the package folder's
``mpl-data``).
"""

from __future__ import annotations

import importlib.util
import io
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any


@lru_cache(maxsize=1)
def font_dir() -> Path:
    """matplotlib's ``mpl-data/fonts/ttf`` folder (DejaVu Sans, Bitstream Vera licence)."""
    spec = importlib.util.find_spec("matplotlib")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("matplotlib is not installed: reinstall hccmeta (make test)")
    return Path(next(iter(spec.submodule_search_locations))) / "mpl-data" / "fonts" / "ttf"


BASE_CHARS = frozenset(chr(c) for lo, hi in (
    (0x20, 0x7F), (0xA0, 0x100),  # ASCII, Latin-1
    (0x370, 0x400),  # Greek (tau, mu, chi...)
    (0x2010, 0x20A0),  # dashes, quotes, daggers, super- and subscripts
    (0x2190, 0x2300),  # arrows, mathematical operators (<=, >=, minus, sqrt)
) for c in range(lo, hi))
"""The characters of a face's first subset in a process (:func:`_base`); later subsets whose
characters all lie here start from it instead of the whole font."""


def _subset(font: Any, chars: Iterable[str], flavor: str | None) -> bytes:
    import logging

    from fontTools import subset

    logging.getLogger("fontTools.subset").setLevel(logging.ERROR)
    options = subset.Options()
    options.flavor = flavor
    options.layout_features = ["kern"]  # matplotlib measured the text with kerning
    sub = subset.Subsetter(options)
    sub.populate(text="".join(sorted(set(chars))))
    sub.subset(font)
    buffer = io.BytesIO()
    font.flavor = flavor
    font.save(buffer)
    return buffer.getvalue()


@lru_cache(maxsize=8)
def _base(name: str) -> bytes:
    """The face ``name`` subset to :data:`BASE_CHARS` (TrueType), made once per process:
    subsetting starts by decompiling the whole font's layout tables (~0.1 s a face), which a
    process building many reports (the test suite) then pays once."""
    from fontTools.ttLib import TTFont

    return _subset(TTFont(font_dir() / name), BASE_CHARS, None)


def subset_woff(name: str, chars: Iterable[str]) -> bytes:
    """The face ``name`` (a file of :func:`font_dir`) subset to ``chars`` and a space, as WOFF,
    kerning kept. Starts from :func:`_base` when every character lies in :data:`BASE_CHARS`
    (the same glyphs and kerning pairs), else from the whole font."""
    return _subset_woff(name, frozenset(chars) | {" "})


@lru_cache(maxsize=32)
def _subset_woff(name: str, wanted: frozenset[str]) -> bytes:
    """:func:`subset_woff`, remembered per process: a process that builds many reports of
    similar libraries (the test suite) asks for the same subsets again (~60 ms a face)."""
    from fontTools.ttLib import TTFont

    source = (TTFont(io.BytesIO(_base(name))) if wanted <= BASE_CHARS
              else TTFont(font_dir() / name))
    return _subset(source, wanted, "woff")
