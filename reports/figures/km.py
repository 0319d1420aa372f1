"""Kaplan–Meier overlays: step curves from a long frame, one curve per ``curve`` value.

Frame columns: ``curve`` (label), ``time`` (months), ``survival`` (0-1), ``kind``
(``reconstructed`` from digitized curves, ``approximate`` (exponential through a reported
median, dotted; its label must say so), ``index`` or ``index_approximate``). Reconstructed and
approximate curves are never drawn in one figure (:func:`plot_km` refuses).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from reports.figures import style
from reports.figures.style import new_figure

ASSUMPTION_NOTE = ("dotted: exponential through a reported median, an ASSUMPTION "
                   "(constant hazard), not data")
STYLES = {"reconstructed": ("-", 1.2), "approximate": (":", 1.1), "index": ("-", 1.6),
          "index_approximate": (":", 1.8)}


def plot_km(frame: pd.DataFrame, path: Path | None = None, *, ylabel: str = "survival",
            title: str = "") -> pd.DataFrame:
    """Draw every curve of ``frame``; returns the frame drawn."""
    for col in ("curve", "time", "survival", "kind"):
        if col not in frame.columns:
            raise ValueError(f"km frame: missing column {col}")
    bad = set(frame["kind"]) - set(STYLES)
    if bad:
        raise ValueError(f"km frame: unknown kinds {', '.join(sorted(bad))}")
    approx = frame["kind"].isin(["approximate", "index_approximate"])
    if approx.any() and not approx.all():
        raise ValueError("km frame: approximate and reconstructed curves in one figure")
    drawn = frame.reset_index(drop=True).copy()
    n_curves = drawn["curve"].nunique()
    height = 2.6 + 0.15 * n_curves
    fig = new_figure(figsize=(6.4, height))
    ax = fig.subplots()
    fig.subplots_adjust(left=0.1, right=0.97, top=1 - 0.2 / height,
                        bottom=(0.75 + 0.15 * n_curves) / height)
    for curve, part in drawn.groupby("curve", sort=False):
        kind = part["kind"].iloc[0]
        ls, lw = STYLES[kind]
        colour = style.INDEX if kind.startswith("index") else None
        ax.step(part["time"], part["survival"], where="post", ls=ls, lw=lw, color=colour,
                label=str(curve))
    if approx.any():  # said in the figure itself, not only in the caption
        ax.text(0.99, 0.98, ASSUMPTION_NOTE, transform=ax.transAxes, ha="right", va="top",
                fontsize=6.5, color="#555555", parse_math=False)
    ax.set_ylim(0, 1.02)
    ax.set_xlim(left=0)
    ax.set_xlabel("months")
    ax.set_ylabel(ylabel, parse_math=False)
    if title:
        ax.set_title(title, fontsize=8, parse_math=False)
    legend = ax.legend(frameon=False, fontsize=6.5, loc="upper left", ncols=1,
                       bbox_to_anchor=(0.0, -0.5 / (height - 0.95 - 0.15 * n_curves)))
    for text in legend.get_texts():
        text.set_parse_math(False)
    style.save(fig, path)
    return drawn
