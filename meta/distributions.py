"""Normal, t and chi-square tails and quantiles from :mod:`scipy.special`, and average ranks.

``scipy.stats`` costs about a second to import, more than a whole meta-analysis; these are the
same special functions its ``norm``/``t``/``chi2`` methods call (``ndtr``, ``ndtri``, ``stdtr``,
``stdtrit``, ``chdtrc``), so results are identical to ``scipy.stats`` to the last bit or two.
"""

from __future__ import annotations

import numpy as np
from scipy import special


def average_ranks(x: np.ndarray) -> np.ndarray:
    """Ranks 1..n of ``x`` with ties given their average rank (``scipy.stats.rankdata``'s
    default, without importing scipy.stats)."""
    x = np.asarray(x, dtype=float)
    order = np.argsort(x, kind="mergesort")
    ordered = x[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1], True])
    average = (starts[:-1] + starts[1:] - 1) / 2 + 1
    group = np.cumsum(np.r_[True, ordered[1:] != ordered[:-1]]) - 1
    ranks = np.empty(x.size)
    ranks[order] = average[group]
    return ranks


def norm_sf(x: float | np.ndarray) -> float | np.ndarray:
    """Upper tail P(Z > x) of the standard normal."""
    return special.ndtr(-np.asarray(x, dtype=float))[()]


def norm_cdf(x: float | np.ndarray) -> float | np.ndarray:
    """P(Z <= x) of the standard normal."""
    return special.ndtr(np.asarray(x, dtype=float))[()]


def norm_ppf(q: float | np.ndarray) -> float | np.ndarray:
    """Quantile of the standard normal: x with P(Z <= x) = q."""
    return special.ndtri(np.asarray(q, dtype=float))[()]


def norm_isf(q: float | np.ndarray) -> float | np.ndarray:
    """Inverse upper tail of the standard normal: x with P(Z > x) = q."""
    return -special.ndtri(np.asarray(q, dtype=float))[()]


def t_sf(x: float | np.ndarray, df: float) -> float | np.ndarray:
    """Upper tail P(T > x) of Student's t with ``df`` degrees of freedom."""
    return special.stdtr(df, -np.asarray(x, dtype=float))[()]


def t_ppf(q: float | np.ndarray, df: float) -> float | np.ndarray:
    """Quantile of Student's t with ``df`` degrees of freedom."""
    return special.stdtrit(df, np.asarray(q, dtype=float))[()]


def chi2_sf(x: float | np.ndarray, df: float) -> float | np.ndarray:
    """Upper tail P(X > x) of the chi-square distribution with ``df`` degrees of freedom."""
    return special.chdtrc(df, np.asarray(x, dtype=float))[()]
