"""KM overlay of a comparator group: historical arms' curves, the pooled curve with its bands,
and the index study's reported median as a point with its interval.

:func:`km_benchmark_frame` builds the tidy frame (labels and values together);
:func:`plot_km_benchmark` draws exactly that frame and returns it (SVG or PDF by the file's
suffix; PNG for looking at it). Frame columns:

layer : str
    ``arm`` (a historical arm's Kaplan–Meier step curve from its IPD, thin line), ``assumed``
    (an exponential curve through a reported median, for an arm without IPD: an ASSUMPTION,
    dotted, and said so in the legend and in a note on the axes), ``pooled`` (pooled curve;
    ``lower``/``upper`` its confidence band), ``pi`` (prediction band in ``lower``/``upper``),
    ``index`` (one row: the index median at S = 0.5, its interval in ``time_lower`` /
    ``time_upper``), ``at_risk`` (numbers at risk summed over the historical arms, in
    ``value``), ``note`` (text shown on the axes).
curve, label : str
    Curve id and its legend text (user strings are drawn with ``parse_math=False``).
time, survival, lower, upper, time_lower, time_upper, value : float
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from reports.figures import style
from reports.figures.km_frame import (  # noqa: F401  (re-exported: the frame API lives there)
    ASSUMPTION_NOTE,
    COLUMNS,
    LAYERS,
    _fmt,
    km_benchmark_frame,
)
from reports.figures.style import new_figure


def draw_km_benchmark(frame: pd.DataFrame, *, title: str = "",
                      ylabel: str = "overall survival") -> Figure:
    """The figure of ``frame`` (see the module docstring), laid out so no label is cut."""
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"km benchmark frame: missing columns {', '.join(missing)}")
    bad = set(frame["layer"]) - set(LAYERS)
    if bad:
        raise ValueError(f"km benchmark frame: unknown layers {', '.join(sorted(bad))}")
    risk = frame[frame.layer == "at_risk"]
    entries = frame[frame.layer.isin(["arm", "assumed", "pooled", "pi", "index"])
                    ].drop_duplicates(["layer", "curve"]).label.tolist()
    ncols = 2 if len(entries) > 6 else 1
    wrapped = {e: textwrap.fill(e, 104 // ncols - 6) for e in entries}
    per_col = [0] * ncols
    for i, e in enumerate(entries):  # column-major, as matplotlib fills legend columns
        per_col[min(i // max(1, math.ceil(len(entries) / ncols)), ncols - 1)] += \
            wrapped[e].count("\n") + 1
    legend_h = 0.13 * max(per_col, default=0) + 0.15
    # fixed layout in inches (no layout engine: constrained layout lays the long legend out
    # twice and doubled the drawing time): legend, x labels, numbers at risk, axes, title
    risk_h = 0.32 if len(risk) else 0.0
    width, axes_h, top = 6.6, 3.1, 0.12 + (0.22 if title else 0.0)
    bottom = legend_h + 0.55
    height = bottom + risk_h + axes_h + top
    left = 1.3 if len(risk) else 0.6
    fig = new_figure(figsize=(width, height))
    w = (width - left - 0.15) / width
    ax = fig.add_axes((left / width, (bottom + risk_h) / height, w, axes_h / height))
    ax_risk = None
    if len(risk):
        ax_risk = fig.add_axes((left / width, bottom / height, w, (risk_h - 0.04) / height),
                               sharex=ax)
        ax.tick_params(labelbottom=False)
    arms = frame[frame.layer == "arm"]
    palette = _palette(arms.curve.nunique())
    for colour, (_name, part) in zip(palette, arms.groupby("curve", sort=False), strict=True):
        ax.step(part.time, part.survival, where="post", lw=0.7, alpha=0.85, color=colour,
                label=part.label.iloc[0])
    for _, part in frame[frame.layer == "assumed"].groupby("curve", sort=False):
        ax.plot(part.time, part.survival, ls=":", lw=1.1, color=style.APPROX,
                label=part.label.iloc[0])
    pi = frame[frame.layer == "pi"]
    if len(pi):
        ax.fill_between(pi.time, pi.lower, pi.upper, step=None, color=style.PI, alpha=0.15,
                        lw=0, label=pi.label.iloc[0])
    pooled = frame[frame.layer == "pooled"]
    if len(pooled):
        ax.fill_between(pooled.time, pooled.lower, pooled.upper, color=style.POOLED, alpha=0.3,
                        lw=0)
        ax.plot(pooled.time, pooled.survival, color=style.POOLED, lw=2.0,
                label=pooled.label.iloc[0])
    ax.axhline(0.5, color="#999999", lw=0.6, ls="--", zorder=0)
    for _, row in frame[frame.layer == "index"].iterrows():
        lo = row.time - row.time_lower if np.isfinite(row.time_lower) else 0.0
        hi = row.time_upper - row.time if np.isfinite(row.time_upper) else 0.0
        ax.errorbar([row.time], [0.5], xerr=[[lo], [hi]], fmt="D", ms=6, color=style.INDEX,
                    capsize=3, lw=1.4, zorder=5, label=row.label)
        if np.isfinite(row.time_lower) != np.isfinite(row.time_upper):  # a bound not reached
            way = 1.0 if np.isfinite(row.time_lower) else -1.0  # open to the right (NR) or left
            span = 0.08 * float(np.nanmax(frame.time))
            ax.annotate("", (row.time + way * span, 0.5), (row.time, 0.5),
                        arrowprops={"arrowstyle": "->", "color": style.INDEX, "lw": 1.4})
    for _, row in frame[frame.layer == "note"].iterrows():
        ax.text(0.99, 0.98, row.label, transform=ax.transAxes, ha="right", va="top",
                fontsize=6.5, color="#555555", parse_math=False, wrap=True,
                bbox={"boxstyle": "round,pad=0.25", "fc": "white", "ec": "#bbbbbb", "lw": 0.5})
    ax.set_ylim(0, 1.02)
    ax.set_xlim(0, float(np.nanmax(frame.time)) * 1.02 if frame.time.notna().any() else 1)
    ax.set_ylabel(ylabel, parse_math=False)
    if title:
        ax.set_title(title, fontsize=9, parse_math=False)
    if ax_risk is not None:
        ax_risk.set_ylim(0, 1)
        ax_risk.set_yticks([0.5], [risk.label.iloc[0]])
        ax_risk.tick_params(axis="y", left=False, pad=14)
        for side in ("left", "top", "right"):
            ax_risk.spines[side].set_visible(False)
        for t, v in zip(risk.time, risk.value, strict=True):
            ax_risk.text(t, 0.5, f"{v:.0f}", ha="center", va="center", fontsize=6.5,
                         parse_math=False)
        ax_risk.set_xlabel("months")
    else:
        ax.set_xlabel("months")
    handles, labels = ax.get_legend_handles_labels()
    legend = fig.legend(handles, [wrapped.get(x, x) for x in labels], loc="lower center",
                        bbox_to_anchor=(0.5, 0.05 / height), ncols=ncols, fontsize=6.5,
                        frameon=False)
    for text in legend.get_texts():
        text.set_parse_math(False)
    for axis in (ax, ax_risk):
        if axis is not None:
            for text in axis.get_yticklabels():
                text.set_parse_math(False)
    return fig


def _palette(n: int) -> list:
    from matplotlib import colormaps

    cmap = colormaps["tab20"]
    return [cmap(i % 20) for i in range(n)]


def plot_km_benchmark(frame: pd.DataFrame, path: Path | None = None, *, title: str = "",
                      ylabel: str = "overall survival") -> pd.DataFrame:
    """Draw ``frame`` to ``path`` (.svg or .pdf, vector; .png for previews), atomically;
    returns the frame drawn."""
    fig = draw_km_benchmark(frame, title=title, ylabel=ylabel)
    style.save(fig, path)  # SVG (text as text), PDF or PNG, as every report figure
    return frame.reset_index(drop=True)


def km_group_figure(path: Path | None, arms: Mapping[str, tuple[Sequence[float], Sequence[int]]],
                    *, curve=None, index_median: float | None = None,
                    index_interval: tuple[float, float] | None = None,
                    index_label: str = "index", interval_label: str = "95% CI",
                    assumed: Mapping[str, float] | None = None, title: str = "",
                    ylabel: str = "overall survival", level: float = 95.0,
                    risk_step: float | None = 6.0, t_max: float | None = None
                    ) -> pd.DataFrame:
    """The report's KM figure of one comparator group and endpoint; returns the frame drawn.

    The call the report layer makes per comparator group: real Kaplan–Meier curves for the arms
    with IPD (``arms``) with the pooled curve and its bands; exponential curves through reported
    medians only for arms WITHOUT IPD (``assumed``), labelled as assumptions in the figure
    itself. Where every arm has IPD, pass no ``assumed``: no exponential picture is drawn.
    Numbers at risk (summed over the arms) every ``risk_step`` months; None for none. Pass
    ``curve`` (e.g. ``group_survival(...).curve``) to draw an already pooled curve.
    """
    risk_times = None
    if arms and risk_step:
        end = t_max or max(float(np.max(t)) for t, _ in arms.values())
        risk_times = list(np.arange(0.0, end + 1e-9, risk_step))
    frame = km_benchmark_frame(arms, curve, index_median=index_median,
                               index_interval=index_interval,
                               index_label=index_label, interval_label=interval_label,
                               assumed=assumed, risk_times=risk_times,
                               level=level, t_max=t_max)
    return plot_km_benchmark(frame, path, title=title, ylabel=ylabel)
