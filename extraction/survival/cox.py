"""Two-arm comparison of (pseudo-)IPD by a Cox model: the one Cox fit of hccmeta (R survival 3.5).

* Cox proportional hazards (Cox 1972, JRSS-B 34:187) with one covariate, Newton–Raphson on the
  partial likelihood with step halving, vectorised over event times; ties by Efron (1977, JASA
  72:557), R ``coxph``'s default, or Breslow (1974, Biometrics 30:89). Wald CI exp(β ± z·SE)
  and Wald p, as ``summary(coxph)``.
* Variance: model-based (inverse observed information at β̂), or with ``cluster`` the robust
  (sandwich) variance of Lin & Wei (1989, JASA 84:1074): I⁻¹ (Σ_g U_g²) I⁻¹ with U_g the sum of
  the score residuals of cluster g, as R ``coxph(..., cluster = g)`` (Breslow ties only here).
  Score residual of subject i (Therneau & Grambsch 2000, §4.6, Breslow):
  U_i = δ_i (x_i − x̄(t_i)) − e^{βx_i} Σ_{t_j ≤ t_i} (x_i − x̄(t_j)) d_j / S0(t_j).

It lives in ``extraction`` so that the audit (reported vs reconstructed HR) and ``meta`` use the
same fit; :mod:`meta.survival` re-exports it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

from extraction.levels import critical_value
from extraction.survival.km import check_time_event


@dataclass(frozen=True)
class CoxResult:
    """Cox model of ``arm`` (1 vs 0): log HR ``coef``, its SE, HR with Wald CI, z and p.

    ``variance`` is ``"model"`` (inverse information) or ``"robust"`` (cluster sandwich);
    ``level`` is the CI level in percent; ``n`` and ``events`` count the patients used.
    """

    coef: float
    se: float
    hr: float
    lower: float
    upper: float
    z: float
    p: float
    ties: str
    level: float
    variance: str = "model"
    n: int = 0
    events: int = 0


def _inputs(time, event, arm) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x = np.asarray(arm, dtype=float)
    if x.ndim != 1 or x.size != np.asarray(time).size:
        raise ValueError("time, event, arm: expected non-empty 1-d arrays of equal length, got "
                         f"lengths {np.asarray(time).size}, {np.asarray(event).size}, {x.size}")
    t, d = check_time_event(time, event)
    if not np.all(np.isin(x, (0.0, 1.0))):
        raise ValueError("arm: expected 0/1 group indicators")
    return t, d, x


def cox_hr(time, event, arm, ties: str = "efron", level: float = 95.0, cluster=None
           ) -> CoxResult:
    """Hazard ratio of ``arm`` = 1 versus 0 from a Cox model (R ``coxph(Surv ~ arm)``).

    Parameters
    ----------
    time, event : array_like
        Follow-up (months) and event indicator (1 event, 0 censored).
    arm : array_like
        0/1 group indicator.
    ties : {"efron", "breslow"}
        Tie handling; R's default is Efron.
    level : float
        Level of the Wald interval in percent (95), as metafor's ``level``.
    cluster : array_like, optional
        Cluster labels (e.g. study): robust sandwich variance (R ``cluster =``); needs Breslow
        ties. The model-based variance otherwise.
    """
    if ties not in ("efron", "breslow"):
        raise ValueError(f"ties: expected 'efron' or 'breslow', got {ties!r}")
    q = critical_value(level)
    time, event, x = _inputs(time, event, arm)
    if cluster is not None and ties != "breslow":
        raise ValueError("cluster: the robust variance is implemented for ties='breslow' only")
    if x.min() == x.max() or not event.any():
        raise ValueError("arm: expected both groups and at least one event")
    xc = x - x.mean()  # centred, as coxph; β unchanged
    coef, info = _newton(time, event, xc, ties)
    se = float(1.0 / np.sqrt(info))
    variance = "model"
    if cluster is not None:
        groups = np.asarray(cluster)
        if groups.shape != time.shape:
            raise ValueError("cluster: expected one label per patient")
        u = score_residuals(time, event, xc, coef)
        _, g = np.unique(groups, return_inverse=True)
        ug = np.bincount(g, u)
        se = float(np.sqrt(np.sum(ug ** 2)) / info)
        variance = "robust"
    z = coef / se
    return CoxResult(coef, se, float(np.exp(coef)), float(np.exp(coef - q * se)),
                     float(np.exp(coef + q * se)), float(z), float(2 * special.ndtr(-abs(z))),
                     ties, float(level), variance, int(time.size), int(event.sum()))


def _partial_likelihood(beta: float, parts) -> tuple[float, float, float]:
    """Log partial likelihood, score and information at ``beta`` (Efron or Breslow)."""
    uniq_inv, ev_idx, frac, x, event = parts
    w = np.exp(beta * x)
    n_u = int(uniq_inv.max()) + 1
    a0 = np.bincount(uniq_inv, w, n_u)
    a1 = np.bincount(uniq_inv, w * x, n_u)
    a2 = np.bincount(uniq_inv, w * x * x, n_u)
    ew = w * event
    t0 = np.bincount(uniq_inv, ew, n_u)
    t1 = np.bincount(uniq_inv, ew * x, n_u)
    t2 = np.bincount(uniq_inv, ew * x * x, n_u)
    s0 = np.cumsum(a0[::-1])[::-1]  # risk-set sums: times >= t
    s1 = np.cumsum(a1[::-1])[::-1]
    s2 = np.cumsum(a2[::-1])[::-1]
    r0 = s0[ev_idx] - frac * t0[ev_idx]  # Efron: the tied deaths leave the risk set gradually
    r1 = s1[ev_idx] - frac * t1[ev_idx]
    r2 = s2[ev_idx] - frac * t2[ev_idx]
    xe = float(np.sum(x * event))
    loglik = beta * xe - float(np.sum(np.log(r0)))
    mean = r1 / r0
    return loglik, xe - float(np.sum(mean)), float(np.sum(r2 / r0 - mean * mean))


def _newton(time: np.ndarray, event: np.ndarray, x: np.ndarray, ties: str
            ) -> tuple[float, float]:
    """β̂ and the information at β̂, by Newton–Raphson with step halving (as coxph)."""
    _, uniq_inv = np.unique(time, return_inverse=True)
    d = np.bincount(uniq_inv, event)
    ev_times = np.flatnonzero(d > 0)
    counts = d[ev_times].astype(int)
    ev_idx = np.repeat(ev_times, counts)
    if ties == "efron":
        frac = (np.arange(ev_idx.size) - np.repeat(np.cumsum(counts) - counts, counts)) / \
            np.repeat(counts, counts)
    else:
        frac = np.zeros(ev_idx.size)
    parts = (uniq_inv, ev_idx, frac, x, event.astype(float))
    beta = 0.0
    loglik, score, info = _partial_likelihood(beta, parts)
    for _ in range(100):
        step = score / info
        new = beta + step
        new_ll, new_score, new_info = _partial_likelihood(new, parts)
        while new_ll < loglik - 1e-12 and abs(new - beta) > 1e-14:  # step halving
            new = (beta + new) / 2
            new_ll, new_score, new_info = _partial_likelihood(new, parts)
        beta, loglik, score, info = new, new_ll, new_score, new_info
        if abs(step) < 1e-12 or abs(score) < 1e-12:
            break
    return float(beta), float(info)


def score_residuals(time: np.ndarray, event: np.ndarray, x: np.ndarray, beta: float
                    ) -> np.ndarray:
    """Score residuals per subject at ``beta`` (Breslow), as R ``residuals(fit, "score")``."""
    uniq, inv = np.unique(time, return_inverse=True)
    n_u = uniq.size
    w = np.exp(beta * x)
    s0 = np.cumsum(np.bincount(inv, w, n_u)[::-1])[::-1]
    s1 = np.cumsum(np.bincount(inv, w * x, n_u)[::-1])[::-1]
    d = np.bincount(inv, event.astype(float), n_u)
    xbar = s1 / s0
    dlam = d / s0
    cum_a = np.cumsum(dlam)  # Σ_{t_j <= t} dΛ(t_j)
    cum_b = np.cumsum(xbar * dlam)
    return event * (x - xbar[inv]) - w * (x * cum_a[inv] - cum_b[inv])
