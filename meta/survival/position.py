"""Where a reported median falls among historical arms' Kaplan–Meier curves.

An index study that reports only a median m (no curve) is placed against the historical arms'
patient-level data at time m: an arm's own median exceeds m exactly when its KM survival at m
is above 0.5. So the fraction of historical arms with S_k(m) > 0.5 is the fraction whose median
is longer than the index median (arms whose follow-up ends before m are not evaluable and are
counted apart). The pooled S(m) with CI and prediction interval (random effects on the cloglog
scale, as :func:`meta.survival.survival_benchmark`) says the same for a new arm: a prediction
interval wholly below 0.5 means a new historical arm's median is expected to be shorter than
m ("index longer"), wholly above 0.5 "index shorter", else "within". When the index median's
CI ``[lower, upper]`` is given, the same fractions are given at its bounds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from extraction.survival import kaplan_meier, landmark_survival, median_survival
from meta.survival.arms import ArmData
from meta.survival.benchmark import PooledStatistic, pool_statistic
from meta.survival.scales import check_scale, to_scale


@dataclass(frozen=True)
class ArmAtTime:
    """One historical arm at the index median: KM survival with CI, its own median."""

    arm: str
    surv: float
    lower: float
    upper: float
    evaluable: bool
    above_half: bool
    median: float


@dataclass(frozen=True)
class IndexMedianPosition:
    """The index median against the historical arms' curves (months; survival 0-1).

    Attributes
    ----------
    time : float
        The index median m.
    arms : tuple of ArmAtTime
        Each historical arm at m.
    n_evaluable, n_longer : int
        Arms followed to m; those with S_k(m) > 0.5 (median longer than m).
    fraction_longer : float
        ``n_longer / n_evaluable`` (NaN if none evaluable).
    fraction_longer_at_lower, fraction_longer_at_upper : float
        The same at the bounds of the index median's CI (NaN when not given / not evaluable).
    pooled : PooledStatistic
        Pooled S(m) with CI and prediction interval.
    position : str
        ``"index longer"`` (PI of S(m) wholly below 0.5), ``"index shorter"`` (wholly above),
        ``"within"``, or ``"n/a"`` (fewer than 2 arms pooled).
    """

    time: float
    lower: float
    upper: float
    arms: tuple[ArmAtTime, ...]
    n_evaluable: int
    n_longer: int
    fraction_longer: float
    fraction_longer_at_lower: float
    fraction_longer_at_upper: float
    pooled: PooledStatistic
    position: str


def _fraction(fits, t: float) -> float:
    if not np.isfinite(t):
        return float("nan")
    followed = [float(landmark_survival(f, [t]).surv[0]) for f in fits if f.time[-1] >= t]
    return float(np.mean([s > 0.5 for s in followed])) if followed else float("nan")


def index_median_position(arms: Mapping[str, ArmData], median: float,
                          lower: float | None = None, upper: float | None = None, *,
                          scale: str = "cloglog", method: str = "REML", level: float = 95.0
                          ) -> IndexMedianPosition:
    """Place a reported median (months) among the historical arms' KM curves.

    Parameters
    ----------
    arms : mapping of str to (time, event)
        Historical arms (months; 1 event, 0 censored).
    median : float
        The index study's reported median (months, > 0).
    lower, upper : float, optional
        Its CI bounds, when known (months).
    scale, method, level
        Pooling scale of S(m), tau² estimator, confidence level in percent.
    """
    check_scale(scale)
    if not (np.isfinite(median) and median > 0):
        raise ValueError(f"median: expected months > 0, got {median}")
    if not arms:
        raise ValueError("arms: expected at least one arm id -> (time, event)")
    fits = {a: kaplan_meier(t, e, level=level) for a, (t, e) in arms.items()}
    rows = []
    for a, f in fits.items():
        lm = landmark_survival(f, [median])
        s = float(lm.surv[0])
        ok = bool(f.time[-1] >= median)
        rows.append(ArmAtTime(a, s, float(lm.lower[0]), float(lm.upper[0]), ok,
                              ok and s > 0.5, median_survival(f).estimate))
    evaluable = [r for r in rows if r.evaluable]
    n_longer = sum(r.above_half for r in evaluable)
    surv = np.array([float(landmark_survival(f, [median]).surv[0]) for f in fits.values()])
    se = np.array([float(landmark_survival(f, [median]).se[0]) for f in fits.values()])
    y, v = to_scale(surv, se, scale)
    pooled = pool_statistic(f"S({median:g})", list(fits), y, v, scale, method=method,
                            level=level)
    if pooled.k < 2:
        position = "n/a"
    elif pooled.pi_ub < 0.5:
        position = "index longer"
    elif pooled.pi_lb > 0.5:
        position = "index shorter"
    else:
        position = "within"
    lo = float("nan") if lower is None else float(lower)
    hi = float("nan") if upper is None else float(upper)
    return IndexMedianPosition(float(median), lo, hi, tuple(rows), len(evaluable), n_longer,
                               n_longer / len(evaluable) if evaluable else float("nan"),
                               _fraction(list(fits.values()), lo),
                               _fraction(list(fits.values()), hi), pooled, position)
