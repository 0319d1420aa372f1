"""Analysis scales for pooling survival proportions across arms, with delta-method variances.

For an arm's Kaplan–Meier survival ``S`` with Greenwood standard error ``se`` (of S):

* ``cloglog``: ``y = log(−log S)``, ``var(y) = se² / (S log S)²`` (the scale of R survfit's
  ``conf.type = "log-log"``; Kalbfleisch & Prentice 1980, §1.3). Back: ``S = exp(−exp(y))``,
  decreasing in y, so interval bounds swap.
* ``logit``: ``y = log(S / (1 − S))``, ``var(y) = se² / (S (1 − S))²``. Back: ``expit(y)``.
* ``log``: ``y = log S``, ``var(y) = se² / S²``. Back: ``exp(y)``.

Only 0 < S < 1 with se > 0 can be transformed (an arm with no event yet, or with everyone dead,
carries no information on these scales); such arms are left out with a reason by the callers.
"""

from __future__ import annotations

import numpy as np

SCALES = ("cloglog", "logit", "log")


def check_scale(scale: str) -> str:
    """``scale`` if known, else ``ValueError`` naming the argument."""
    if scale not in SCALES:
        raise ValueError(f"scale: expected one of {', '.join(SCALES)}, got {scale!r}")
    return scale


def to_scale(surv, se, scale: str) -> tuple[np.ndarray, np.ndarray]:
    """``(y, var y)`` of survival ``surv`` with SE ``se`` on ``scale`` (NaN where undefined)."""
    s = np.asarray(surv, dtype=float)
    v = np.asarray(se, dtype=float) ** 2
    ok = (s > 0) & (s < 1) & (v > 0) & np.isfinite(v)
    s_ok = np.where(ok, s, 0.5)
    if check_scale(scale) == "cloglog":
        y = np.log(-np.log(s_ok))
        vy = v / (s_ok * np.log(s_ok)) ** 2
    elif scale == "logit":
        y = np.log(s_ok / (1 - s_ok))
        vy = v / (s_ok * (1 - s_ok)) ** 2
    else:
        y = np.log(s_ok)
        vy = v / s_ok ** 2
    return np.where(ok, y, np.nan), np.where(ok, vy, np.nan)


def from_scale(y, scale: str) -> np.ndarray:
    """Survival from ``y`` on ``scale`` (inverse of :func:`to_scale`)."""
    y = np.asarray(y, dtype=float)
    if check_scale(scale) == "cloglog":
        return np.exp(-np.exp(y))
    if scale == "logit":
        return 1.0 / (1.0 + np.exp(-y))
    return np.exp(y)


def interval_from_scale(lb: float, ub: float, scale: str) -> tuple[float, float]:
    """Back-transformed ``(lower, upper)`` survival limits of a ``[lb, ub]`` interval on scale."""
    a, b = float(from_scale(lb, scale)), float(from_scale(ub, scale))
    return (min(a, b), max(a, b))
