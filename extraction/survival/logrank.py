"""Log-rank test (Mantel 1966; Peto & Peto 1972, JRSS-A 135:185) as R ``survdiff(rho = 0)``.

Observed and expected events per group, hypergeometric variance, χ² on k − 1 df.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special


@dataclass(frozen=True)
class LogRankResult:
    """Log-rank test: χ², df, p, and observed / expected events per group (sorted labels)."""

    chisq: float
    df: int
    p: float
    groups: tuple
    observed: np.ndarray
    expected: np.ndarray
    variance: np.ndarray


def log_rank(time, event, group) -> LogRankResult:
    """Log-rank test across the groups of ``group`` (R ``survdiff``, rho = 0).

    At each distinct event time t with n at risk and d events, group g expects
    E_g = d·n_g/n; V_gh = d (n − d)/(n − 1) · (n_g/n)(δ_gh − n_h/n). χ² = (O − E)ᵀ V⁻ (O − E)
    on the first k − 1 groups.
    """
    time = np.asarray(time, dtype=float)
    event = np.asarray(event, dtype=int)
    labels, g = np.unique(np.asarray(group), return_inverse=True)
    k = labels.size
    uniq, inv = np.unique(time, return_inverse=True)
    # events and exits per (time, group)
    d_tg = np.zeros((uniq.size, k))
    exit_tg = np.zeros((uniq.size, k))
    np.add.at(d_tg, (inv, g), event)
    np.add.at(exit_tg, (inv, g), 1.0)
    n_tg = exit_tg[::-1].cumsum(axis=0)[::-1]  # at risk: exits at or after t
    n_t = n_tg.sum(axis=1)
    d_t = d_tg.sum(axis=1)
    ev = d_t > 0
    n_tg, n_t, d_t, d_tg = n_tg[ev], n_t[ev], d_t[ev], d_tg[ev]
    frac = n_tg / n_t[:, None]
    expected = (d_t[:, None] * frac).sum(axis=0)
    observed = d_tg.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        w = np.where(n_t > 1, d_t * (n_t - d_t) / (n_t - 1), 0.0)
    var = np.einsum("t,tg,th->gh", w, frac, -frac) + np.diag((w[:, None] * frac).sum(axis=0))
    diff = (observed - expected)[: k - 1]
    chisq = float(diff @ np.linalg.solve(var[: k - 1, : k - 1], diff)) if k > 1 else 0.0
    return LogRankResult(chisq, k - 1, float(special.chdtrc(k - 1, chisq)) if k > 1 else 1.0,
                         tuple(labels.tolist()), observed, expected, var)
