"""Q-profile confidence intervals for tau², tau, I² and H² (Viechtbauer 2007, Stat Med 26:37).

The generalised Q statistic ``Q(tau²) = sum w_i(tau²) (y_i - x_i'beta(tau²))²`` with
``w_i = 1/(v_i + tau²)`` follows chi-square(k - p) at the true tau² and decreases strictly in
tau². The (1 - a) interval is ``{tau² : chi2_{a/2} <= Q(tau²) <= chi2_{1-a/2}}``
(Viechtbauer 2007 eq. 7), truncated at 0 as metafor's ``confint.rma.uni(type = "QP")``. Bounds
for I² and H² are the monotone transforms of the tau² bounds with the typical within-study
variance ``vt`` (metafor; Viechtbauer 2007 section 5).

Difference from metafor: metafor searches tau² in ``[0, max(100, 10 tau²)]`` and reports the
upper end of that range as a bound (">" sign) when the root lies beyond it; here the bracket is
widened until it holds the root.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy.optimize import brentq
from scipy.special import chdtri

from meta.errors import MetaInputError
from meta.heterogeneity import i2_h2_from_tau2
from meta.tau2 import q_of_tau2


@dataclass(frozen=True)
class QProfileCI:
    """Q-profile interval for the heterogeneity parameters (bounds, not estimates).

    Attributes
    ----------
    tau2_lb, tau2_ub : float
        Bounds for tau² (squared effect units), >= 0.
    tau_lb, tau_ub : float
        Square roots of the tau² bounds (effect units).
    I2_lb, I2_ub : float
        Bounds for I² (%).
    H2_lb, H2_ub : float
        Bounds for H².
    level : float
        Coverage (%).
    empty : bool
        True when ``Q(0)`` is already below the lower chi-square quantile, so that the interval is
        {0} (metafor's "ci.null": both bounds 0, the CI is "empty" in Viechtbauer's sense).
    """

    tau2_lb: float
    tau2_ub: float
    tau_lb: float
    tau_ub: float
    I2_lb: float
    I2_ub: float
    H2_lb: float
    H2_ub: float
    level: float
    empty: bool


def _solve(yi: np.ndarray, vi: np.ndarray, X: np.ndarray, target: float, start: float) -> float:
    """Root of ``Q(tau²) = target`` given ``Q(0) >= target``; bracket widened from ``start``."""
    upper = max(100.0, start)
    while q_of_tau2(upper, yi, vi, X) > target:
        upper *= 10.0
        if upper > 1e15:
            raise MetaInputError("Q-profile: no tau² up to 1e15 reaches the chi-square quantile")
    return float(
        brentq(
            lambda t2: q_of_tau2(t2, yi, vi, X) - target,
            0.0,
            upper,
            xtol=1e-13,
            rtol=4 * np.finfo(float).eps,
            maxiter=1000,
        )
    )


class _Data:
    """Hashable wrapper of ``(yi, vi, X)`` for the root memo: equal when the values and the
    memory layouts are equal (the layout can change BLAS round-off), so a memo hit returns
    exactly what the computation would."""

    __slots__ = ("X", "key", "vi", "yi")

    def __init__(self, yi: np.ndarray, vi: np.ndarray, X: np.ndarray) -> None:
        self.yi, self.vi, self.X = yi, vi, X
        self.key = tuple((a.tobytes(), a.shape, a.strides, a.dtype.str) for a in (yi, vi, X))

    def __hash__(self) -> int:
        return hash(self.key)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Data) and self.key == other.key


@lru_cache(maxsize=32)
def _solve_memo(data: _Data, target: float, upper: float) -> float:
    """:func:`_solve` remembered for the last 32 problems. A report asks for the Q-profile CI of
    the same data under all nine estimators; the bounds do not depend on the estimator (only the
    initial bracket ``max(100, 10 tau²)``, part of the key, does)."""
    return _solve(data.yi, data.vi, data.X, target, upper)


def qprofile_ci(
    yi: np.ndarray,
    vi: np.ndarray,
    X: np.ndarray,
    vt: float,
    tau2: float = 0.0,
    level: float = 95.0,
) -> QProfileCI:
    """Q-profile CI of tau² and the derived tau, I², H² bounds.

    Parameters
    ----------
    yi, vi : ndarray, shape (k,)
        Effects and sampling variances (> 0).
    X : ndarray, shape (k, p)
        Design matrix including the intercept; needs ``k > p``.
    vt : float
        Typical within-study variance (``Heterogeneity.vt``) for the I²/H² bounds.
    tau2 : float
        The point estimate; only used to size the initial search bracket (as metafor's
        ``max(100, 10 tau²)``).
    level : float
        Coverage in percent.
    """
    k, p = X.shape
    df = k - p
    if df < 1:
        raise MetaInputError(f"Q-profile CI needs k > p (k={k}, p={p})")
    alpha = 1.0 - level / 100.0
    crit_u = float(chdtri(df, alpha / 2))
    crit_l = float(chdtri(df, 1.0 - alpha / 2))
    q0 = q_of_tau2(0.0, yi, vi, X)
    empty = q0 < crit_l
    if empty:
        lb = ub = 0.0
    else:
        data, upper = _Data(yi, vi, X), max(100.0, 10 * tau2)
        ub = _solve_memo(data, crit_l, upper)
        lb = 0.0 if q0 < crit_u else _solve_memo(data, crit_u, upper)
    i2_lb, h2_lb = i2_h2_from_tau2(lb, vt)
    i2_ub, h2_ub = i2_h2_from_tau2(ub, vt)
    return QProfileCI(
        tau2_lb=lb,
        tau2_ub=ub,
        tau_lb=float(np.sqrt(lb)),
        tau_ub=float(np.sqrt(ub)),
        I2_lb=i2_lb,
        I2_ub=i2_ub,
        H2_lb=h2_lb,
        H2_ub=h2_ub,
        level=level,
        empty=empty,
    )
