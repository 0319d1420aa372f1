"""Batched REML fits of one meta-regression design to many simulated data sets.

The maximised Monte Carlo tests (:mod:`meta.decision`, :mod:`meta.adjusted`) fit the same
design ``X`` (k x p) to tens of thousands of simulated effect vectors; :func:`meta.model.rma`
one row at a time would take seconds. Here the rows are fitted together by the *same
algorithm* as the one-row estimator :func:`meta.tau2.estimate_tau2` (REML), step for step:

* start at the Hedges (1983) estimate, truncated at 0;
* Newton steps (observed information ``y'PPPy - tr PP / 2``) where the REML log likelihood is
  locally concave, Fisher-scoring steps (expected information ``tr PP / 2``) elsewhere, score
  ``(y'PPy - tr P) / 2`` (Viechtbauer 2005, J Educ Behav Stat 30:261, eqs. 9 and 13); stop
  when the step is below ``threshold``;
* a step that would make tau² negative: if the score at 0 is <= 0 and the likelihood at 0 is
  at least the current one, the row is resolved at the boundary (below); otherwise the
  Fisher-scoring step is halved until tau² stays >= 0 (metafor's rule);
* metafor's ``ll0check`` after convergence (tau² -> boundary resolution when the likelihood at
  0 is higher by more than ``ll0_tol``);
* boundary resolution: tau² = 0 unless the likelihood on the grid of
  :func:`meta.tau2.boundary_grid` shows an interior peak, in which case (rare) that row is
  handed to the one-row estimator, which refines the peaks; rows that do not converge in
  ``maxiter`` steps are handed to it too. The batch therefore never returns a tau² the one-row
  estimator would not.

Then ``beta = (X'WX)^-1 X'W y``, ``vcov_wald = (X'WX)^-1`` and the Knapp–Hartung scale
``s² = sum w r² / (k - p)`` (Hartung & Knapp 2001), as ``RmaResult`` names them. Rows equal
``rma(yi, vi, mods=X[:, 1:], method="REML")`` (``tests/meta/test_adjusted_mmc.py``,
``tests/meta/test_batch_regression.py``). Only REML is provided.
"""

from __future__ import annotations

import math

import numpy as np

from meta.errors import ConvergenceError
from meta.tau2 import (
    Tau2Control,
    boundary_grid,
    converged,
    estimate_tau2,
    interior_peak_mask,
    standardised_design,
)

_LOG_2PI = math.log(2 * math.pi)


def _inverse(M: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row-wise inverse and log determinant of symmetric positive definite ``M`` (m, p, p);
    closed forms for p = 1 and 2 (the common designs), LAPACK otherwise."""
    p = M.shape[1]
    if p == 1:
        return 1.0 / M, np.log(M[:, 0, 0])
    if p == 2:
        a, b, d = M[:, 0, 0], M[:, 0, 1], M[:, 1, 1]
        det = a * d - b * b
        inv = np.empty_like(M)
        inv[:, 0, 0], inv[:, 1, 1] = d / det, a / det
        inv[:, 0, 1] = inv[:, 1, 0] = -b / det
        return inv, np.log(det)
    return np.linalg.inv(M), np.linalg.slogdet(M)[1]


def _quadratic(A: np.ndarray, c: np.ndarray) -> np.ndarray:
    """``c' A c`` per row (A symmetric; written out for p <= 2)."""
    if A.shape[1] == 1:
        return A[:, 0, 0] * c[:, 0] ** 2
    if A.shape[1] == 2:
        return (A[:, 0, 0] * c[:, 0] ** 2 + 2.0 * A[:, 0, 1] * c[:, 0] * c[:, 1]
                + A[:, 1, 1] * c[:, 1] ** 2)
    return np.einsum("mi,mij,mj->m", c, A, c)


class _Design:
    """``X`` with its outer products ``x_i x_i'`` flattened (k, p²): ``X' diag(w) X`` of every
    row is then one matrix product ``w @ outer``."""

    def __init__(self, X: np.ndarray):
        # C order: numpy's matmul with a Fortran-ordered small matrix (np.c_ makes one) was
        # measured 40x slower
        self.X = np.ascontiguousarray(X, dtype=float)
        self.XT = np.ascontiguousarray(self.X.T)
        self.k, self.p = X.shape
        self.outer = (X[:, :, None] * X[:, None, :]).reshape(self.k, self.p * self.p)

    def gram(self, W: np.ndarray) -> np.ndarray:
        """``X' diag(w) X`` per row of ``W`` (m, p, p)."""
        return (W @ self.outer).reshape(-1, self.p, self.p)

    def wls(self, Y: np.ndarray, W: np.ndarray
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``A = (X'WX)^-1``, ``log det X'WX``, ``beta`` and residuals per row."""
        A, logdet = _inverse(self.gram(W))
        beta = np.einsum("mij,mj->mi", A, (W * Y) @ self.X)
        return A, logdet, beta, Y - beta @ self.XT

    def reml_loglik(self, Y: np.ndarray, V: np.ndarray, tau2: np.ndarray) -> np.ndarray:
        """REML log likelihood per row at ``tau2`` (Viechtbauer 2005, eq. 7); ``tau2`` of shape
        (m,) gives (m,), of shape (m, g) (a grid per row) gives (m, g)."""
        if tau2.ndim == 2:
            Y, V = Y[:, None, :], V[:, None, :]
        M = V + tau2[..., None]
        W = 1.0 / M
        WY = W * Y
        shape = M.shape[:-1]
        W2, WY2 = W.reshape(-1, self.k), WY.reshape(-1, self.k)
        A, logdet = _inverse(self.gram(W2))
        rss = (np.einsum("...k,...k->...", WY, Y).reshape(-1)
               - _quadratic(A, WY2 @ self.X))  # y'Wy - b'(X'WX)^-1 b
        ll = -0.5 * ((self.k - self.p) * _LOG_2PI + np.log(M).sum(axis=-1).reshape(-1)
                     + logdet + rss)
        return ll.reshape(shape)

    def step_parts(self, Y: np.ndarray, V: np.ndarray, tau2: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Twice the REML score, the expected and the observed information per row, as
        ``meta.tau2`` computes them for one row."""
        W = 1.0 / (V + tau2[:, None])
        A, _, _, r = self.wls(Y, W)
        W2 = W * W
        AB2 = A @ self.gram(W2)
        tr_p = W.sum(axis=1) - np.trace(AB2, axis1=1, axis2=2)
        tr_pp = (W2.sum(axis=1) - 2 * np.trace(A @ self.gram(W2 * W), axis1=1, axis2=2)
                 + np.einsum("mij,mji->m", AB2, AB2))
        u = W * r  # P y
        c = (W * u) @ self.X  # X'W P y
        upu = (W * u * u).sum(axis=1) - _quadratic(A, c)  # y'PPPy
        return (u * u).sum(axis=1) - tr_p, tr_pp, 2.0 * upu - tr_pp

    def hedges(self, Y: np.ndarray, V: np.ndarray) -> np.ndarray:
        """Hedges (1983) estimate per row: ``(RSS_OLS - sum v_i (1 - h_ii)) / (k - p)``."""
        hat = self.X @ np.linalg.solve(self.X.T @ self.X, self.X.T)
        r = Y - Y @ hat.T
        return ((r * r).sum(axis=1) - (V * (1.0 - np.diag(hat))).sum(axis=1)) / (self.k - self.p)


def fit_reml_rows(Y: np.ndarray, V: np.ndarray, X: np.ndarray, *,
                  control: Tau2Control | None = None) -> dict[str, np.ndarray]:
    """REML meta-regression of every row of ``Y`` (m x k, variances ``V``) on design ``X``.

    Parameters
    ----------
    Y, V : ndarray, shape (m, k)
        Effects and sampling variances (> 0) per row.
    X : ndarray, shape (k, p)
        Common design matrix including the intercept column (full column rank), k > p.
    control : Tau2Control, optional
        ``threshold``, ``maxiter`` and ``ll0_tol`` as for :func:`meta.tau2.estimate_tau2`.

    Returns
    -------
    dict of ndarray
        ``tau2`` (m,), ``beta`` (m, p), ``vcov_wald`` (m, p, p), ``s2`` (m,), ``iterations``
        (m,, the one-row estimator's included) and ``one_row`` (m, bool: rows resolved by the
        one-row estimator). A row the one-row estimator cannot fit either (it did not converge)
        has NaN throughout: callers count it as exceeding any statistic (conservative).

    tau² is computed on ``X`` with its non-constant columns standardised when it has an
    intercept (:func:`meta.tau2.standardised_design`, as the one-row estimator: the same model,
    better conditioned), the coefficients on ``X`` as given.
    """
    con = control or Tau2Control()
    m, k = Y.shape
    p = X.shape[1]
    if k <= p:
        raise ValueError(f"X: {p} coefficients need more than {p} studies, got k={k}")
    design = _Design(standardised_design(X))  # tau² (final coefficients: on X itself, below)
    tau2 = np.maximum(0.0, design.hedges(Y, V))
    zero_is_max = design.step_parts(Y, V, np.zeros(m))[0] <= 0.0
    shortcut = np.ones(m, bool)
    boundary = np.zeros(m, bool)
    upper = np.zeros(m)
    iterations = np.zeros(m, int)
    active = np.ones(m, bool)
    for _ in range(con.maxiter):
        rows = np.flatnonzero(active)
        if rows.size == 0:
            break
        t = tau2[rows]
        num, fisher, newton = design.step_parts(Y[rows], V[rows], t)
        den = np.where(newton > 0.0, newton, fisher)
        with np.errstate(divide="ignore", invalid="ignore"):
            adj = np.where(den > 0.0, num / den, 0.0)
        adj[~np.isfinite(adj)] = 0.0
        iterations[rows] += 1
        neg = t + adj < 0.0
        to_boundary = np.zeros(rows.size, bool)
        if neg.any():
            ask = np.flatnonzero(neg & shortcut[rows] & zero_is_max[rows])
            if ask.size:
                at_zero = design.reml_loglik(Y[rows[ask]], V[rows[ask]], np.zeros(ask.size))
                here = design.reml_loglik(Y[rows[ask]], V[rows[ask]], t[ask])
                to_boundary[ask[at_zero >= here]] = True
                shortcut[rows[ask[at_zero < here]]] = False  # metafor's steps from here
            halve = neg & ~to_boundary
            with np.errstate(divide="ignore", invalid="ignore"):
                adj[halve] = np.where(fisher[halve] > 0.0, num[halve] / fisher[halve], 0.0)
            while (short := halve & (t + adj < 0.0)).any():
                adj[short] /= 2.0
        sent = rows[to_boundary]
        boundary[sent], upper[sent], active[sent] = True, t[to_boundary], False
        moved = ~to_boundary
        tau2[rows[moved]] = t[moved] + adj[moved]
        active[rows[moved & converged(adj, t + adj, con.threshold)]] = False
    one_row = active.copy()  # not converged in maxiter steps
    check = np.flatnonzero(~active & ~boundary & (tau2 > con.threshold))
    if check.size:  # metafor's ll0check
        worse = (design.reml_loglik(Y[check], V[check], np.zeros(check.size))
                 - design.reml_loglik(Y[check], V[check], tau2[check])) > con.ll0_tol
        boundary[check[worse]], upper[check[worse]] = True, tau2[check[worse]]
    at = np.flatnonzero(boundary)
    if at.size:
        peaks = _interior_peaks(design, Y[at], V[at], upper[at])
        tau2[at[~peaks]] = 0.0
        one_row[at[peaks]] = True
    for i in np.flatnonzero(one_row):
        try:
            fit = estimate_tau2(Y[i], V[i], design.X, "REML", con)
            tau2[i] = fit.tau2
            iterations[i] += fit.iterations
        except ConvergenceError:
            tau2[i] = np.nan
    tau2 = np.maximum(tau2, 0.0)
    W = 1.0 / (V + tau2[:, None])
    A, _, beta, r = _Design(X).wls(Y, W)
    rss = (W * r * r).sum(axis=1)
    s2 = np.where(rss <= np.finfo(float).eps, 0.0, rss / (k - p))
    return {"tau2": tau2, "beta": beta, "vcov_wald": A, "s2": s2, "iterations": iterations,
            "one_row": one_row}


def _interior_peaks(design: _Design, Y: np.ndarray, V: np.ndarray, upper: np.ndarray,
                    chunk: int = 512) -> np.ndarray:
    """Whether each row's REML likelihood shows an interior peak on the boundary grid of
    :func:`meta.tau2.boundary_grid` (the rows where tau² = 0 is not the answer outright).
    Evaluated ``chunk`` rows at a time (x 49 grid points: temporaries stay in the CPU cache)."""
    out = np.zeros(Y.shape[0], bool)
    for lo in range(0, Y.shape[0], chunk):
        y, v = Y[lo:lo + chunk], V[lo:lo + chunk]
        ll = design.reml_loglik(y, v, boundary_grid(y, v, upper[lo:lo + chunk]))
        out[lo:lo + chunk] = interior_peak_mask(ll).any(axis=1)
    return out
