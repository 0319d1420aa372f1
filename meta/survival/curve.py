"""A pooled Kaplan–Meier curve of a comparator group with its confidence and prediction bands.

Method (pointwise two-stage pooling of arm-level survival on a time grid): at each grid time t,
every arm still under follow-up (t ≤ its last observed time) with 0 < S_k(t) < 1 contributes
its KM survival and Greenwood SE; these are pooled by the random-effects model of
:func:`meta.model.rma` (REML by default) on the complementary log-log scale (delta-method
variance se² / (S log S)², :mod:`meta.survival.scales`) and back-transformed. This is the
landmark pooling of :func:`meta.survival.survival_benchmark` repeated on a grid.

**Arms with no event yet (S_k(t) = 1).** log(−log S) is not defined at S = 1; leaving those arms
out pools only the arms that already had an event, which biases the early curve downwards (and
leaves it undrawn while fewer than 2 arms have had one: at 0.5 months 6 of the 13 bundled
sorafenib arms had none). At a time where any followed arm has S = 1, every followed arm is
therefore pooled on the survival scale itself with the binomial variance at the arms' common
survival, ``S̄ (1 − S̄) / n_eff`` (:func:`meta.survival.scales.common_binomial`: the arm keeps
its known value S = 1, and ``n_eff``, its effective sample size, is then the number at risk).
For arms that share one curve the fixed-effect pool is ``S̄ = Σ n_eff S / Σ n_eff``, the
binomial maximum-likelihood estimate, close to the Kaplan–Meier curve of the arms' patients
together. Limits are clipped to [0, 1]; with no event in any arm the pool is 1 with a
zero-width band, as at t = 0 (and as each arm's own KM). Where every followed arm has
0 < S < 1 the requested scale is used, so the curve equals the landmark pools there;
``boundary`` marks the times pooled the other way (the first months, until every arm has had an
event). The isotonic step below smooths the change. It ignores the
correlation between times, so the band is pointwise, not simultaneous; multivariate methods
that model it pool whole curves (Arends, Hunink & Stijnen 2008, Stat Med 27:4381; Combescure,
Foucher & Jackson 2014, Stat Med 33(15), doi:10.1002/sim.6111) and are not implemented.

The pointwise pools need not be monotone in t (each time has its own weights and tau²); the
estimate and each band limit are then made non-increasing by least-squares isotonic regression
(pool-adjacent-violators, :func:`extraction.km.pava_nonincreasing`); ``max_monotone_adjustment``
reports the largest change this made. The curve is drawn only while at least ``min_arms`` arms
are under follow-up (default: half the arms, at least 2); ``k`` gives the number of arms pooled
at each time. S(0) = 1 with a zero-width band.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from extraction.km import pava_nonincreasing
from extraction.survival import kaplan_meier, landmark_survival
from meta.comparison import pool
from meta.survival.arms import ArmData
from meta.survival.scales import check_scale, common_binomial, from_scale, to_scale


@dataclass(frozen=True)
class PooledCurve:
    """Pointwise random-effects pooled survival on ``time`` (months), made monotone.

    ``surv``, ``ci_lb``/``ci_ub`` (confidence band of the pooled mean curve) and
    ``pi_lb``/``pi_ub`` (prediction band: a new arm's curve, metafor's normal-quantile
    interval) are NaN where fewer than 2 arms contribute; ``k`` arms pooled at each time.
    """

    time: np.ndarray
    surv: np.ndarray
    ci_lb: np.ndarray
    ci_ub: np.ndarray
    pi_lb: np.ndarray
    pi_ub: np.ndarray
    k: np.ndarray
    tau2: np.ndarray
    boundary: np.ndarray
    """Bool per time: pooled on the survival scale (module notes) because a followed arm had no
    event yet (S = 1)."""
    scale: str
    method: str
    level: float
    n_arms: int
    max_monotone_adjustment: float
    description: str

    def to_frame(self) -> pd.DataFrame:
        """Columns ``time, surv, ci_lb, ci_ub, pi_lb, pi_ub, k, tau2``."""
        return pd.DataFrame({"time": self.time, "surv": self.surv, "ci_lb": self.ci_lb,
                             "ci_ub": self.ci_ub, "pi_lb": self.pi_lb, "pi_ub": self.pi_ub,
                             "k": self.k, "tau2": self.tau2})


def _monotone(values: np.ndarray) -> np.ndarray:
    out = values.copy()
    ok = np.isfinite(values)
    if ok.sum() > 1:
        out[ok] = pava_nonincreasing(values[ok])
    return out


def pooled_km_curve(arms: Mapping[str, ArmData], times: Sequence[float] | None = None, *,
                    scale: str = "cloglog", method: str = "REML", level: float = 95.0,
                    min_arms: int | None = None, step: float = 0.5) -> PooledCurve:
    """Pool the arms' Kaplan–Meier curves pointwise by random effects (see module docstring).

    Parameters
    ----------
    arms : mapping of str to (time, event)
        Months; 1 event, 0 censored.
    times : sequence of float, optional
        Grid (months). Default: 0 to the last time at which ``min_arms`` arms are under
        follow-up, by ``step``.
    scale : {"cloglog", "logit", "log"}
        Pooling scale.
    method : str
        tau² estimator (metafor's names).
    level : float
        Confidence level in percent.
    min_arms : int, optional
        Arms under follow-up needed for a grid time to be pooled (default max(2, ceil(K/2))).
    step : float
        Grid step (months) when ``times`` is not given.
    """
    check_scale(scale)
    if len(arms) < 2:
        raise ValueError(f"arms: expected at least 2 arms to pool a curve, got {len(arms)}")
    fits = [kaplan_meier(t, e, level=level) for t, e in arms.values()]
    follow = np.array([f.time[-1] for f in fits])
    need = max(2, math.ceil(len(fits) / 2)) if min_arms is None else int(min_arms)
    if times is None:
        end = float(np.sort(follow)[::-1][min(need, len(fits)) - 1])
        grid = np.arange(0.0, end + 1e-9, step)
    else:
        grid = np.asarray(times, dtype=float)
        if grid.ndim != 1 or np.any(np.diff(grid) <= 0) or np.any(grid < 0):
            raise ValueError("times: expected increasing times >= 0")
    lms = [landmark_survival(f, grid) for f in fits]
    surv = np.vstack([lm.surv for lm in lms])
    se = np.vstack([lm.se for lm in lms])
    y, v = to_scale(surv, se, scale)
    n_risk = np.vstack([lm.n_risk for lm in lms])
    nan = np.full(grid.size, np.nan)
    est, clb, cub, plb, pub, tau2 = (nan.copy() for _ in range(6))
    k = np.zeros(grid.size, dtype=int)
    boundary = np.zeros(grid.size, dtype=bool)
    for i, t in enumerate(grid):
        followed = int(np.sum(follow >= t))
        if t == 0:
            est[i] = clb[i] = cub[i] = plb[i] = pub[i] = 1.0
            tau2[i] = 0.0
            k[i] = len(fits)
            continue
        if followed < need:
            continue
        if np.any(surv[:, i] == 1.0):  # an arm with no event yet: survival scale, S̄ variance
            yb, vb, sbar = common_binomial(surv[:, i], se[:, i], n_risk[:, i])
            ok = np.isfinite(yb)
            if ok.sum() < 2:
                continue
            boundary[i] = True
            if sbar == 1.0:  # no event in any arm: S = 1 with a zero-width band, as KM
                est[i] = clb[i] = cub[i] = plb[i] = pub[i] = 1.0
                k[i], tau2[i] = int(ok.sum()), 0.0
                continue
            b = pool(yb[ok], vb[ok], method=method, level=level)
            k[i], tau2[i] = b.k, b.tau2
            est[i], clb[i], cub[i], plb[i], pub[i] = np.clip(
                [b.estimate, b.ci_lb, b.ci_ub, b.pi_lb, b.pi_ub], 0.0, 1.0)
            continue
        ok = np.isfinite(y[:, i]) & np.isfinite(v[:, i]) & (v[:, i] > 0)
        if ok.sum() < 2:
            continue
        b = pool(y[ok, i], v[ok, i], method=method, level=level)
        k[i], tau2[i] = b.k, b.tau2
        e, lo, hi, p_lo, p_hi = from_scale([b.estimate, b.ci_lb, b.ci_ub, b.pi_lb, b.pi_ub],
                                           scale)
        est[i], clb[i], cub[i] = e, min(lo, hi), max(lo, hi)
        plb[i], pub[i] = min(p_lo, p_hi), max(p_lo, p_hi)
    mono = [_monotone(a) for a in (est, clb, cub, plb, pub)]
    with np.errstate(invalid="ignore"):
        adj = max((float(np.nanmax(np.abs(m - a))) if np.isfinite(a).any() else 0.0)
                  for m, a in zip(mono, (est, clb, cub, plb, pub), strict=True))
    text = (f"pointwise random-effects ({method}) pooling of {len(fits)} arms' Kaplan–Meier "
            f"survival on the {scale} scale (Greenwood SE, delta method), {level:g}% confidence "
            "band and prediction band, made non-increasing by isotonic regression; drawn while "
            f"at least {need} arms are under follow-up"
            + (f"; to {grid[boundary].max():g} months (an arm with no event yet) on the survival "
               "scale, binomial variances at the common survival" if boundary.any() else ""))
    m_est, m_clb, m_cub, m_plb, m_pub = mono
    return PooledCurve(grid, m_est, m_clb, m_cub, m_plb, m_pub, k, tau2, boundary, scale, method,
                       float(level), len(fits), adj, text)
