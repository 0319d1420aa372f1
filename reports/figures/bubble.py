"""Bubble plot of a meta-regression: studies sized by weight, the fitted line, the index study.

Frame columns: ``label``, ``x`` (moderator, %), ``y`` (natural scale), ``size`` (weight, %),
``kind`` (``study``, ``fit`` (points of the fitted line), ``index``).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from reports.figures import style
from reports.figures.style import new_figure


def plot_bubble(frame: pd.DataFrame, path: Path | None = None, *, xlabel: str = "",
                ylabel: str = "") -> pd.DataFrame:
    """Draw the bubble plot of ``frame``; returns the frame drawn."""
    for col in ("label", "x", "y", "size", "kind"):
        if col not in frame.columns:
            raise ValueError(f"bubble frame: missing column {col}")
    drawn = frame.reset_index(drop=True).copy()
    fig = new_figure(figsize=(4.6, 3.2))
    ax = fig.subplots()
    fig.subplots_adjust(left=0.15, right=0.95, top=0.95, bottom=0.15)
    studies = drawn[drawn["kind"] == "study"]
    ax.scatter(studies["x"], studies["y"], s=20 + 8 * studies["size"], facecolor="none",
               edgecolor=style.STUDY, zorder=3)
    fit = drawn[drawn["kind"] == "fit"].sort_values("x")
    ax.plot(fit["x"], fit["y"], color=style.POOLED, lw=1)
    index = drawn[drawn["kind"] == "index"]
    ax.scatter(index["x"], index["y"], marker="D", color=style.INDEX, s=30, zorder=4)
    for row in index.itertuples():
        ax.annotate(row.label, (row.x, row.y), xytext=(4, 4), textcoords="offset points",
                    color=style.INDEX, fontsize=7)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    style.save(fig, path)
    return drawn
