"""The tidy frame of a comparator group's KM overlay (no matplotlib here: the report builds
frames in its main process and the figure workers draw them with
:func:`reports.figures.km_benchmark.plot_km_benchmark`). Columns and layers:
see :mod:`reports.figures.km_benchmark`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

COLUMNS = ("layer", "curve", "label", "time", "survival", "lower", "upper", "time_lower",
           "time_upper", "value")
LAYERS = ("arm", "assumed", "pooled", "pi", "index", "at_risk", "note")
ASSUMPTION_NOTE = ("dotted: exponential curves through reported medians, an ASSUMPTION "
                   "(constant hazard), not data")


def _rows(layer: str, curve: str, label: str, **cols) -> pd.DataFrame:
    n = max((np.size(v) for v in cols.values()), default=1)
    data = {c: np.full(n, np.nan) for c in COLUMNS[3:]}
    for c, v in cols.items():
        data[c] = np.broadcast_to(np.asarray(v, dtype=float), (n,)).copy()
    return pd.DataFrame({"layer": layer, "curve": curve, "label": label, **data})


def km_benchmark_frame(arms: Mapping[str, tuple[Sequence[float], Sequence[int]]],
                       curve=None, *, index_median: float | None = None,
                       index_interval: tuple[float, float] | None = None,
                       index_label: str = "index", interval_label: str = "95% CI",
                       assumed: Mapping[str, float] | None = None,
                       risk_times: Sequence[float] | None = None, level: float = 95.0,
                       t_max: float | None = None) -> pd.DataFrame:
    """The tidy frame of a comparator group's KM overlay.

    Parameters
    ----------
    arms : mapping of str to (time, event)
        Historical arms with IPD (months; 1 event, 0 censored); keys are the legend labels.
    curve : meta.survival.PooledCurve, optional
        The pooled curve; computed by :func:`meta.survival.pooled_km_curve` when omitted and
        there are at least two arms.
    index_median : float, optional
        The index study's reported median (months), drawn at S = 0.5.
    index_interval : (float, float), optional
        Its interval (months), e.g. from the index-uncertainty analysis; NaN bounds allowed.
    index_label, interval_label : str
        Legend text of the index point and the name of its interval.
    assumed : mapping of str to float, optional
        Arms without IPD: label -> reported median (months); drawn as exponential curves
        S(t) = 2^(−t/median) and labelled as assumptions.
    risk_times : sequence of float, optional
        Times (months) at which the numbers at risk summed over the arms are shown.
    level : float
        Level (percent) of the pooled curve's bands.
    t_max : float, optional
        Right end of the time axis (months); default the arms' longest follow-up.
    """
    from meta.survival import kaplan_meier, pooled_km_curve

    parts = []
    fits = {a: kaplan_meier(t, e) for a, (t, e) in arms.items()}
    end = t_max or max((float(f.time[-1]) for f in fits.values()), default=36.0)
    for a, f in fits.items():
        t = np.concatenate(([0.0], f.time))
        s = np.concatenate(([1.0], f.surv))
        t, s = t[t <= end], s[t <= end]
        # a step curve drawn "post" only changes where S drops: censoring-only times are
        # dropped (the drawing is identical; SVG and PDF are 3-5x smaller), the last kept
        steps = np.ones(t.size, dtype=bool)
        steps[1:-1] = s[1:-1] != s[:-2]
        parts.append(_rows("arm", a, f"{a} (n={int(f.n_risk[0])})", time=t[steps],
                           survival=s[steps]))
    if assumed:
        grid = np.linspace(0.0, end, 121)
        for a, m in assumed.items():
            if not (m and m > 0):
                raise ValueError(f"assumed[{a!r}]: expected a median in months > 0, got {m}")
            parts.append(_rows("assumed", a, f"{a}: exponential through reported median "
                               f"{m:g} mo (ASSUMPTION, not data)", time=grid,
                               survival=np.power(2.0, -grid / m)))
        parts.append(_rows("note", "assumption", ASSUMPTION_NOTE))
    if curve is None and len(fits) >= 2:
        curve = pooled_km_curve(arms, level=level)
    if curve is not None:
        ok = np.isfinite(curve.surv) & (curve.time <= end)
        parts.append(_rows("pooled", "pooled", f"pooled curve ({curve.n_arms} arms, random "
                           f"effects on the {curve.scale} scale) with {curve.level:g}% CI",
                           time=curve.time[ok], survival=curve.surv[ok], lower=curve.ci_lb[ok],
                           upper=curve.ci_ub[ok], value=curve.k[ok]))
        parts.append(_rows("pi", "pooled", f"{curve.level:g}% prediction band (a new arm)",
                           time=curve.time[ok], lower=curve.pi_lb[ok], upper=curve.pi_ub[ok]))
    if index_median is not None:
        lo, hi = index_interval if index_interval is not None else (math.nan, math.nan)
        text = f"{index_label}: reported median {index_median:.1f} mo"
        if np.isfinite(lo) or np.isfinite(hi):
            text += f" ({interval_label} {_fmt(lo)}–{_fmt(hi)})"
        parts.append(_rows("index", "index", text, time=index_median, survival=0.5,
                           time_lower=lo, time_upper=hi))
    if risk_times is not None and fits:
        rt = np.asarray([t for t in risk_times if t <= end], dtype=float)
        total = np.zeros(rt.size)
        for f in fits.values():
            nxt = np.searchsorted(f.time, rt, side="left")
            total += np.where(nxt < f.time.size, f.n_risk[np.minimum(nxt, f.time.size - 1)], 0)
        parts.append(_rows("at_risk", "at risk", "at risk (all arms)", time=rt, value=total))
    if not parts:
        raise ValueError("arms: expected at least one arm, an assumed curve or an index median")
    return pd.concat(parts, ignore_index=True)


def _fmt(x: float) -> str:
    return "NR" if not np.isfinite(x) else f"{x:.1f}"
