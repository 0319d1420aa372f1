"""Bubble plot of a meta-regression: studies sized by weight, the fitted line with its confidence
band, the index study at its covariate value with its interval (metafor's ``regplot()``).

Frame columns
-------------
label : str
    Study label (``fit`` rows: any text).
x : float
    Moderator value (e.g. % of patients with portal vein tumour thrombosis).
y : float
    Natural-scale outcome (study estimate, fitted value, index estimate).
size : float
    Study weight in percent (random-effects weights ``1/(vi + tau²)``); bubble AREA is
    proportional to it. 0 for ``fit`` and ``index`` rows.
kind : str
    ``study``, ``fit`` (points of the fitted line, drawn in x order) or ``index``.
lb, ub : float, optional
    For ``fit`` rows the confidence band of the fitted line, for the ``index`` row its
    confidence interval (drawn as a vertical bar); NaN or absent: not drawn.

The drawn frame adds ``area`` (marker area in pt²). All text is literal (no mathtext).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from reports.figures import style
from reports.figures.style import new_figure

MAX_AREA = 320.0
"""Area (pt²) of the heaviest study's bubble; the others scale linearly with weight."""


def plot_bubble(frame: pd.DataFrame, path: Path | None = None, *, xlabel: str = "",
                ylabel: str = "", level: float = 95.0) -> pd.DataFrame:
    """Draw the bubble plot of ``frame`` (see the module docstring); returns the frame drawn."""
    for col in ("label", "x", "y", "size", "kind"):
        if col not in frame.columns:
            raise ValueError(f"bubble frame: missing column {col}")
    drawn = frame.reset_index(drop=True).copy()
    lb = drawn["lb"].to_numpy(float) if "lb" in drawn else np.full(len(drawn), np.nan)
    ub = drawn["ub"].to_numpy(float) if "ub" in drawn else np.full(len(drawn), np.nan)
    fig = new_figure(figsize=(4.6, 3.2))
    ax = fig.subplots()
    fig.subplots_adjust(left=0.14, right=0.97, top=0.95, bottom=0.15)
    kind = drawn["kind"].to_numpy()
    studies = kind == "study"
    sizes = drawn["size"].to_numpy(float)
    top = sizes[studies].max() if studies.any() and sizes[studies].max() > 0 else 1.0
    area = np.where(studies, MAX_AREA * sizes / top, np.nan)
    drawn["area"] = area
    fit = np.flatnonzero(kind == "fit")
    fit = fit[np.argsort(drawn["x"].to_numpy(float)[fit], kind="stable")]
    if fit.size:
        band = np.isfinite(lb[fit]) & np.isfinite(ub[fit])
        if band.any():
            ax.fill_between(drawn["x"].to_numpy(float)[fit][band], lb[fit][band], ub[fit][band],
                            color=style.BAND, lw=0, zorder=1, label=f"{level:g}% CI of the fit")
        ax.plot(drawn["x"].to_numpy(float)[fit], drawn["y"].to_numpy(float)[fit],
                color=style.POOLED, lw=1, zorder=2, label="meta-regression")
    if studies.any():
        ax.scatter(drawn.loc[studies, "x"], drawn.loc[studies, "y"], s=area[studies],
                   facecolor=style.STUDY, alpha=0.35, edgecolor=style.STUDY, lw=0.8, zorder=3,
                   label="studies (area ∝ weight)")
    for i in np.flatnonzero(kind == "index"):
        x, y = float(drawn.at[i, "x"]), float(drawn.at[i, "y"])
        if np.isfinite(lb[i]) and np.isfinite(ub[i]):
            ax.plot([x, x], [lb[i], ub[i]], color=style.INDEX, lw=1.2, zorder=4)
        ax.scatter([x], [y], marker="D", color=style.INDEX, s=36, zorder=5,
                   label="index study (not in the fit)")
        ax.annotate(str(drawn.at[i, "label"]), (x, y), xytext=(5, 4),
                    textcoords="offset points", color=style.INDEX, fontsize=7,
                    parse_math=False)
    ax.set_xlabel(xlabel, parse_math=False)
    ax.set_ylabel(ylabel, parse_math=False)
    if len(drawn):
        legend = ax.legend(frameon=False, fontsize=6.5, loc="best")
        for text in legend.get_texts():
            text.set_parse_math(False)
        for handle in legend.legend_handles:  # one legend bubble of a middle size
            if hasattr(handle, "set_sizes"):
                handle.set_sizes([40.0])
    style.save(fig, path)
    return drawn
