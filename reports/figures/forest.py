"""Forest plot: one row per frame row, top to bottom.

Frame columns
-------------
kind : str
    ``header`` (bold label), ``study``, ``index`` (highlighted, not pooled), ``reference``
    (a published pooled result), ``subgroup`` / ``overall`` (diamonds), ``pi`` (prediction
    interval bar), ``note`` (italic text, e.g. the heterogeneity line).
label, left, right, weight : str
    Row label, the n/N (or median) column, the "estimate [CI]" column, the weight column.
est, lb, ub : float
    Natural-scale estimate and interval (NaN where the row has none).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.transforms import blended_transform_factory

from reports.figures import style
from reports.figures.style import new_figure

COLUMNS = ("kind", "label", "left", "est", "lb", "ub", "right", "weight")
KINDS = {"header", "study", "index", "reference", "subgroup", "overall", "pi", "note"}


def _check(frame: pd.DataFrame) -> None:
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"forest frame: missing columns {', '.join(missing)}")
    bad = set(frame["kind"]) - KINDS
    if bad:
        raise ValueError(f"forest frame: unknown kinds {', '.join(sorted(bad))}")


def _diamond(ax, y: float, est: float, lb: float, ub: float, filled: bool) -> None:
    xs, ys = [lb, est, ub, est, lb], [y, y + 0.32, y, y - 0.32, y]
    ax.fill(xs, ys, color=style.POOLED if filled else "white", edgecolor=style.POOLED, lw=1,
            zorder=3)


def plot_forest(frame: pd.DataFrame, path: Path | None = None, *, xlabel: str = "",
                log: bool = False, headings: tuple[str, str, str, str] = (
                    "Study", "n/N", "Estimate [95% CI]", "Weight")) -> pd.DataFrame:
    """Draw a forest plot of ``frame`` (see module docstring) to ``path`` (SVG).

    Returns
    -------
    pandas.DataFrame
        The frame drawn (a copy, with the ``y`` position of each row added).
    """
    _check(frame)
    drawn = frame.reset_index(drop=True).copy()
    n = len(drawn)
    drawn["y"] = np.arange(n, 0, -1, dtype=float)
    height = 0.2 * (n + 2) + 0.55
    fig = new_figure(figsize=(7.4, height))
    bottom = 0.45 / height
    ax = fig.add_axes((0.47, bottom, 0.27, 1 - bottom - 0.3 / height))
    text = blended_transform_factory(fig.transFigure, ax.transData)
    ax.set_ylim(0.4, n + 0.9)
    top = n + 0.75
    for x, head, ha in zip((0.005, 0.455, 0.755, 0.995), headings, ("left", "right", "left",
                                                                     "right"), strict=True):
        ax.text(x, top, head, transform=text, ha=ha, va="center", fontweight="bold")
    values = drawn[["est", "lb", "ub"]].to_numpy(float)
    finite = values[np.isfinite(values)]
    index_rows = drawn[drawn["kind"] == "index"]
    for row in drawn.itertuples():
        colour = style.INDEX if row.kind == "index" else (
            style.REFERENCE if row.kind == "reference" else "black")
        weight = "bold" if row.kind in ("header", "overall", "index") else "normal"
        fstyle = "italic" if row.kind in ("note", "pi", "reference") else "normal"
        ax.text(0.005 + (0.012 if row.kind == "study" else 0), row.y, row.label, transform=text,
                ha="left", va="center", color=colour, fontweight=weight, fontstyle=fstyle)
        for x, value, ha in ((0.455, row.left, "right"), (0.755, row.right, "left"),
                             (0.995, row.weight, "right")):
            if value:
                ax.text(x, row.y, value, transform=text, ha=ha, va="center", color=colour)
        if not np.isfinite(row.est) and row.kind != "pi":
            continue
        if row.kind in ("study", "index", "reference"):
            if np.isfinite(row.lb) and np.isfinite(row.ub):
                ax.plot([row.lb, row.ub], [row.y, row.y], color=colour, lw=1, zorder=2)
            marker = {"study": "s", "index": "D", "reference": "^"}[row.kind]
            ax.plot([row.est], [row.y], marker=marker, color=colour, ms=5 if row.kind ==
                    "study" else 6, zorder=3, ls="none")
        elif row.kind in ("subgroup", "overall"):
            _diamond(ax, row.y, row.est, row.lb, row.ub, row.kind == "overall")
        elif row.kind == "pi" and np.isfinite(row.lb):
            ax.plot([row.lb, row.ub], [row.y, row.y], color=style.PI, lw=2.2, zorder=2,
                    solid_capstyle="butt")
    for row in index_rows.itertuples():
        if np.isfinite(row.est):
            ax.axvline(row.est, color=style.INDEX, lw=0.8, ls="--", zorder=1)
    if log:
        from matplotlib.ticker import LogLocator, NullFormatter, ScalarFormatter

        ax.set_xscale("log")
        ax.xaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 1.5, 2.0, 3.0, 5.0, 7.0)))
        ax.xaxis.set_major_formatter(ScalarFormatter())
        ax.xaxis.set_minor_formatter(NullFormatter())
    if finite.size:
        lo, hi = float(finite.min()), float(finite.max())
        if log:
            ax.set_xlim(lo / 1.15, hi * 1.15)
        else:
            pad = 0.06 * max(hi - lo, 1e-9)
            ax.set_xlim(lo - pad, hi + pad)
    ax.set_yticks([])
    ax.spines["left"].set_visible(False)
    ax.set_xlabel(xlabel)
    style.save(fig, path)
    return drawn
