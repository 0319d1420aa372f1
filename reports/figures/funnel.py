"""Funnel plot with Egger's regression line and trim-and-fill imputed studies.

Frame columns: ``label``, ``yi``, ``sei`` (analysis scale), ``kind`` (``study`` or ``filled``).
Arguments: the pooled estimate ``centre`` the funnel is drawn around (with its pseudo-confidence
region ``centre ± z·se``, Sterne & Egger 2001, J Clin Epidemiol 54:1046), and Egger's regression
``yi = limit + slope * sei`` as ``egger=(limit, slope)`` for the dashed line. Text is literal
(no mathtext).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from reports.figures import style
from reports.figures.style import new_figure


def plot_funnel(frame: pd.DataFrame, path: Path | None = None, *, centre: float,
                egger: tuple[float, float] | None = None, xlabel: str = "",
                level: float = 95.0) -> pd.DataFrame:
    """Draw the funnel of ``frame`` around ``centre``; returns the frame drawn."""
    for col in ("label", "yi", "sei", "kind"):
        if col not in frame.columns:
            raise ValueError(f"funnel frame: missing column {col}")
    drawn = frame.reset_index(drop=True).copy()
    fig = new_figure(figsize=(4.2, 3.2))
    ax = fig.subplots()
    fig.subplots_adjust(left=0.15, right=0.97, top=0.96, bottom=0.15)
    smax = float(drawn["sei"].max()) * 1.1 if len(drawn) else 1.0
    se = np.linspace(0, smax, 50)
    from meta.level import critical_value

    z = critical_value(level)
    ax.fill_betweenx(se, centre - z * se, centre + z * se, color="#ecf0f1", zorder=0,
                     label=f"{level:g}% pseudo-confidence region")
    ax.axvline(centre, color=style.POOLED, lw=0.8, label="pooled estimate")
    for kind, marker, colour in (("study", "o", style.STUDY), ("filled", "o", "white")):
        part = drawn[drawn["kind"] == kind]
        ax.scatter(part["yi"], part["sei"], marker=marker, facecolor=colour,
                   edgecolor=style.STUDY, s=22, zorder=3,
                   label="studies" if kind == "study" else "trim-and-fill imputed")
    if egger is not None:
        limit, slope = egger
        s = np.linspace(0, smax, 50)
        ax.plot(limit + slope * s, s, color=style.INDEX, lw=0.9, ls="--", label="Egger regression")
    ax.set_ylim(smax, 0)
    ax.set_xlabel(xlabel, parse_math=False)
    ax.set_ylabel("standard error")
    legend = ax.legend(frameon=False, fontsize=6.5, loc="best")
    for text in legend.get_texts():
        text.set_parse_math(False)
    style.save(fig, path)
    return drawn
