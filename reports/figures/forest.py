"""Forest plot: one row per frame row, top to bottom, in the manner of metafor's ``forest()`` and
RevMan (Cochrane Handbook 10.11; Lewis & Clarke 2001, BMJ 322:1479).

Frame columns
-------------
kind : str
    ``header`` (bold label), ``study``, ``index`` (the index study: drawn apart, red diamond,
    never pooled), ``reference`` (a published pooled result), ``subgroup`` / ``overall``
    (diamonds), ``pi`` (prediction interval bar), ``note`` (italic text across the figure, e.g.
    the heterogeneity line or the test for subgroup differences).
label : str
    Row label, printed in full: wrapped to the label column, never cut.
left : str
    The n/N (events/total) column, or ``n = ...`` for medians.
criteria : str, optional
    Response criteria (RECIST 1.1, mRECIST) or AE grade band; the column is drawn when any row
    has one.
est, lb, ub : float
    Natural-scale estimate and interval (NaN where the row has none).
right, weight : str
    The "estimate [CI]" and the weight columns as printed.
w : float, optional
    Weight in percent: the area of a study's box is proportional to it (RevMan). Parsed from
    ``weight`` ("16.6%") when the column is absent.

The drawn frame adds ``y`` (inches from the bottom of the figure, centre of the row's first
line), ``lines`` (the label as wrapped, joined by newlines) and ``box`` (marker area in pt²);
``drawn.attrs`` holds ``width``/``height`` (inches) and ``panel_share`` (CI panel / width).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from reports.figures import style
from reports.figures.style import new_figure, text_width, wrap

COLUMNS = ("kind", "label", "left", "est", "lb", "ub", "right", "weight")
KINDS = {"header", "study", "index", "reference", "subgroup", "overall", "pi", "note"}
PANEL_SHARE = 0.46
"""Width of the CI panel as a share of the figure (metafor and RevMan give it about half)."""
MAX_BOX = 10.0
"""Side (pt) of the box of the heaviest study; others scale with sqrt(weight) (area ∝ weight)."""
SIZE = 7.5
"""Font size (pt) of the forest plot's text: with the CI panel at 46% the figure is about 8 in
wide, printed at about 6.9 in (A4 text width) in the PDF."""
LINE = 1.22 * SIZE / 72  # inches per text line
GAP = 0.09  # inches between columns
MIN_LABEL = 1.45  # inches
EDGE = 0.04  # inches of margin left and right


def _check(frame: pd.DataFrame) -> None:
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"forest frame: missing columns {', '.join(missing)}")
    bad = set(frame["kind"]) - KINDS
    if bad:
        raise ValueError(f"forest frame: unknown kinds {', '.join(sorted(bad))}")


def _weights(frame: pd.DataFrame) -> np.ndarray:
    if "w" in frame.columns:
        return frame["w"].to_numpy(float)
    parsed = pd.to_numeric(frame["weight"].astype(str).str.rstrip("%"), errors="coerce")
    return parsed.to_numpy(float)


def _col(texts: list[str], heading: str) -> float:
    widths = [text_width(t, SIZE) for t in texts if t] + [text_width(heading, SIZE, "bold")]
    return max(widths)


def _text(fig, x: float, y: float, s: str, **kw) -> None:
    if s:
        fig.text(x, y, s, transform=fig.dpi_scale_trans, va="center", parse_math=False,
                 fontsize=SIZE, **kw)


def plot_forest(frame: pd.DataFrame, path: Path | None = None, *, xlabel: str = "",
                log: bool = False, headings: tuple[str, str, str, str] = (
                    "Study", "n/N", "Estimate [95% CI]", "Weight"),
                criteria_heading: str = "Criteria", refline: float | None = None,
                width: float = 7.0) -> pd.DataFrame:
    """Draw a forest plot of ``frame`` (see module docstring) to ``path`` (.svg, .pdf or .png).

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per drawn row (see the module docstring).
    path : Path, optional
        Output file; the format follows the suffix (see :func:`reports.figures.style.save`).
    xlabel : str
        Axis label of the CI panel (printed literally: no mathtext).
    log : bool
        Log-scaled axis (ratios, medians).
    headings : tuple of str
        Headings of the label, n/N, estimate and weight columns.
    criteria_heading : str
        Heading of the criteria column (drawn when a row has criteria).
    refline : float, optional
        A vertical line of no effect (1 for ratios).
    width : float
        Figure width in inches; widened when the text columns need it, so that the CI panel
        keeps :data:`PANEL_SHARE` of the width and labels keep :data:`MIN_LABEL`.

    Returns
    -------
    pandas.DataFrame
        The frame drawn (a copy, with ``y``, ``lines`` and ``box`` added).
    """
    _check(frame)
    drawn = frame.reset_index(drop=True).copy()
    if "criteria" not in drawn.columns:
        drawn["criteria"] = ""
    drawn["criteria"] = drawn["criteria"].fillna("").astype(str)
    head_label, head_left, head_right, head_weight = headings
    has_crit = bool((drawn["criteria"] != "").any())
    w_left = _col(list(drawn["left"]), head_left)
    w_crit = _col(list(drawn["criteria"]), criteria_heading) if has_crit else 0.0
    w_right = _col(list(drawn["right"]), head_right)
    w_weight = _col(list(drawn["weight"]), head_weight)
    fixed = w_left + w_crit + w_right + w_weight + GAP * (4 + has_crit) + 2 * EDGE
    width = max(width, (fixed + MIN_LABEL) / (1 - PANEL_SHARE))
    panel = PANEL_SHARE * width
    w_label = width - panel - fixed

    # x positions (inches)
    x_label = EDGE
    x_left = x_label + w_label + GAP + w_left  # right-aligned
    x_crit = x_left + GAP  # left-aligned
    x_panel = x_left + GAP + (w_crit + GAP if has_crit else 0.0)
    x_right = x_panel + panel + GAP  # left-aligned
    x_weight = width - EDGE  # right-aligned

    # rows, top to bottom
    wrapped: list[list[str]] = []
    for row in drawn.itertuples():
        bold = row.kind in ("header", "overall", "index")
        italic = row.kind in ("note", "pi", "reference")
        span = w_label
        if row.kind == "note":
            span = x_panel + panel - x_label
        elif not row.left and not row.criteria:  # headers, subtotals: up to the CI panel
            span = x_panel - GAP - x_label
        indent = 0.1 if row.kind == "study" else 0.0
        wrapped.append(wrap(str(row.label), span - indent, SIZE, "bold" if bold else "normal",
                            style="italic" if italic else "normal"))
    top_pad, bottom_pad = 1.6 * LINE, 3.2 * LINE if xlabel else 2.4 * LINE
    tops, cursor = [], 0.0
    kinds = list(drawn["kind"])
    for i, lines in enumerate(wrapped):
        if i and kinds[i - 1] in ("index", "reference") and kinds[i] not in ("index",
                                                                             "reference"):
            cursor += 0.5 * LINE  # the index study and published results stand apart
        if i and kinds[i] == "overall":
            cursor += 0.3 * LINE
        tops.append(cursor)
        cursor += LINE * len(lines) + 0.25 * LINE
    body = cursor
    height = top_pad + body + bottom_pad
    ys = [height - top_pad - t - 0.5 * LINE for t in tops]
    drawn["y"] = ys
    drawn["lines"] = ["\n".join(lines) for lines in wrapped]

    fig = new_figure(figsize=(width, height))
    ax = fig.add_axes((x_panel / width, bottom_pad / height, panel / width, body / height))
    ax.set_ylim(bottom_pad, height - top_pad)  # panel data y == figure inches

    # headings and rule under them
    y_head = height - 0.75 * LINE
    _text(fig, x_label, y_head, head_label, ha="left", fontweight="bold")
    _text(fig, x_left, y_head, head_left, ha="right", fontweight="bold")
    if has_crit:
        _text(fig, x_crit, y_head, criteria_heading, ha="left", fontweight="bold")
    _text(fig, x_right, y_head, head_right, ha="left", fontweight="bold")
    _text(fig, x_weight, y_head, head_weight, ha="right", fontweight="bold")
    rule = height - 1.35 * LINE
    fig.add_artist(_hline(fig, x_label, width - EDGE, rule))

    weights = _weights(drawn)
    finite_w = weights[np.isfinite(weights) & (drawn["kind"].to_numpy() == "study")]
    w_max = float(finite_w.max()) if finite_w.size and finite_w.max() > 0 else 1.0
    boxes = []
    for i, row in enumerate(drawn.itertuples()):
        colour = style.INDEX if row.kind == "index" else (
            style.REFERENCE if row.kind == "reference" else "black")
        bold = "bold" if row.kind in ("header", "overall", "index") else "normal"
        italic = "italic" if row.kind in ("note", "pi", "reference") else "normal"
        indent = 0.1 if row.kind == "study" else 0.0
        for j, line in enumerate(wrapped[i]):
            _text(fig, x_label + indent, row.y - j * LINE, line, ha="left", color=colour,
                  fontweight=bold, fontstyle=italic)
        _text(fig, x_left, row.y, row.left, ha="right", color=colour)
        if has_crit:
            _text(fig, x_crit, row.y, row.criteria, ha="left", color=colour)
        _text(fig, x_right, row.y, row.right, ha="left", color=colour, fontweight=bold
              if row.kind == "overall" else "normal")
        _text(fig, x_weight, row.y, row.weight, ha="right", color=colour)
        boxes.append(_draw_row(ax, row, colour, weights[i], w_max))
    study = (drawn["kind"] == "study").to_numpy() & np.isfinite(np.asarray(boxes, float))
    if study.any():  # every study's box in one collection (one scatter per box cost ~4 ms)
        ax.scatter(drawn["est"][study], drawn["y"][study], s=np.asarray(boxes)[study],
                   marker="s", color="black", zorder=3, linewidths=0)
    drawn["box"] = boxes
    for row in drawn[drawn["kind"] == "index"].itertuples():
        if np.isfinite(row.est):
            ax.axvline(row.est, color=style.INDEX, lw=0.8, ls="--", zorder=1)
    if refline is not None:
        ax.axvline(refline, color="black", lw=0.6, zorder=1)
    _axis(ax, drawn, log, refline)
    ax.set_yticks([])
    ax.spines["left"].set_visible(False)
    ax.set_xlabel(xlabel, parse_math=False)
    drawn.attrs.update(width=width, height=height, panel_share=panel / width)
    style.save(fig, path)
    return drawn


def _hline(fig, x0: float, x1: float, y: float):
    from matplotlib.lines import Line2D

    return Line2D([x0, x1], [y, y], transform=fig.dpi_scale_trans, color="black", lw=0.6)


def _draw_row(ax, row, colour: str, weight: float, w_max: float) -> float:
    """Draw the graphical part of one row; returns the box area (pt²) or NaN."""
    est, lb, ub, y = row.est, row.lb, row.ub, row.y
    if row.kind == "pi":
        if np.isfinite(lb) and np.isfinite(ub):
            ax.plot([lb, ub], [y, y], color=style.PI, lw=2.2, zorder=2, solid_capstyle="butt")
        return float("nan")
    if not np.isfinite(est):
        return float("nan")
    if row.kind in ("subgroup", "overall"):
        h = 0.42 * LINE
        filled = row.kind == "overall"
        ax.fill([lb, est, ub, est, lb], [y, y + h, y, y - h, y],
                facecolor=style.POOLED if filled else "white", edgecolor=style.POOLED, lw=1,
                zorder=3)
        return float("nan")
    if np.isfinite(lb) and np.isfinite(ub):
        ax.plot([lb, ub], [y, y], color=colour, lw=1, zorder=2, solid_capstyle="butt")
    if row.kind == "study":  # the box: drawn with the other studies' by plot_forest
        share = weight / w_max if np.isfinite(weight) and weight > 0 else 0.25
        side = MAX_BOX * float(np.sqrt(share))
        return side ** 2
    marker, size = ("D", 6.5) if row.kind == "index" else ("^", 6.0)
    ax.scatter([est], [y], s=size ** 2, marker=marker, color=colour, zorder=4, linewidths=0)
    return size ** 2


def _axis(ax, drawn: pd.DataFrame, log: bool, refline: float | None) -> None:
    values = drawn[["est", "lb", "ub"]].to_numpy(float)
    finite = values[np.isfinite(values)]
    if log:
        finite = finite[finite > 0]
    if refline is not None:
        finite = np.append(finite, refline)
    if log:
        from matplotlib.ticker import LogLocator, NullFormatter, ScalarFormatter

        ax.set_xscale("log")
        ax.xaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 1.5, 2.0, 3.0, 5.0, 7.0)))
        ax.xaxis.set_major_formatter(ScalarFormatter())
        ax.xaxis.set_minor_formatter(NullFormatter())
    if finite.size:
        lo, hi = float(finite.min()), float(finite.max())
        if log:
            ax.set_xlim(lo / 1.08, hi * 1.08)
        else:
            pad = 0.04 * max(hi - lo, 1e-9)
            ax.set_xlim(lo - pad, hi + pad)
