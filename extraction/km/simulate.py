"""Simulated trials and simulated digitizations, for validating reconstructions.

Used by the round-trip tests and ``benchmarks/bench_km_reconstruction.py``; also a way for a user
to see what accuracy to expect for a figure like theirs. Designs follow the validation studies of
Guyot et al. (2012, BMC Med Res Methodol 12:9, "Reproducibility and validation") and Liu et al.
(2021, IPDfromKM, BMC Med Res Methodol 21:111): parametric event times, staggered entry with
administrative censoring plus random dropout, and curves "digitized" by sampling the true step
function as a reader's clicks would.
"""

from __future__ import annotations

import numpy as np

from extraction.km.diagnostics import KMStep, km_step


def simulate_arm(rng: np.random.Generator, n: int, *, shape: float = 1.0, scale: float = 12.0,
                 accrual: float = 24.0, followup: float = 24.0, dropout: float = 0.01
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Right-censored survival data of one arm.

    Parameters
    ----------
    rng : numpy.random.Generator
    n : int
        Patients.
    shape, scale : float
        Weibull event times, S(t) = exp(−(t/scale)^shape); shape 1 is exponential (months).
    accrual, followup : float
        Uniform entry over ``accrual`` months, analysis ``followup`` months after the last entry
        (staggered administrative censoring).
    dropout : float
        Exponential loss-to-follow-up rate (per month).

    Returns
    -------
    time, event : numpy.ndarray
        Observed times (months) and indicators (1 event).
    """
    t_event = scale * rng.weibull(shape, n)
    admin = accrual + followup - rng.uniform(0.0, accrual, n)
    lost = rng.exponential(1.0 / dropout, n) if dropout > 0 else np.full(n, np.inf)
    cens = np.minimum(admin, lost)
    return np.minimum(t_event, cens), (t_event <= cens).astype(int)


def risk_table(time: np.ndarray, every: float, until: float | None = None
               ) -> tuple[np.ndarray, np.ndarray]:
    """Numbers at risk at 0, every, 2·every, … (as printed under a KM figure)."""
    until = float(time.max()) if until is None else until
    grid = np.arange(0.0, until + 1e-9, every)
    srt = np.sort(time)
    return grid, (srt.size - np.searchsorted(srt, grid, side="left")).astype(float)


def _path(km: KMStep, t_end: float) -> tuple[np.ndarray, np.ndarray]:
    """Corners of the step curve in drawing order: (0,1), then top and foot of every drop, end."""
    t = km.time[1:]
    top = km.surv[:-1]
    foot = km.surv[1:]
    px = np.concatenate(([0.0], np.repeat(t, 2), [t_end]))
    py = np.concatenate(([1.0], np.column_stack((top, foot)).ravel(), [foot[-1] if t.size else 1]))
    return px, py


def digitize_clean(time: np.ndarray, event: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every corner of the true KM curve, exactly: a perfect digitization."""
    km = km_step(time, event)
    return _path(km, float(time.max()))


def digitize_reader(rng: np.random.Generator, time: np.ndarray, event: np.ndarray,
                    n_points: int, *, jitter: float = 0.003, snap: float = 0.8,
                    feet_only: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Clicks of a human reader along the true KM curve.

    ``n_points`` clicks spread evenly (with random spacing) along the drawn path, measured in
    axis-normalised length; each click lands on the nearest step corner with probability
    ``snap`` (corners are what readers aim at), else somewhere on the path; then Gaussian jitter
    of ``jitter`` × axis range is added to both coordinates (0.003 ≈ 1.5 pixels on a 500-pixel
    plot). ``feet_only``: every click on the foot of a drop (a reader who clicks only the lower
    corners). Clicks are returned in time order, unsorted by survival (they may rise).
    """
    km = km_step(time, event)
    t_end = float(time.max())
    px, py = _path(km, t_end)
    xs = px / t_end
    seg = np.hypot(np.diff(xs), np.diff(py))
    cum = np.concatenate(([0.0], np.cumsum(seg)))
    length = cum[-1]
    pos = np.sort(rng.uniform(0.0, length, n_points - 2))
    pos = np.concatenate(([0.0], pos, [length]))
    i = np.clip(np.searchsorted(cum, pos, side="right") - 1, 0, seg.size - 1)
    frac = np.where(seg[i] > 0, (pos - cum[i]) / np.where(seg[i] > 0, seg[i], 1), 0.0)
    cx = px[i] + frac * (px[i + 1] - px[i])
    cy = py[i] + frac * (py[i + 1] - py[i])
    corner = np.where(frac < 0.5, i, i + 1)
    to_corner = rng.uniform(size=n_points) < snap
    if feet_only:  # path: start, (top, foot) per drop, end; a top's foot follows it
        corner = np.where((corner % 2 == 1) & (corner < px.size - 1), corner + 1, corner)
        to_corner[:] = True
    cx = np.where(to_corner, px[corner], cx)
    cy = np.where(to_corner, py[corner], cy)
    cx = cx + rng.normal(0.0, jitter * t_end, n_points)
    cy = cy + rng.normal(0.0, jitter, n_points)
    cx[0], cy[0] = 0.0, 1.0
    order = np.argsort(cx, kind="stable")
    return cx[order], cy[order]


def sup_distance(a: KMStep, b: KMStep, t_max: float) -> float:
    """sup over [0, t_max] of |a(t) − b(t)| (both right-continuous step functions)."""
    grid = np.union1d(a.time, b.time)
    grid = grid[grid <= t_max]
    return float(np.max(np.abs(a(grid) - b(grid))))
