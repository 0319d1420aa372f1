"""Analysis scales for pooling survival proportions across arms, with delta-method variances.

For an arm's Kaplan–Meier survival ``S`` with Greenwood standard error ``se`` (of S):

* ``cloglog``: ``y = log(−log S)``, ``var(y) = se² / (S log S)²`` (the scale of R survfit's
  ``conf.type = "log-log"``; Kalbfleisch & Prentice 1980, §1.3). Back: ``S = exp(−exp(y))``,
  decreasing in y, so interval bounds swap.
* ``logit``: ``y = log(S / (1 − S))``, ``var(y) = se² / (S (1 − S))²``. Back: ``expit(y)``.
* ``log``: ``y = log S``, ``var(y) = se² / S²``. Back: ``exp(y)``.

Only 0 < S < 1 with se > 0 can be transformed on these scales (log(−log 1) and logit(1) are
infinite, and the Greenwood SE at S = 1 is 0); such arms are left out with a reason by the
callers.

An arm with no event yet (S = 1) is nonetheless informative, and leaving it out of a pool biases
it downwards. :func:`common_binomial` keeps it, on the survival scale itself: each arm's S with
the binomial variance ``S̄ (1 − S̄) / n_eff`` at the arms' common survival ``S̄ = Σ n_eff S /
Σ n_eff``, where ``n_eff = S (1 − S) / se²`` is the arm's effective sample size (the binomial n
with the Greenwood variance; Dorey & Korn 1987, Stat Med 6:679, compare such effective sample
sizes) and, at S = 1 where that is 0/0, its limit, the number at risk at t (just after a first
event of d among n at risk the Greenwood variance is exactly ``S (1 − S) / n``). ``S̄`` is the
maximum-likelihood estimate of a survival common to binomial arms of sizes ``n_eff``, and the
fixed-effect pool of these ``(S, v)`` equals it. Evaluating every arm's variance at ``S̄`` rather
than at its own S removes the correlation between an arm's estimate and its weight that biases
inverse-variance pools of proportions near 0 or 1 (Hamza, van Houwelingen & Stijnen 2008,
J Clin Epidemiol 61:41).
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


def effective_n(surv, se, n_risk) -> np.ndarray:
    """Kaplan–Meier effective sample size ``S (1 − S) / se²`` (0 < S < 1, se > 0), or the
    number at risk ``n_risk`` at S = 1 (no event yet); NaN otherwise (S = 0, beyond follow-up,
    no one at risk). See the module notes."""
    s = np.asarray(surv, dtype=float)
    v = np.asarray(se, dtype=float) ** 2
    n = np.asarray(n_risk, dtype=float)
    inside = (s > 0) & (s < 1) & (v > 0) & np.isfinite(v)
    top = (s == 1) & (n > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(inside, s * (1 - s) / np.where(inside, v, 1.0), np.where(top, n, np.nan))


def common_binomial(surv, se, n_risk) -> tuple[np.ndarray, np.ndarray, float]:
    """``(S, S̄ (1 − S̄) / n_eff, S̄)`` of arms at one time, S = 1 included (module notes).

    ``y`` and ``v`` are NaN for arms without an effective sample size (:func:`effective_n`);
    ``v`` is 0 for every arm when ``S̄ = 1`` (no arm has had an event).
    """
    s = np.asarray(surv, dtype=float)
    n = effective_n(surv, se, n_risk)
    ok = np.isfinite(n)
    if not ok.any():
        return np.full(s.shape, np.nan), np.full(s.shape, np.nan), float("nan")
    sbar = float(np.sum(n[ok] * s[ok]) / np.sum(n[ok]))
    y = np.where(ok, s, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        v = np.where(ok, sbar * (1 - sbar) / n, np.nan)
    return y, v, sbar
