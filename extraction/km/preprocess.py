"""Clean digitized KM points before reconstruction: sort, clip, anchor, isotonic fit, merge.

A reader's clicks are noisy: a point a pixel above the previous one makes the curve rise, which no
Kaplan–Meier curve does. Guyot et al. (2012, BMC Med Res Methodol 12:9, "Data preparation")
correct such points by hand or drop them; here the curve is made non-increasing by least-squares
isotonic regression (pool-adjacent-violators: Ayer et al. 1955, Ann Math Stat 26:641; Barlow et
al. 1972, *Statistical Inference under Order Restrictions*, ch. 1), which moves each point as little
as possible in the L2 sense and keeps every click's information. How far each point moved is kept.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from extraction.km.data import DigitizedCurve


@dataclass(frozen=True)
class PreprocessedCurve:
    """A non-increasing step curve starting at (0, 1), ready for :func:`reconstruct`.

    Attributes
    ----------
    time : numpy.ndarray
        Strictly increasing times (months); ``time[0] == 0``.
    survival : numpy.ndarray
        Non-increasing survival in [0, 1]; ``survival[0] == 1``.
    moved : numpy.ndarray
        For each input point (file order): |final value − clicked value| (proportion scale),
        including clipping, the isotonic fit and the anchor at time 0.
    n_input : int
        Number of input points.
    n_merged : int
        Input points merged into another at the same time (after the fit).
    n_adjusted : int
        Input points whose survival changed by more than 1e-9.
    scale : str
        Detected input scale (``"proportion"`` or ``"percent"``).
    top : numpy.ndarray or None
        Highest (fitted) value clicked at each time: the top of a vertical drop clicked at both
        ends; equal to ``survival`` where one point was clicked. ``None`` means ``survival``.
    """

    time: np.ndarray
    survival: np.ndarray
    moved: np.ndarray
    n_input: int
    n_merged: int
    n_adjusted: int
    scale: str = "proportion"
    top: np.ndarray | None = None

    @property
    def max_moved(self) -> float:
        """Largest movement of a point (proportion scale)."""
        return float(self.moved.max()) if self.moved.size else 0.0

    @property
    def mean_moved(self) -> float:
        """Mean movement of the points (proportion scale)."""
        return float(self.moved.mean()) if self.moved.size else 0.0


def pava_nonincreasing(y: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """Least-squares non-increasing fit by pool-adjacent-violators (Ayer et al. 1955).

    Parameters
    ----------
    y : numpy.ndarray
        Values in order (here: survival sorted by time).
    weights : numpy.ndarray, optional
        Positive weights (default 1).

    Returns
    -------
    numpy.ndarray
        ``argmin sum w (y - f)^2`` over non-increasing ``f``; O(n) with a block stack.
    """
    values = [float(v) for v in y]
    w = [1.0] * len(values) if weights is None else [float(v) for v in weights]
    means: list[float] = []
    wsum: list[float] = []
    count: list[int] = []
    for v, wi in zip(values, w, strict=True):
        m, ws, c = v, wi, 1
        while means and means[-1] < m:  # a rise: pool with the block before
            pm, pw, pc = means.pop(), wsum.pop(), count.pop()
            m = (pm * pw + m * ws) / (pw + ws)
            ws += pw
            c += pc
        means.append(m)
        wsum.append(ws)
        count.append(c)
    return np.repeat(np.array(means), np.array(count, dtype=int))


#: Weight of survival against time (as a fraction of the time axis) in the order along the
#: drawn path, :func:`_path_order`.
PATH_WEIGHT = 0.5


def _path_order(t: np.ndarray, s: np.ndarray) -> np.ndarray:
    """Order of the clicks along the drawn path, with their times rearranged to increase in it.

    A reader's clicks are off in both coordinates. Sorting by the clicked time alone lets the
    time error decide the order, and the isotonic fit of survival then pools every pair that
    came out in the wrong order into a flat stretch: with time errors of ~0.3 % of the axis
    this delayed the KM median by up to half a month on long axes
    (benchmarks/bench_km_real_ipd.py). Along a non-increasing curve, time minus survival
    (time as a fraction of the axis; survival weighted by :data:`PATH_WEIGHT`) increases, so
    it orders the clicks by both coordinates; the clicked times are then reassigned in
    increasing order along that path (monotone rearrangement: Chernozhukov, Fernández-Val &
    Galichon 2009, Biometrika 96:559), which moves no time value, only which click it goes
    with. Returns the order (indices into ``t``); ``t`` itself is rearranged in place.
    """
    span = float(t.max()) if t.size else 0.0
    if t.size < 3 or span <= 0:
        return np.lexsort((-s, t))
    path = np.lexsort((-s, t / span - PATH_WEIGHT * s))
    t[path] = np.sort(t[path])
    return path[np.lexsort((-s[path], t[path]))]


def preprocess(curve: DigitizedCurve) -> PreprocessedCurve:
    """Sort, clip to [0, 1], anchor at (0, 1), fit isotonically, merge equal times.

    Steps
    -----
    1. Order the clicks along the drawn path by both coordinates and rearrange their times to
       increase along it (:func:`_path_order`); ties: higher survival first (the top of a
       vertical drop before its foot).
    2. Clip times below 0 to 0 and survival to [0, 1] (gross violations were rejected by
       :func:`extraction.km.data.make_curve`).
    3. Points at time 0 are replaced by the anchor (0, 1): a KM curve is 1 at time 0.
    4. The remaining points are fitted non-increasing by :func:`pava_nonincreasing`.
    5. Points sharing a time are merged into the lowest (the foot of a drop: KM curves are
       right-continuous).

    Returns
    -------
    PreprocessedCurve
    """
    t_in = np.maximum(curve.time, 0.0)
    s_in = np.clip(curve.survival, 0.0, 1.0)
    order = _path_order(t_in, s_in)
    t = t_in[order]
    s = s_in[order]
    fitted = np.ones_like(s)
    positive = t > 0
    if positive.any():
        fitted[positive] = pava_nonincreasing(s[positive])
    moved = np.empty_like(s)
    moved[order] = np.abs(fitted - curve.survival[order])
    # Merge equal times, keeping the last (lowest) value of each run.
    keep_t = np.concatenate(([0.0], t[positive]))
    keep_s = np.concatenate(([1.0], fitted[positive]))
    new_run = np.diff(keep_t) > 0
    last_of_run = np.append(new_run, True)
    first_of_run = np.insert(new_run, 0, True)
    out_t, out_s, top = keep_t[last_of_run], keep_s[last_of_run], keep_s[first_of_run]
    n_merged = int(positive.sum() - (out_t.size - 1))
    for arr in (out_t, out_s, moved, top):
        arr.setflags(write=False)
    return PreprocessedCurve(out_t, out_s, moved, int(t.size), n_merged,
                             int((moved > 1e-9).sum()), curve.scale, top)


def densify(time: np.ndarray, survival: np.ndarray, top: np.ndarray, step: float
            ) -> tuple[np.ndarray, np.ndarray]:
    """Insert points on sloped segments so that no drop between points exceeds ``step``.

    A reader who clicks fewer points than the curve has steps leaves sloped segments between
    clicks; Guyot's algorithm would put the whole drop at the later click (the reconstructed
    curve lags the published one by up to the whole drop). Linear interpolation between clicks
    (as a curve drawn through the points) is the better estimate of where the skipped steps were;
    on horizontal and vertical segments (a reader who clicked every corner) it adds nothing.

    Parameters
    ----------
    time, survival : numpy.ndarray
        A preprocessed curve (strictly increasing times, non-increasing survival).
    top : numpy.ndarray
        Highest value clicked at each time (the top of a vertical drop; = ``survival`` where
        only one point was clicked): the sloped part of segment i ends at (time[i+1], top[i+1]).
    step : float
        Largest drop between consecutive points on a sloped part (proportion scale).

    Returns
    -------
    time, survival : numpy.ndarray
        Curve with the inserted points (the input points kept).
    """
    slope_drop = survival[:-1] - top[1:]
    k = np.maximum(np.ceil(slope_drop / step - 1e-9).astype(int), 1)  # sub-steps per segment
    if (k == 1).all():
        return time, survival
    # segment i contributes k_i points: k_i - 1 on the slope, then its end point
    seg = np.repeat(np.arange(k.size), k)
    j = np.arange(seg.size) - np.repeat(np.cumsum(k) - k, k) + 1
    frac = j / k[seg]
    is_end = j == k[seg]
    t_new = np.where(is_end, time[seg + 1], time[seg] + frac * np.diff(time)[seg])
    s_new = np.where(is_end, survival[seg + 1], survival[seg] - frac * slope_drop[seg])
    return np.concatenate(([time[0]], t_new)), np.concatenate(([survival[0]], s_new))
