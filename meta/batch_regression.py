"""Batched REML fits of one meta-regression design to many simulated data sets.

The maximised Monte Carlo test with moderators (:func:`meta.adjusted.adjusted_benchmark`) fits
the same design ``X`` (k x p) to thousands of simulated effect vectors. :func:`meta.model.rma`
would take seconds; here the rows are fitted together with the same model and formulas as
:mod:`meta.tau2` (Viechtbauer 2005, J Educ Behav Stat 30:261, eqs. 7 and 13):

* REML by Fisher scoring, ``tau² <- tau² + (y'PPy - tr P) / tr PP``, started at the
  DerSimonian–Laird estimate (generalised to moderators: ``(Q_E - (k - p)) / (sum w -
  tr((X'WX)^-1 X'W²X))`` at ``w = 1/v``, truncated at 0), the step halved while it would make
  tau² negative, stopped when the change is below ``threshold``; then metafor's ``ll0check``
  (tau² = 0 when the REML log likelihood there is higher);
* ``beta = (X'WX)^-1 X'W y``, ``vcov_wald = (X'WX)^-1``, Knapp–Hartung scale
  ``s² = sum w r² / (k - p)`` (Hartung & Knapp 2001), as ``RmaResult`` names them.

Rows equal ``rma(yi, vi, mods=X[:, 1:], method="REML")`` to the convergence tolerance
(``tests/meta/test_adjusted_mmc.py`` checks 1e-6 relative). Only REML is provided.
"""

from __future__ import annotations

import math

import numpy as np

_LOG_2PI = math.log(2 * math.pi)


def _wls(Y: np.ndarray, W: np.ndarray, X: np.ndarray
         ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row-wise ``A = (X'WX)^-1``, ``beta`` and residuals ``r`` (shapes (m,p,p), (m,p), (m,k))."""
    XtW = X.T[None, :, :] * W[:, None, :]  # (m, p, k)
    A = np.linalg.inv(XtW @ X)
    beta = np.einsum("mij,mj->mi", A, np.einsum("mjk,mk->mj", XtW, Y))
    return A, beta, Y - beta @ X.T


def _trace_parts(W: np.ndarray, X: np.ndarray, A: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray]:
    """``tr P`` and ``tr PP`` per row (identities of :mod:`meta.tau2`)."""
    W2 = W * W
    XtW2X = (X.T[None, :, :] * W2[:, None, :]) @ X
    XtW3X = (X.T[None, :, :] * (W2 * W)[:, None, :]) @ X
    AB = A @ XtW2X
    tr_p = W.sum(axis=1) - np.trace(AB, axis1=1, axis2=2)
    tr_pp = (W2.sum(axis=1) - 2 * np.trace(A @ XtW3X, axis1=1, axis2=2)
             + np.einsum("mij,mji->m", AB, AB))
    return tr_p, tr_pp


def _reml_loglik(Y: np.ndarray, V: np.ndarray, X: np.ndarray, tau2: np.ndarray) -> np.ndarray:
    W = 1.0 / (V + tau2[:, None])
    A, _, r = _wls(Y, W, X)
    k, p = X.shape
    _, logdet_a = np.linalg.slogdet(A)
    return -0.5 * ((k - p) * _LOG_2PI + np.log(V + tau2[:, None]).sum(axis=1) - logdet_a
                   + (W * r * r).sum(axis=1))


def fit_reml_rows(Y: np.ndarray, V: np.ndarray, X: np.ndarray, *, threshold: float = 1e-10,
                  maxiter: int = 1000, ll0_tol: float = float(np.finfo(float).eps ** 0.25)
                  ) -> dict[str, np.ndarray]:
    """REML meta-regression of every row of ``Y`` (m x k, variances ``V``) on design ``X``.

    Parameters
    ----------
    Y, V : ndarray, shape (m, k)
        Effects and sampling variances (> 0) per row.
    X : ndarray, shape (k, p)
        Common design matrix including the intercept column (full column rank), k > p.

    Returns
    -------
    dict of ndarray
        ``tau2`` (m,), ``beta`` (m, p), ``vcov_wald`` (m, p, p), ``s2`` (m,) and
        ``iterations`` (m,).
    """
    m, k = Y.shape
    p = X.shape[1]
    if k <= p:
        raise ValueError(f"X: {p} coefficients need more than {p} studies, got k={k}")
    if p == 1 and np.all(X == 1.0):
        return _intercept_only(Y, V, threshold, maxiter, ll0_tol)
    W0 = 1.0 / V
    A0, _, r0 = _wls(Y, W0, X)
    q = (W0 * r0 * r0).sum(axis=1)
    tr_p0, _ = _trace_parts(W0, X, A0)
    tau2 = np.maximum(0.0, (q - (k - p)) / tr_p0)
    iters = np.zeros(m, int)
    active = np.ones(m, bool)
    for _ in range(maxiter):
        rows = np.flatnonzero(active)
        if rows.size == 0:
            break
        t = tau2[rows]
        W = 1.0 / (V[rows] + t[:, None])
        A, _, r = _wls(Y[rows], W, X)
        tr_p, tr_pp = _trace_parts(W, X, A)
        u = W * r
        adj = ((u * u).sum(axis=1) - tr_p) / tr_pp
        while (neg := t + adj < 0).any():
            adj[neg] /= 2.0
            tiny = neg & (np.abs(adj) <= threshold)
            adj[tiny] = -t[tiny]  # at the boundary
        tau2[rows] = t + adj
        iters[rows] += 1
        active[rows[np.abs(adj) <= threshold]] = False
    pos = np.flatnonzero(tau2 > threshold)
    if pos.size:
        stuck = (_reml_loglik(Y[pos], V[pos], X, np.zeros(pos.size))
                 - _reml_loglik(Y[pos], V[pos], X, tau2[pos])) > ll0_tol
        tau2[pos[stuck]] = 0.0
    tau2 = np.maximum(tau2, 0.0)
    W = 1.0 / (V + tau2[:, None])
    A, beta, r = _wls(Y, W, X)
    rss = (W * r * r).sum(axis=1)
    s2 = np.where(rss <= np.finfo(float).eps, 0.0, rss / (k - p))
    return {"tau2": tau2, "beta": beta, "vcov_wald": A, "s2": s2, "iterations": iters}


def _intercept_only(Y: np.ndarray, V: np.ndarray, threshold: float, maxiter: int,
                    ll0_tol: float) -> dict[str, np.ndarray]:
    """:func:`fit_reml_rows` for ``X = 1`` (the same steps, with the matrix algebra reduced to
    sums: ``tr P = sum w - sum w²/sum w``, ``tr PP = sum w² - 2 sum w³/sum w +
    (sum w²/sum w)²``, ``log det (X'WX)^-1 = -log sum w``)."""
    m, k = Y.shape

    def parts(W: np.ndarray, Yr: np.ndarray) -> tuple[np.ndarray, ...]:
        sw = W.sum(axis=1)
        r = Yr - ((W * Yr).sum(axis=1) / sw)[:, None]
        return sw, r

    def loglik(Yr: np.ndarray, Vr: np.ndarray, t: np.ndarray) -> np.ndarray:
        W = 1.0 / (Vr + t[:, None])
        sw, r = parts(W, Yr)
        return -0.5 * ((k - 1) * _LOG_2PI + np.log(Vr + t[:, None]).sum(axis=1) + np.log(sw)
                       + (W * r * r).sum(axis=1))

    W0 = 1.0 / V
    sw0, r0 = parts(W0, Y)
    tau2 = np.maximum(0.0, ((W0 * r0 * r0).sum(axis=1) - (k - 1))
                      / (sw0 - (W0 * W0).sum(axis=1) / sw0))
    iters = np.zeros(m, int)
    active = np.ones(m, bool)
    for _ in range(maxiter):
        rows = np.flatnonzero(active)
        if rows.size == 0:
            break
        t = tau2[rows]
        W = 1.0 / (V[rows] + t[:, None])
        sw, r = parts(W, Y[rows])
        W2 = W * W
        s2w = W2.sum(axis=1)
        tr_p = sw - s2w / sw
        tr_pp = s2w - 2 * (W2 * W).sum(axis=1) / sw + (s2w / sw) ** 2
        u = W * r
        adj = ((u * u).sum(axis=1) - tr_p) / tr_pp
        while (neg := t + adj < 0).any():
            adj[neg] /= 2.0
            tiny = neg & (np.abs(adj) <= threshold)
            adj[tiny] = -t[tiny]
        tau2[rows] = t + adj
        iters[rows] += 1
        active[rows[np.abs(adj) <= threshold]] = False
    pos = np.flatnonzero(tau2 > threshold)
    if pos.size:
        stuck = (loglik(Y[pos], V[pos], np.zeros(pos.size))
                 - loglik(Y[pos], V[pos], tau2[pos])) > ll0_tol
        tau2[pos[stuck]] = 0.0
    tau2 = np.maximum(tau2, 0.0)
    W = 1.0 / (V + tau2[:, None])
    sw, r = parts(W, Y)
    beta = ((W * Y).sum(axis=1) / sw)[:, None]
    rss = (W * r * r).sum(axis=1)
    s2 = np.where(rss <= np.finfo(float).eps, 0.0, rss / (k - 1))
    return {"tau2": tau2, "beta": beta, "vcov_wald": (1.0 / sw)[:, None, None], "s2": s2,
            "iterations": iters}
