"""Heterogeneity statistics: Cochran's Q, I² and H² (metafor's tau²-based and Higgins' Q-based).

References
----------
Cochran WG (1954) Biometrics 10:101. Higgins JPT, Thompson SG (2002) Stat Med 21:1539, eqs. 6-9.
Viechtbauer W (2010) J Stat Softw 36(3), section 3.2 (the "typical" within-study variance).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import chdtrc

from meta.tau2 import wls


@dataclass(frozen=True)
class Heterogeneity:
    """Q test and the typical within-study variance of a fit.

    Attributes
    ----------
    Q : float
        Cochran's Q (residual heterogeneity ``QE`` when there are moderators), >= 0.
    df : int
        ``k - p``.
    pval : float
        Upper chi-square(df) tail of Q; 1.0 when df = 0 (metafor's convention for k = p).
    vt : float
        Typical within-study variance ``(k - p) / tr P`` at ``W = diag(1/v_i)`` (squared effect
        units; Higgins & Thompson 2002 eq. 9 generalised, metafor ``i2def = "1"``); 0 when df = 0.
    """

    Q: float
    df: int
    pval: float
    vt: float


def cochran_q(yi: np.ndarray, vi: np.ndarray, X: np.ndarray) -> Heterogeneity:
    """Cochran's Q = sum w_i (y_i - x_i'beta_FE)² with ``w_i = 1/v_i`` (Cochran 1954).

    Parameters
    ----------
    yi, vi : ndarray, shape (k,)
        Effects and sampling variances (> 0).
    X : ndarray, shape (k, p)
        Design matrix including the intercept.
    """
    k, p = X.shape
    df = k - p
    if df <= 0:
        return Heterogeneity(0.0, 0, 1.0, 0.0)
    parts = wls(yi, 1.0 / vi, X)
    q = max(0.0, parts.rss)
    w = parts.w
    if p == 1:
        x2w2 = (X[:, 0] * w) ** 2
        trace_p = float(w.sum()) - float(x2w2.sum()) * float(parts.A[0, 0])
    else:
        trace_p = float(w.sum() - np.trace(parts.A @ (X.T @ (X * (w * w)[:, None]))))
    return Heterogeneity(q, df, float(chdtrc(df, q)), df / trace_p)


def i2_h2_from_tau2(tau2: float, vt: float) -> tuple[float, float]:
    """metafor's I² (%) and H² from tau²: ``I² = 100 tau²/(vt + tau²)``, ``H² = tau²/vt + 1``.

    Viechtbauer 2010 (J Stat Softw 36(3)) section 3.2; Higgins & Thompson 2002 eqs. 9-10 with
    tau² in place of the DL moment estimate. With ``vt = 0`` (df = 0) returns (0, 1).
    """
    if vt <= 0.0:
        return 0.0, 1.0
    return 100.0 * tau2 / (vt + tau2), tau2 / vt + 1.0


def i2_h2_from_q(q: float, df: int) -> tuple[float, float]:
    """Higgins' I² (%) and H² from Q: ``I² = max(0, 100 (Q - df)/Q)``, ``H² = Q/df``.

    Higgins & Thompson 2002 eqs. 6 and 8 (Higgins et al. 2003 BMJ 327:557). metafor reports these
    for the common-effect (FE) model. Returns (0, 1) when df = 0 or Q = 0.
    """
    if df <= 0:
        return 0.0, 1.0
    i2 = 0.0 if q <= 0.0 else max(0.0, 100.0 * (q - df) / q)
    return i2, q / df
