"""Guyot et al. (2012) Steps 3–5 inside one risk-table interval: walking the digitized points,
searching the censoring count that meets the next number at risk, and spreading censorings.

Guyot P, Ades AE, Ouwens MJNM, Welton NJ. BMC Med Res Methodol 2012;12:9. Used by
:func:`extraction.km.guyot.reconstruct` (see its module notes for the differences from the
published code).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass
class Walk:
    n0: int
    n_end: int
    km_end: float
    d: list[int]
    c: list[int]
    cen_times: np.ndarray
    sse: float

    @property
    def n(self) -> np.ndarray:
        """Number at risk at each point (before its events)."""
        out = np.empty(len(self.d), dtype=int)
        out[0] = self.n0
        np.subtract(self.n0, np.cumsum(np.add(self.d, self.c))[:-1], out=out[1:])
        return out


def walk_points(s_seg: list[float], n0: int, km0: float, counts: list[int]
          ) -> tuple[int, float, list[int], list[int], float]:
    """Guyot Steps 3–4 over one interval's points: events from the curve, censorings from
    ``counts`` (censorings between each point and the next).

    Returns n at risk after the last point, the KM there, events and censorings per point, and
    the sum of squared differences between the reconstructed KM and the points.
    """
    n, km = n0, km0
    dl: list[int] = []
    cl: list[int] = []
    add_d, add_c = dl.append, cl.append
    sse = 0.0
    for sk, ck in zip(s_seg, counts, strict=True):
        dk = 0
        if n > 0 and km > 0.0:
            x = n * (1.0 - sk / km)
            if x > 0.5:
                dk = int(x + 0.5)
                if dk > n:
                    dk = n
                km *= 1.0 - dk / n
                n -= dk
        diff = km - sk
        sse += diff * diff
        if ck > n:
            ck = n
        n -= ck
        add_d(dk)
        add_c(ck)
    return n, km, dl, cl, sse


def search_censored(evaluate: Callable[[int], tuple[int, Walk]], c0: int, cmax: int,
            gain: float = 1.0) -> tuple[int, Walk]:
    """Integer root of a non-increasing mismatch f(c) on [0, cmax], closest if none.

    Guyot's Step-5 update ``c ← c + f(c)``, here ``c ← c + gain·f(c)`` with ``gain`` ≈ 1/|f'|,
    inside a shrinking bracket, bisection when the update leaves the bracket (so no
    oscillation). Returns (f, walk) at the chosen c.
    """
    lo, hi = 0, max(cmax, 0)
    c = min(max(c0, lo), hi)
    best: tuple[int, int, Walk] | None = None
    for _ in range(200):
        f, walk = evaluate(c)
        if best is None or abs(f) < abs(best[0]) or (abs(f) == abs(best[0]) and c < best[1]):
            best = (f, c, walk)
        if f == 0:
            break
        if f > 0:
            lo = c + 1
        else:
            hi = c - 1
        if lo > hi:
            break
        nxt = c + (round(gain * f) or (1 if f > 0 else -1))
        c = nxt if lo <= nxt <= hi else (lo + hi) // 2
    assert best is not None
    f, c, walk = best
    # Step 5 stops at the first root, but several c often give the same mismatch (one more
    # censoring, one fewer event): Guyot's upward search from his first guess always lands on
    # the smallest such c (too few censorings, too many events). Look one step either way
    # (wider plateaus are rare; each look costs a walk) and keep the c whose KM fits best.
    for step in (1, -1):
        k = c + step
        while 0 <= k <= cmax and abs(k - c) <= 1:
            fk, wk = evaluate(k)
            if fk != f:
                break
            if wk.sse < walk.sse - 1e-15:
                walk = wk
            k += step
    return f, walk


def censor_times(c: int, knots: np.ndarray, area: np.ndarray) -> np.ndarray:
    """Times (months) of ``c`` censorings in an interval, spread evenly in the area under S.

    Guyot et al. (2012, Step 2) spread them evenly in time, i.e. assume the censoring times of
    the interval uniform. But only patients still alive can be censored: with potential
    censoring times uniform on [T_j, T_{j+1}) and independent of death (the same assumption),
    censorings occur with density ∝ S(t), so they are denser early in the interval. Evenly in
    time puts them too late, keeps too many at risk at the events and so rounds to too many
    events (about +0.5 per arm in benchmarks/bench_km_reconstruction.py, which the total-events
    adjustment then has to remove, raising the curve). ``knots`` are the interval's points and
    its end (months), ``area`` the cumulative area under the step curve at the knots (any
    origin; survival × months).
    """
    total = area[-1] - area[0]
    if not total > 0:  # curve at 0: nobody left to weight, Guyot's even spread
        return knots[0] + np.arange(1, c + 1) * ((knots[-1] - knots[0]) / (c + 1))
    return np.interp(area[0] + np.arange(1, c + 1) * (total / (c + 1)), area, knots)
