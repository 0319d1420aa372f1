"""Back-transforms from the analysis scale to the natural scale.

Each function is elementwise, so the same call serves an estimate, CI bounds and prediction-
interval bounds. :func:`backtransform` dispatches on the measure names of :mod:`meta.effects`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import special

from meta.errors import MetaInputError

ArrayLike = float | Sequence[float] | np.ndarray


def expit(x: ArrayLike) -> np.ndarray:
    """Inverse logit ``1 / (1 + exp(-x))`` (metafor ``transf.ilogit``); proportion in [0, 1]."""
    return special.expit(np.asarray(x, dtype=float))


def logit(p: ArrayLike) -> np.ndarray:
    """Logit ``log(p / (1 - p))``."""
    return special.logit(np.asarray(p, dtype=float))


def pft(p: ArrayLike, n: ArrayLike) -> np.ndarray:
    """Freeman–Tukey double arcsine of a proportion ``p`` with ``n`` patients, metafor scale.

    ``t = (asin√(x/(n+1)) + asin√((x+1)/(n+1))) / 2`` with ``x = p n`` (Freeman & Tukey 1950;
    metafor's ``transf.pft`` halves the original sum).
    """
    p, n = np.asarray(p, float), np.asarray(n, float)
    x = p * n
    return 0.5 * (np.arcsin(np.sqrt(x / (n + 1))) + np.arcsin(np.sqrt((x + 1) / (n + 1))))


def ipft(t: ArrayLike, n: ArrayLike) -> np.ndarray:
    """Inverse Freeman–Tukey double arcsine for sample size ``n`` (Miller 1978, eq. 4).

    Miller (1978, The American Statistician 32:138) inverts the double arcsine
    ``2t`` (here ``t`` is metafor's half-sum) as
    ``p = ½ [1 − sgn(cos 2t) √(1 − (sin 2t + (sin 2t − 1/sin 2t)/n)²)]``.
    Values below ``pft(0, n)`` map to 0 and above ``pft(1, n)`` to 1, as in metafor
    ``transf.ipft``, where the formula is undefined or non-monotone.
    """
    t = np.asarray(t, dtype=float)
    n = np.broadcast_to(np.asarray(n, dtype=float), t.shape)
    s = np.sin(2 * t)
    with np.errstate(divide="ignore", invalid="ignore"):
        inner = 1 - (s + (s - 1 / s) / n) ** 2
        p = 0.5 * (1 - np.sign(np.cos(2 * t)) * np.sqrt(inner))
    p = np.where(t < pft(0.0, n), 0.0, p)
    p = np.where(t > pft(1.0, n), 1.0, p)
    return p


def harmonic_mean(n: ArrayLike) -> float:
    """Harmonic mean ``k / Σ 1/n_i`` of the study sizes (Miller 1978's choice of ``n``)."""
    n = np.asarray(n, dtype=float)
    if n.size == 0 or (n <= 0).any() or not np.isfinite(n).all():
        raise MetaInputError(f"ni: expected positive finite study sizes, got {n.tolist()}")
    return float(n.size / np.sum(1 / n))


def ipft_hm(t: ArrayLike, ni: ArrayLike) -> np.ndarray:
    """Inverse Freeman–Tukey with the harmonic mean of the study sizes ``ni``.

    As metafor ``transf.ipft.hm(x, targs=list(ni=ni))`` (Miller 1978); use it for a pooled
    estimate and its CI/PI, with ``ni`` the sizes of the pooled studies.
    """
    return ipft(t, harmonic_mean(ni))


def iarcsine(x: ArrayLike) -> np.ndarray:
    """Inverse arcsine square root ``sin(x)²`` with ``x`` clipped to ``[0, π/2]`` (metafor
    ``transf.iarcsin``)."""
    x = np.clip(np.asarray(x, dtype=float), 0.0, np.pi / 2)
    return np.sin(x) ** 2


def exp(x: ArrayLike) -> np.ndarray:
    """Exponential: log ratios -> ratios, log medians -> months."""
    return np.exp(np.asarray(x, dtype=float))


def backtransform(measure: str, values: ArrayLike, *, ni: ArrayLike | None = None
                  ) -> np.ndarray:
    """Values (estimate, CI or PI bounds) on the analysis scale of ``measure`` -> natural scale.

    ``PLO`` expit; ``PFT`` :func:`ipft_hm` (needs ``ni``); ``PAS`` :func:`iarcsine`; ``PR``
    identity; ``HR, OR, RR, RATIO, MED`` exp; ``GEN`` identity. NaN stays NaN.
    """
    m = measure.upper()
    v = np.asarray(values, dtype=float)
    if m == "PLO":
        return expit(v)
    if m == "PFT":
        if ni is None:
            raise MetaInputError("ni: the Freeman–Tukey back-transform needs the study sizes ni")
        return ipft_hm(v, ni)
    if m == "PAS":
        return iarcsine(v)
    if m in ("HR", "OR", "RR", "RATIO", "MED"):
        return exp(v)
    if m in ("PR", "GEN"):
        return v.copy()
    raise MetaInputError(f"measure: expected PLO, PFT, PAS, PR, HR, OR, RR, RATIO, MED or GEN, "
                     f"got {measure!r}")
