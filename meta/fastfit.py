"""Lean, batched refits of the intercept-only random-effects model for the sensitivity analyses.

Leave-one-out, influence diagnostics and cumulative meta-analysis refit the model to many
subsets of one data set. :func:`meta.model.rma` builds a full
:class:`~meta.results.RmaResult` each time (input checks, frozen copies, lazily the Q-profile CI
and prediction intervals); here the m subsets are stacked as rows of ``(m, n)`` arrays (shorter
subsets padded and masked out) and every estimator and summary is evaluated for all rows at
once with the same formulas as :mod:`meta.tau2`, :mod:`meta.heterogeneity` and
:mod:`meta.results`:

* tau² of each row by :func:`meta.tau2.estimate_tau2` (the one implementation of every
  estimator; a row it cannot fit keeps its error);
* the summaries (estimate, SE, CI, Q, I², H²) for all rows at once.

Results equal ``rma()`` up to floating-point round-off (row sums are summed in another order;
``tests/meta/test_fastfit.py`` checks 1e-10 relative on the fixtures). Only ``X = 1`` (no
moderators) is supported. :func:`pooled_estimate` (the trim-and-fill loop) is the scalar
arithmetic of ``rma`` without the result object, bitwise equal.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import chdtrc, ndtr, stdtr, stdtrit

from meta.level import check_level, critical_value
from meta.tau2 import Tau2Control, estimate_tau2

__all__ = ["Subsets", "cumulative_subsets", "fit_rows", "leave_one_out_subsets",
           "pooled_estimate", "tau2_rows"]


class Subsets:
    """m subsets of one data set as padded rows.

    Attributes
    ----------
    Y, V : ndarray, shape (m, n)
        Effects and sampling variances of each subset; padding has ``y = 0``, ``v = 1``.
    M : ndarray, shape (m, n)
        1.0 for a study in the subset, 0.0 for padding.
    n : ndarray of int, shape (m,)
        Number of studies in each subset.
    """

    def __init__(self, Y: np.ndarray, V: np.ndarray, M: np.ndarray) -> None:
        self.Y, self.V, self.M = Y, V, M
        self.n = M.sum(axis=1).astype(int)

    def row(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        """The compact (unpadded) ``yi, vi`` of subset ``i``."""
        keep = self.M[i] > 0.0
        return self.Y[i, keep], self.V[i, keep]

    def take(self, rows: np.ndarray) -> Subsets:
        """The subsets ``rows`` only."""
        return Subsets(self.Y[rows], self.V[rows], self.M[rows])


def leave_one_out_subsets(y: np.ndarray, v: np.ndarray) -> Subsets:
    """Row i holds every study but study i (input order kept), k - 1 columns, no padding."""
    k = y.size
    cols = np.arange(k - 1)
    idx = cols[None, :] + (cols[None, :] >= np.arange(k)[:, None])
    return Subsets(y[idx], v[idx], np.ones((k, k - 1)))


def cumulative_subsets(y: np.ndarray, v: np.ndarray) -> Subsets:
    """Row j holds the first j + 1 studies (in the order given), padded to k columns."""
    k = y.size
    M = np.tri(k)
    return Subsets(np.where(M > 0, y[None, :], 0.0), np.where(M > 0, v[None, :], 1.0), M)


def _sums(a: np.ndarray, M: np.ndarray) -> np.ndarray:
    return (a * M).sum(axis=1)


def _q_at(S: Subsets, tau2: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(Q(tau²), sum w, sum w²)`` per row with ``w = 1/(v + tau²)`` (Viechtbauer 2007 eq. 6)."""
    w = S.M / (S.V + tau2[:, None])
    s1 = w.sum(axis=1)
    r = S.Y - ((w * S.Y).sum(axis=1) / s1)[:, None]
    return (w * r * r).sum(axis=1), s1, (w * w).sum(axis=1)


def tau2_rows(S: Subsets, method: str, con: Tau2Control | None = None
              ) -> tuple[np.ndarray, dict[int, ValueError]]:
    """tau² of every subset with ``method`` (FE for a one-study subset, as ``rma``).

    Each row is estimated by :func:`meta.tau2.estimate_tau2`, the one implementation of every
    estimator. Returns the estimates and the errors of rows it could not fit (row ->
    ValueError; their tau² is NaN).
    """
    con = con or Tau2Control()
    tau2 = np.zeros(S.n.size)
    errors: dict[int, ValueError] = {}
    if method == "FE":
        return tau2, errors
    for i in np.flatnonzero(S.n >= 2):
        yi, vi = S.row(int(i))
        try:
            tau2[i] = estimate_tau2(yi, vi, np.ones((yi.size, 1)), method, con).tau2
        except ValueError as exc:
            tau2[i] = np.nan
            errors[int(i)] = exc
    return tau2, errors


def fit_rows(S: Subsets, method: str, test: str = "z", level: float = 95.0,
             knha_adhoc: bool = False, con: Tau2Control | None = None
             ) -> tuple[dict[str, np.ndarray], dict[int, ValueError]]:
    """The ``rma()`` summary of every subset (intercept-only model), row-wise.

    Parameters
    ----------
    S : Subsets
        The subsets; with ``test="knha"`` every subset needs >= 2 studies.
    method, test, level, knha_adhoc, con
        As :func:`meta.model.rma` (already validated by the caller).

    Returns
    -------
    columns : dict of ndarray
        ``k, estimate, se, zval, pval, ci_lb, ci_ub, Q, Q_pval, tau2, I2, H2`` and ``var_wald``
        (``1 / sum w``, squared effect units), as the ``RmaResult`` attributes of the same names.
    errors : dict
        Rows whose tau² estimator failed (see :func:`tau2_rows`); their columns are NaN.
    """
    tau2, errors = tau2_rows(S, method, con)
    n = S.n
    df = n - 1
    with np.errstate(divide="ignore", invalid="ignore"):
        w = S.M / (S.V + tau2[:, None])
        s1 = w.sum(axis=1)
        est = (w * S.Y).sum(axis=1) / s1
        var_wald = 1.0 / s1
        if test == "knha":
            r = S.Y - est[:, None]
            rss = (w * r * r).sum(axis=1)
            s2w = np.where(rss <= np.finfo(float).eps, 0.0, rss / df)
            if knha_adhoc:
                s2w = np.maximum(1.0, s2w)
            se = np.sqrt(var_wald * s2w)
            zval = est / se
            pval = 2.0 * stdtr(df, -np.abs(zval))
            crit = stdtrit(df, 1.0 - (1.0 - check_level(level) / 100.0) / 2.0)  # rows
        else:
            se = np.sqrt(var_wald)
            zval = est / se
            pval = 2.0 * ndtr(-np.abs(zval))
            crit = critical_value(level)
        q0, w1, w2 = _q_at(S, np.zeros(n.size))
        has_df = df > 0
        Q = np.where(has_df, np.maximum(0.0, q0), 0.0)
        Q_pval = np.where(has_df, chdtrc(np.maximum(df, 1), Q), 1.0)
        vt = np.where(has_df, df / (w1 - w2 * (1.0 / w1)), 0.0)
        if method == "FE":
            I2 = np.where(has_df & (Q > 0.0), np.maximum(0.0, 100.0 * (Q - df) / Q), 0.0)
            H2 = np.where(has_df, Q / np.maximum(df, 1), 1.0)
        else:
            I2 = np.where(vt > 0.0, 100.0 * tau2 / (vt + tau2), 0.0)
            H2 = np.where(vt > 0.0, tau2 / vt + 1.0, 1.0)
    cols = {"k": n.astype(float), "estimate": est, "se": se, "zval": zval, "pval": pval,
            "ci_lb": est - crit * se, "ci_ub": est + crit * se, "Q": Q, "Q_pval": Q_pval,
            "tau2": tau2, "I2": I2, "H2": H2, "var_wald": var_wald}
    return cols, errors


def pooled_estimate(yi: np.ndarray, vi: np.ndarray, method: str,
                    control: dict[str, Any] | Tau2Control | None = None) -> float:
    """``rma(yi, vi, method=method).estimate`` without building the result (same arithmetic,
    bitwise equal): tau² from :func:`meta.tau2.estimate_tau2` (FE for one study), then the
    weighted mean with ``w = 1/(v + tau²)``."""
    X = np.ones((yi.size, 1))
    tau2 = estimate_tau2(yi, vi, X, "FE" if yi.size == 1 else method, control).tau2
    w = 1.0 / (vi + tau2)
    return float(np.dot(w, yi)) / float(np.dot(w, np.ones(yi.size)))
