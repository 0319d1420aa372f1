"""Kaplan–Meier analyses of (pseudo-)IPD, defined as R survival 3.5 defines them.

The one Kaplan–Meier implementation of hccmeta. It lives in ``extraction`` (not ``meta``) because
both layers need it and dependencies point ``reports -> meta -> extraction``: the reconstruction
checks (:mod:`extraction.km`) and the IPD audit (:mod:`extraction.audit`) use it here, and
:mod:`meta.survival` re-exports it as part of the statistics library.

* Product-limit estimate (Kaplan & Meier 1958, JASA 53:457) with Greenwood's variance
  (Greenwood 1926), reported as R's ``survfit`` does: ``std_err`` is the standard error of the
  cumulative hazard −log S, sqrt(Σ d/(n(n−d))).
* Pointwise confidence intervals: ``conf_type="log"`` (R's default: S·exp(±z·se)), ``"log-log"``
  (Kalbfleisch & Prentice 1980: S^exp(±z·se/log S)) or ``"plain"`` (S ± z·S·se), clipped to [0, 1].
* Median and its CI as R's ``survmean``: the first time the curve (or the lower / upper CI
  curve) is ≤ 0.5; on an exact 0.5 plateau the midpoint to the next time (Brookmeyer & Crowley
  1982, Biometrics 38:29, inverted CI).
* Landmark survival as ``summary(fit, times=)``.
* Restricted mean survival time to τ and its SE as ``print(fit, rmean=τ)`` (Klein & Moeschberger
  2003, §4.5; Royston & Parmar 2013, BMC Med Res Methodol 13:152):
  var = Σ_{t_i ≤ τ} A_i² d_i / (n_i (n_i − d_i)), A_i the area under S from t_i to τ.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from extraction.levels import critical_value

_TOL = float(np.sqrt(np.finfo(float).eps))  # R survmean's tolerance for "equals 0.5"


@dataclass(frozen=True)
class KMFit:
    """A Kaplan–Meier fit with pointwise confidence limits, one row per distinct time.

    Attributes
    ----------
    time : numpy.ndarray
        Distinct observed times (events or censorings), as R's ``survfit$time``.
    n_risk, n_event, n_censor : numpy.ndarray
        At risk just before, events and censorings at each time.
    surv : numpy.ndarray
        Survival just after each time.
    std_err : numpy.ndarray
        SE of −log S (R's ``std.err``); inf where everyone left has died.
    lower, upper : numpy.ndarray
        Pointwise limits (NaN where undefined, as R's NA).
    conf_type : str
        ``"log"``, ``"log-log"`` or ``"plain"``.
    level : float
        Confidence level in percent (e.g. 95), as metafor's ``level``.
    """

    time: np.ndarray
    n_risk: np.ndarray
    n_event: np.ndarray
    n_censor: np.ndarray
    surv: np.ndarray
    std_err: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    conf_type: str
    level: float

    def at(self, t) -> np.ndarray:
        """Survival at times ``t`` (right-continuous; 1 before the first time)."""
        idx = np.searchsorted(self.time, np.asarray(t, dtype=float), side="right") - 1
        return np.where(idx >= 0, self.surv[np.maximum(idx, 0)], 1.0)


@dataclass(frozen=True)
class Median:
    """Median survival with its CI (NaN where not reached), in the data's time unit."""

    estimate: float
    lower: float
    upper: float


@dataclass(frozen=True)
class Landmark:
    """Survival at landmark times, as R ``summary(fit, times=)``; NaN beyond follow-up.

    ``se`` is the Greenwood standard error of S (R ``summary``'s ``std.err``: S times the SE of
    −log S); ``n_risk`` the number at risk at each time.
    """

    time: np.ndarray
    surv: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    n_risk: np.ndarray
    se: np.ndarray


@dataclass(frozen=True)
class RMST:
    """Restricted mean survival time to ``tau`` and its standard error."""

    tau: float
    estimate: float
    se: float


def _limits(surv: np.ndarray, se: np.ndarray, z: float, conf_type: str
            ) -> tuple[np.ndarray, np.ndarray]:
    with np.errstate(divide="ignore", invalid="ignore"):
        if conf_type == "log":
            lower = surv * np.exp(-z * se)
            upper = np.minimum(surv * np.exp(z * se), 1.0)
            bad = (surv == 0) | ~np.isfinite(se)
        elif conf_type == "log-log":  # undefined (NaN, R's NA) where S is 0 or 1
            loglog = np.log(-np.log(surv))
            w = z * se / np.log(surv)
            a, b = np.exp(-np.exp(loglog - w)), np.exp(-np.exp(loglog + w))
            lower, upper = np.minimum(a, b), np.maximum(a, b)
            bad = (surv == 0) | (surv == 1) | ~np.isfinite(se)
        elif conf_type == "plain":
            lower = np.maximum(surv - z * surv * se, 0.0)
            upper = np.minimum(surv + z * surv * se, 1.0)
            bad = ~np.isfinite(se)
        else:
            raise ValueError(f"conf_type: expected 'log', 'log-log' or 'plain', got {conf_type!r}")
    return np.where(bad, np.nan, lower), np.where(bad, np.nan, upper)


def check_time_event(time: Any, event: Any) -> tuple[np.ndarray, np.ndarray]:
    """Survival data as arrays: non-empty, 1-d, equal length, finite times >= 0 (months), events
    1 (event) or 0 (censored); the one input check of the KM and Cox fits."""
    t = np.asarray(time, dtype=float)
    raw = np.asarray(event)
    if t.ndim != 1 or t.shape != raw.shape or t.size == 0:
        raise ValueError("time, event: expected non-empty 1-d arrays of equal length, got "
                         f"shapes {t.shape} and {raw.shape}")
    if not np.all(np.isfinite(t)) or np.any(t < 0):
        raise ValueError("time: expected finite times >= 0")
    if not np.all(np.isin(raw, (0, 1))):
        raise ValueError("event: expected 1 (event) or 0 (censored)")
    return t, raw.astype(int)


def kaplan_meier(time, event, conf_type: str = "log", level: float = 95.0) -> KMFit:
    """Kaplan–Meier estimate with Greenwood SE and pointwise CIs, as R ``survfit``.

    Parameters
    ----------
    time : array_like
        Follow-up times (any unit; months in hccmeta).
    event : array_like
        1 event, 0 censored.
    conf_type : {"log", "log-log", "plain"}
        CI transform; R's default is ``"log"``.
    level : float
        Confidence level in percent (95 gives 95% intervals), as metafor's ``level``; a
        proportion such as 0.95 is refused (it would silently give 0.95% intervals).
    """
    time, event = check_time_event(time, event)
    uniq, inverse = np.unique(time, return_inverse=True)
    n_event = np.bincount(inverse, weights=event, minlength=uniq.size)
    n_all = np.bincount(inverse, minlength=uniq.size).astype(float)
    n_risk = time.size - np.concatenate(([0.0], np.cumsum(n_all)[:-1]))
    surv = np.cumprod(1.0 - n_event / n_risk)
    with np.errstate(divide="ignore", invalid="ignore"):
        hh = np.where(n_event > 0, n_event / (n_risk * (n_risk - n_event)), 0.0)
    se = np.sqrt(np.cumsum(hh))
    z = critical_value(level)
    if conf_type not in ("log", "log-log", "plain"):
        raise ValueError(f"conf_type: expected 'log', 'log-log' or 'plain', got {conf_type!r}")
    lower, upper = _limits(surv, se, z, conf_type)
    return KMFit(uniq, n_risk, n_event, n_all - n_event, surv, se, lower, upper, conf_type,
                 float(level))


def _first_below_half(y: np.ndarray, x: np.ndarray) -> float:
    """R survmean's ``minmin``: first x with y ≤ 0.5; on an exact 0.5, midpoint to next drop."""
    keep = ~np.isnan(y) & (y < 0.5 + _TOL)
    if not keep.any():
        return float("nan")
    xs, ys = x[keep], y[keep]
    if abs(ys[0] - 0.5) < _TOL:
        lower_than = np.flatnonzero(ys < ys[0])
        if lower_than.size:
            return float((xs[0] + xs[lower_than[0]]) / 2)
    return float(xs[0])


def median_survival(fit: KMFit) -> Median:
    """Median and CI (R ``survfit`` table: median, 0.95LCL, 0.95UCL)."""
    return Median(_first_below_half(fit.surv, fit.time), _first_below_half(fit.lower, fit.time),
                  _first_below_half(fit.upper, fit.time))


def landmark_survival(fit: KMFit, times) -> Landmark:
    """Survival, CI and number at risk at ``times`` (R ``summary(fit, times=, extend=TRUE)``).

    Times after the last observed time give NaN (R leaves them out).
    """
    times = np.asarray(times, dtype=float)
    idx = np.searchsorted(fit.time, times, side="right") - 1
    before = idx < 0
    j = np.maximum(idx, 0)
    surv = np.where(before, 1.0, fit.surv[j])
    lower = np.where(before, 1.0, fit.lower[j])
    upper = np.where(before, 1.0, fit.upper[j])
    with np.errstate(invalid="ignore"):
        se = np.where(before, 0.0, fit.surv[j] * fit.std_err[j])
    nxt = np.searchsorted(fit.time, times, side="left")
    n_risk = np.where(nxt < fit.time.size, fit.n_risk[np.minimum(nxt, fit.time.size - 1)], 0.0)
    beyond = times > fit.time[-1]
    nan = np.full(times.shape, np.nan)
    return Landmark(times, np.where(beyond, nan, surv), np.where(beyond, nan, lower),
                    np.where(beyond, nan, upper), np.where(beyond, nan, n_risk),
                    np.where(beyond, nan, se))


def rmst(fit: KMFit, tau: float) -> RMST:
    """Restricted mean survival time to ``tau`` with SE, as R ``print(fit, rmean=tau)``.

    Area under the KM step curve on [0, τ]; variance Σ A_i² d_i/(n_i(n_i − d_i)) over event
    times t_i ≤ τ with A_i the area from t_i to τ (Klein & Moeschberger 2003, eq. 4.5.1–4.5.2);
    terms with n_i = d_i are 0, as in R.
    """
    keep = fit.time <= tau
    t = np.concatenate((fit.time[keep], [tau]))
    s = fit.surv[keep]
    widths = np.diff(np.concatenate(([0.0], t)))
    heights = np.concatenate(([1.0], s))
    rect = widths * heights
    with np.errstate(divide="ignore", invalid="ignore"):
        d, n = fit.n_event[keep], fit.n_risk[keep]
        hh = np.where((n - d) == 0, 0.0, d / (n * (n - d)))
    area_after = np.cumsum(rect[1:][::-1])[::-1]  # area from t_i to tau
    var = float(np.sum(area_after**2 * hh))
    return RMST(float(tau), float(rect.sum()), float(np.sqrt(var)))
