"""Where the figures' font lives, found without importing matplotlib.

The figures are set in DejaVu Sans as shipped with matplotlib (``mpl-data/fonts/ttf``), the font
matplotlib measures text with. Typst (PDF) and the HTML font subset need that folder, but the
main process of ``hccmeta report`` never draws and must not pay ~0.35 s to import matplotlib
just to ask it where its data lives (``matplotlib.get_data_path()`` is the package folder's
``mpl-data``).
"""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=1)
def font_dir() -> Path:
    """matplotlib's ``mpl-data/fonts/ttf`` folder (DejaVu Sans, Bitstream Vera licence)."""
    spec = importlib.util.find_spec("matplotlib")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("matplotlib is not installed: reinstall hccmeta (make test)")
    return Path(next(iter(spec.submodule_search_locations))) / "mpl-data" / "fonts" / "ttf"
