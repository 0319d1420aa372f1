"""Meeting the reported total events D without breaking the published numbers at risk.

Guyot et al. (2012, BMC Med Res Methodol 12:9) meet D by adjusting the censorings of the last
risk interval only; when few patients remain there, the rounding surplus of earlier intervals
cannot be absorbed (or is absorbed by distorting the tail). Here the remaining difference is
removed by swaps that keep every number at risk at every risk-table time: an event at a point
becomes a censoring at the same time, or a censoring after a point becomes an event at it.
"""

from __future__ import annotations

import numpy as np


def sse(s: np.ndarray, d: np.ndarray, n_pt: np.ndarray) -> float:
    """Sum of squared differences between the reconstructed KM and the points."""
    live = n_pt > 0
    factor = np.ones_like(s)
    factor[live] = 1.0 - d[live] / n_pt[live]
    return float(np.sum((np.cumprod(factor) - s) ** 2))


def match_events(delta: int, s: np.ndarray, d: np.ndarray, cen: np.ndarray, n_pt: np.ndarray,
                  extra_c: np.ndarray, taken_c: np.ndarray, survivors: int) -> int:
    """Meet the reported total events by swapping events and censorings at digitized points.

    Turning an event at point k into a censoring at the same time (or a censoring after k into an
    event at k) leaves every number at risk at every risk-table time unchanged, so the published
    risk table stays matched; only the KM after k moves, by the factor r_k. Each swap is the one
    that increases the squared distance to the digitized points least:
    ΔSSE_k = A_k (r_k² − 1) − 2 B_k (r_k − 1), A_k = Σ_{i≥k} Ŝ_i², B_k = Σ_{i≥k} S_i Ŝ_i.
    Arrays ``d``, ``cen`` (scheduled censorings after each point), ``extra_c`` (events turned
    into censorings at the point) and ``taken_c`` (censorings turned into events) are updated in
    place; returns the final number of survivors censored at the end.
    """
    last = d.size - 1
    for _ in range(abs(delta)):
        live = n_pt > 0
        factor = np.ones_like(s)
        factor[live] = 1.0 - d[live] / n_pt[live]
        km = np.cumprod(factor)
        rest = n_pt - d  # alive just after the events at k
        if delta < 0:  # too many events: one event -> censoring
            ok = (d > 0) & (rest > 0)
            r = np.where(ok, (rest + 1) / np.where(ok, rest, 1), 1.0)
        else:  # too few: one censoring (or a survivor at the end) -> event
            avail = cen + extra_c - taken_c
            avail[last] += survivors
            ok = (avail > 0) & (rest > 0)
            r = np.where(ok, (rest - 1) / np.where(rest > 0, rest, 1), 1.0)
        if not ok.any():
            break
        a_sum = np.cumsum((km * km)[::-1])[::-1]
        b_sum = np.cumsum((s * km)[::-1])[::-1]
        cost = np.where(ok, a_sum * (r * r - 1.0) - 2.0 * b_sum * (r - 1.0), np.inf)
        k = int(np.argmin(cost))
        if delta < 0:
            d[k] -= 1
            extra_c[k] += 1
            delta += 1
        else:
            d[k] += 1
            if k == last and cen[k] + extra_c[k] - taken_c[k] == 0:
                survivors -= 1
            elif extra_c[k] > 0:
                extra_c[k] -= 1
            else:
                taken_c[k] += 1
            delta -= 1
    return survivors


def event_times(t: np.ndarray, s: np.ndarray, top: np.ndarray, d: np.ndarray,
                n_pt: np.ndarray, fixed: np.ndarray) -> np.ndarray:
    """Times of the reconstructed events: where the drawn curve crosses each event's mid-level.

    Guyot's Step 3 rounds ``n_k (1 − S_k / Ŝ)`` at each point, so an event is first recorded at
    the first point below the half-step level ``Ŝ (1 − ½ / n_k)`` and dated there: on a sloped
    stretch of the curve (clicks read as a line through them) that is late by up to the spacing
    of the points, a delay that adds up to a late median on slowly falling curves. A staircase
    drawn as the line through it crosses each step's mid-level at the step, so the j-th event at
    point k is dated where the segment from point k−1 (time ``t[k-1]``, survival ``s[k-1]``) to
    the top of point k (``t[k]``, ``top[k]``) crosses ``Ŝ_{k−} (1 − (j − ½) / n_k)``; at the
    point itself when that level is on a vertical drop. Returns one time per event (sorted by
    point), ``np.repeat(t, d)`` for a pure step reading (``top == s`` on flat segments).
    Events at points where ``fixed`` is true (the risk-table times, which start an interval and
    whose numbers at risk must stay as published) keep their point's time.
    """
    base = np.repeat(t, d)
    if base.size == 0:
        return base
    live = n_pt > 0
    factor = np.ones_like(s)
    factor[live] = 1.0 - d[live] / n_pt[live]
    km_before = np.concatenate(([1.0], np.cumprod(factor)[:-1]))
    k = np.repeat(np.arange(t.size), d)
    j = np.arange(k.size) - np.repeat(np.cumsum(d) - d, d) + 1
    level = km_before[k] * (1.0 - (j - 0.5) / np.maximum(n_pt[k], 1))
    prev = np.maximum(k - 1, 0)
    s0, s1 = s[prev], top[k]
    sloped = (k > 0) & (s0 > s1) & (level > s1) & (level <= s0) & ~fixed[k]
    frac = np.clip((s0 - level) / np.where(sloped, s0 - s1, 1.0), 0.0, 1.0)
    return np.where(sloped, t[prev] + frac * (t[k] - t[prev]), base)
