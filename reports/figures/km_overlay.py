"""Overlay of a reconstruction: digitized clicks and the KM curve of the pseudo-IPD.

The check a reviewer looks at first (Guyot et al. 2012, BMC Med Res Methodol 12:9, Figure 3):
the reconstructed step curve should pass through the digitized points. Like every hccmeta figure,
:func:`km_overlay_frame` builds the tidy frame and :func:`plot_km_overlay` draws exactly that
frame and returns it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from extraction.km import KMDiagnostics


def km_overlay_frame(diag: KMDiagnostics) -> pd.DataFrame:
    """Tidy frame: ``series`` (digitized | reconstructed | at risk), ``time``, ``survival``,
    ``label`` (the legend / annotation text), ``value`` (numbers at risk, else NaN)."""
    dev = f"max |ΔS| {diag.max_abs_dev:.3f}"
    pts = pd.DataFrame({"series": "digitized", "time": diag.points_time,
                        "survival": diag.points_survival,
                        "label": f"digitized ({diag.points_time.size} points)", "value": np.nan})
    end = float(max(diag.points_time.max(), diag.km.time.max()))
    km_t = np.append(diag.km.time, end)
    km_s = np.append(diag.km.surv, diag.km.surv[-1])
    km = pd.DataFrame({"series": "reconstructed", "time": km_t, "survival": km_s,
                       "label": f"pseudo-IPD KM (N={diag.n_reconstructed}, "
                                f"{diag.events_reconstructed} events; {dev})", "value": np.nan})
    parts = [pts, km]
    if diag.risk_time.size > 1:
        parts.append(pd.DataFrame({
            "series": "at risk", "time": diag.risk_time, "survival": np.nan,
            "label": [f"{p}/{r}" for p, r in zip(diag.risk_published, diag.risk_reconstructed,
                                                 strict=True)],
            "value": diag.risk_reconstructed.astype(float)}))
    return pd.concat(parts, ignore_index=True)


def plot_km_overlay(diag: KMDiagnostics, target: Path, title: str = "") -> pd.DataFrame:
    """Draw the overlay to ``target`` (format from the suffix: .png, .svg, .pdf).

    Numbers at risk are printed under the axis as published/reconstructed. Returns the frame
    drawn. The file is written atomically.
    """
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from reports.atomic import write_bytes_atomic

    frame = km_overlay_frame(diag)
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    pts = frame[frame.series == "digitized"]
    km = frame[frame.series == "reconstructed"]
    ax.step(km.time, km.survival, where="post", color="#1f4e79", lw=1.4, label=km.label.iloc[0])
    ax.plot(pts.time, pts.survival, "o", ms=3, mfc="none", color="#c0392b",
            label=pts.label.iloc[0])
    risk = frame[frame.series == "at risk"]
    for t, text in zip(risk.time, risk.label, strict=True):
        ax.annotate(text, (t, 0), xytext=(0, -36), textcoords="offset points", ha="center",
                    fontsize=7, annotation_clip=False, parse_math=False)
    if len(risk):
        ax.annotate("at risk (published/reconstructed)", (0, 0), xytext=(0, -48),
                    textcoords="offset points", fontsize=7, annotation_clip=False)
    ax.set_ylim(0, 1.02)
    ax.set_xlim(left=0)
    ax.set_xlabel("months", labelpad=1)
    ax.set_ylabel("survival")
    if title:
        ax.set_title(title, fontsize=10, parse_math=False)
    legend = ax.legend(fontsize=7, loc="upper right", frameon=False)
    for text in legend.get_texts():  # user strings (file names, labels) are drawn literally
        text.set_parse_math(False)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format=target.suffix.lstrip(".") or "png", dpi=150)
    plt.close(fig)
    write_bytes_atomic(target, buf.getvalue())
    return frame
