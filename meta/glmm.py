"""Binomial–normal random-intercept model for single-arm proportions (a GLMM).

Model (Stijnen, Hamza & Özdemir 2010, Stat Med 29:3046, section 2.1, the "binomial-normal"
model; Hamza, van Houwelingen & Stijnen 2008):

    x_i | u_i ~ Binomial(n_i, expit(β + σ u_i)),   u_i ~ N(0, 1),   τ² = σ².

The exact binomial likelihood needs no continuity correction, so zero-event and all-event studies
enter as they are. Each study's marginal likelihood ``∫ Binom(x_i | n_i, expit(β + σu)) φ(u) du``
is computed by adaptive Gauss–Hermite quadrature (Liu & Pierce 1994, Biometrika 81:624): the
integrand is centred at the conditional mode ``û_i`` and scaled by ``ŝ_i = (1 + σ² n_i p̂_i
(1 − p̂_i))^{-1/2}``, the curvature at the mode. One node (``nagq=1``) is the Laplace
approximation. This is what lme4's ``glmer(cbind(x, n - x) ~ 1 + (1 | study), family=binomial,
nAGQ=q)`` maximises, and metafor ``rma.glmm(measure="PLO", xi, ni)`` calls it with ``nAGQ=7``, the
default here. The standard error of β comes from the inverse Hessian of the log-likelihood in
(β, σ) jointly, as lme4's default ``vcov(use.hessian=TRUE)``; the Wald CI and z-test are metafor's
``test="z"``. I² and H² are metafor's: ``I² = τ²/(τ² + ṽ)``, ``H² = (τ² + ṽ)/ṽ`` with the
"typical" within-study variance ``ṽ = (k − 1) Σw / ((Σw)² − Σw²)``, ``w = 1/v_i``, of the
logit variances with 1/2 added where events are 0 or all (Higgins & Thompson 2002, Stat Med
21:1539, eq. 9). Difference from metafor: the heterogeneity tests (Wald/LRT) are not reported.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from scipy import optimize, special

from meta import distributions
from meta.effects import proportions
from meta.errors import ConvergenceWarning, MetaInputError, Note
from meta.level import check_level, critical_value
from meta.transforms import expit


@dataclass(frozen=True)
class GLMMResult:
    """Fit of the binomial–normal model (logit scale unless stated).

    Attributes
    ----------
    k : int
        Number of studies.
    estimate, se, zval, pval, ci_lb, ci_ub : float
        Pooled logit β, its standard error, Wald z, two-sided p and CI (level ``level``).
    tau2, tau : float
        Between-study variance σ² (logit scale) and σ.
    I2, H2 : float
        I² (percent) and H² from τ² and the typical within-study variance (metafor's definition).
    loglik : float
        Maximised log-likelihood (including the binomial coefficients, as lme4's ``logLik``).
    nagq : int
        Number of adaptive Gauss–Hermite nodes (1 = Laplace).
    level : float
        Confidence level, percent.
    prop, prop_ci_lb, prop_ci_ub : float
        Back-transformed (expit) estimate and CI: the median proportion across studies.
    converged : bool
        Optimiser success, gradient small and a positive-definite Hessian.
    message : str
        Optimiser message and any warning (e.g. τ² at the boundary 0).
    """

    k: int
    estimate: float
    se: float
    zval: float
    pval: float
    ci_lb: float
    ci_ub: float
    tau2: float
    tau: float
    I2: float
    H2: float
    loglik: float
    nagq: int
    level: float
    prop: float
    prop_ci_lb: float
    prop_ci_ub: float
    converged: bool
    message: str

    def to_dict(self) -> dict[str, Any]:
        """Plain dict with metafor's names, plus a ``backtransformed`` block."""
        out = asdict(self)
        out["backtransformed"] = {"estimate": out.pop("prop"), "ci_lb": out.pop("prop_ci_lb"),
                                  "ci_ub": out.pop("prop_ci_ub")}
        return out


def _modes(beta: float, sigma: float, x: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Conditional modes û_i of log Binom(x | n, expit(β + σu)) + log φ(u) (Newton)."""
    u = np.zeros_like(x)
    for _ in range(100):
        p = expit(beta + sigma * u)
        grad = sigma * (x - n * p) - u
        hess = -(sigma ** 2) * n * p * (1 - p) - 1.0
        step = grad / hess
        u = u - step
        if np.max(np.abs(step)) < 1e-13:
            break
    return u


def _loglik(beta: float, sigma: float, x: np.ndarray, n: np.ndarray, nodes: np.ndarray,
            weights: np.ndarray, logchoose: np.ndarray) -> float:
    """Adaptive Gauss–Hermite log-likelihood Σ_i log ∫ Binom φ du (Liu & Pierce 1994, eq. 5)."""
    sigma = abs(sigma)  # the likelihood is even in σ
    u_hat = _modes(beta, sigma, x, n)
    p_hat = expit(beta + sigma * u_hat)
    s_hat = 1.0 / np.sqrt(1.0 + sigma ** 2 * n * p_hat * (1 - p_hat))
    u = u_hat[:, None] + np.sqrt(2.0) * s_hat[:, None] * nodes[None, :]
    eta = beta + sigma * u
    # log Binom(x | n, expit(eta)) without the coefficient: x*eta - n*log(1 + e^eta)
    log_f = (x[:, None] * eta - n[:, None] * np.logaddexp(0.0, eta)
             - 0.5 * u ** 2 - 0.5 * np.log(2 * np.pi) + nodes[None, :] ** 2)
    log_int = special.logsumexp(log_f, b=weights[None, :], axis=1)
    return float(np.sum(logchoose + np.log(np.sqrt(2.0) * s_hat) + log_int))


def _hessian(f: Any, theta: np.ndarray, h: float = 1e-4) -> np.ndarray:
    """Central-difference Hessian of a smooth scalar function (error O(h²))."""
    d = len(theta)
    H = np.empty((d, d))
    for a in range(d):
        for b in range(a, d):
            ea, eb = np.eye(d)[a] * h, np.eye(d)[b] * h
            H[a, b] = H[b, a] = (f(theta + ea + eb) - f(theta + ea - eb) - f(theta - ea + eb)
                                 + f(theta - ea - eb)) / (4 * h * h)
    return H


def glmm_proportion(events: Sequence[float], total: Sequence[float], *, nagq: int = 7,
                    level: float = 95.0) -> GLMMResult:
    """Fit the binomial–normal random-intercept model by maximum likelihood.

    Parameters
    ----------
    events, total : sequence of int
        Events ``x_i`` and patients ``n_i`` per study (``0 <= x_i <= n_i``, ``n_i >= 1``,
        at least 2 studies). Zero and all events need no correction.
    nagq : int
        Number of adaptive Gauss–Hermite nodes (>= 1; 1 is the Laplace approximation; 7 is
        metafor's default for ``rma.glmm``).
    level : float
        Confidence level in percent for the Wald CI.

    Returns
    -------
    GLMMResult
    """
    x = np.asarray(events, dtype=float)
    n = np.asarray(total, dtype=float)
    if x.ndim != 1 or n.shape != x.shape:
        raise MetaInputError(f"events, total: expected two sequences of equal length, got "
                         f"{x.shape} and {n.shape}")
    if len(x) < 2:
        raise MetaInputError(f"events: expected at least 2 studies, got {len(x)}")
    for name, arr in (("events", x), ("total", n)):
        bad = ~np.isfinite(arr) | (arr < 0) | (arr != np.round(arr))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise MetaInputError(f"{name}[{i}]: expected a whole number >= 0, got {arr[i]}")
    if (n < 1).any() or (x > n).any():
        i = int(np.flatnonzero((n < 1) | (x > n))[0])
        raise MetaInputError(
            f"events[{i}], total[{i}]: expected 0 <= events <= total and total >= 1,"
                         f" got {x[i]:g}/{n[i]:g}")
    if int(nagq) != nagq or nagq < 1:
        raise MetaInputError(f"nagq: expected an integer >= 1, got {nagq}")
    check_level(level)
    if (x == 0).all() or (x == n).all():
        raise MetaInputError("events: all studies have 0 events (or all events); the logit "
                         "estimate is infinite")
    nodes, weights = special.roots_hermite(int(nagq))
    logchoose = special.gammaln(n + 1) - special.gammaln(x + 1) - special.gammaln(n - x + 1)

    def negll(theta: np.ndarray) -> float:
        return -_loglik(theta[0], theta[1], x, n, nodes, weights, logchoose)

    # Start: pooled logit with 1/2 added to every cell, σ from the spread of the study logits.
    y = np.log((x + 0.5) / (n - x + 0.5))
    start = np.array([float(np.mean(y)), max(float(np.std(y)), 0.1)])
    fit = optimize.minimize(negll, start, method="L-BFGS-B",
                            bounds=[(None, None), (0.0, None)],
                            options={"ftol": 1e-15, "gtol": 1e-10, "maxiter": 10000})
    best = fit.x
    # Polish: derivative-free search from the L-BFGS-B point (robust near σ = 0).
    polish = optimize.minimize(lambda t: negll(np.array([t[0], abs(t[1])])), best,
                               method="Nelder-Mead",
                               options={"xatol": 1e-10, "fatol": 1e-14, "maxiter": 20000})
    if polish.fun <= fit.fun:
        best = np.array([polish.x[0], abs(polish.x[1])])
    beta, sigma = float(best[0]), float(best[1])
    messages: list[str] = []
    at_boundary = sigma < 1e-5
    if at_boundary:
        sigma = 0.0
        messages.append("tau2 at the boundary 0")
    H = _hessian(negll, np.array([beta, sigma]))
    if at_boundary:  # the cross derivative vanishes at σ = 0 (the likelihood is even in σ)
        H = np.array([[H[0, 0], 0.0], [0.0, max(H[1, 1], 1e-300)]])
    try:
        vcov = np.linalg.inv(H)
        pos_def = bool(np.all(np.linalg.eigvalsh(H) > 0)) or at_boundary
    except np.linalg.LinAlgError:
        vcov, pos_def = np.full((2, 2), np.nan), False
    se = float(np.sqrt(vcov[0, 0])) if vcov[0, 0] > 0 else float("nan")
    grad = (negll(np.array([beta + 1e-6, sigma])) - negll(np.array([beta - 1e-6, sigma]))) / 2e-6
    converged = bool(np.isfinite(se) and pos_def and abs(grad) < 1e-3)
    if not converged:
        messages.append(f"not converged ({fit.message}): check the gradient/Hessian")
    w = 1 / proportions(x, n, "PLO").vi
    vt = (len(x) - 1) * w.sum() / (w.sum() ** 2 - np.sum(w ** 2))
    z_crit = critical_value(level)
    zval = beta / se
    ci_lb, ci_ub = beta - z_crit * se, beta + z_crit * se
    return GLMMResult(
        k=len(x), estimate=beta, se=se, zval=zval, pval=float(2 * distributions.norm_sf(abs(zval))),
        ci_lb=ci_lb, ci_ub=ci_ub, tau2=sigma ** 2, tau=sigma,
        I2=100 * sigma ** 2 / (sigma ** 2 + vt), H2=(sigma ** 2 + vt) / vt,
        loglik=-float(negll(best)),
        nagq=int(nagq), level=level, prop=float(expit(beta)), prop_ci_lb=float(expit(ci_lb)),
        prop_ci_ub=float(expit(ci_ub)), converged=converged,
        message=Note("; ".join(messages), ConvergenceWarning) if messages else "")
