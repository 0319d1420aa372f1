"""Prediction intervals for the true effect in a new study.

Two forms:

* metafor's (``predict.rma``, default ``pi.type``): ``mu ± c sqrt(SE(mu)² + tau²)`` with
  ``c = z_{1-a/2}`` for Wald fits and ``c = t_{k-p, 1-a/2}`` for Knapp–Hartung fits (using the
  Knapp–Hartung SE).
* Higgins, Thompson & Spiegelhalter (2009, J R Stat Soc A 172:137, eq. 12):
  ``mu ± t_{k-2, 1-a/2} sqrt(SE(mu)² + tau²)``; equals metafor's ``pi.type = "riley"`` on a Wald
  fit (df = k - p - 1). Needs k >= 3 (df >= 1); for k = 2 this returns None, whereas metafor
  floors the df at 1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from meta.errors import MetaInputError
from meta.level import critical_value


@dataclass(frozen=True)
class PredictionInterval:
    """A prediction interval.

    Attributes
    ----------
    lb, ub : float
        Bounds (effect-size units).
    df : int or None
        Degrees of freedom of the t quantile; None for the normal quantile.
    crit : float
        The quantile used.
    """

    lb: float
    ub: float
    df: int | None
    crit: float


def prediction_interval(
    estimate: float, se: float, tau2: float, level: float = 95.0, df: int | None = None
) -> PredictionInterval:
    """``estimate ± crit sqrt(se² + tau²)``.

    Parameters
    ----------
    estimate : float
        Pooled effect (effect-size units).
    se : float
        Its standard error.
    tau2 : float
        Between-study variance (squared units).
    level : float
        Coverage in percent.
    df : int, optional
        t degrees of freedom (None: normal quantile). Must be >= 1.
    """
    if df is not None and df < 1:
        raise MetaInputError(f"df: a t prediction interval needs df >= 1, got {df}")
    crit = critical_value(level, df)
    half = crit * float(np.sqrt(se * se + tau2))
    return PredictionInterval(estimate - half, estimate + half, df, crit)


def higgins_interval(
    estimate: float, se: float, tau2: float, k: int, level: float = 95.0
) -> PredictionInterval | None:
    """Higgins et al. (2009) eq. 12 interval with t(k - 2); None when k < 3 (undefined)."""
    if k < 3:
        return None
    return prediction_interval(estimate, se, tau2, level, df=k - 2)
