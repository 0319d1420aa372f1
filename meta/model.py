"""The random-effects / mixed-effects model ``rma`` (metafor's ``rma.uni``) for yi, vi data.

``rma(yi, vi, method=..., test=..., mods=...)`` estimates tau² (:mod:`meta.tau2`), then the
coefficients by weighted least squares with ``w_i = 1/(v_i + tau²)``
(Viechtbauer 2010, J Stat Softw 36(3), eqs. 3-4). Inference:

* ``test="z"``: Wald tests and CIs with the normal quantile.
* ``test="knha"``: Hartung & Knapp (2001, Stat Med 20:3875) / Sidik & Jonkman (2002, Stat Med
  21:3153): the variance is scaled by ``s² = sum w_i r_i² / (k - p)`` and the t(k - p)
  quantile is used. With ``knha_adhoc=True`` the scale is ``max(1, s²)``, i.e. the SE is
  ``max(se_knha, se_wald)`` (Röver, Knapp & Friede 2015, BMC Med Res Methodol 15:99; metafor
  ``test="adhoc"``).

Degenerate input raises ``ValueError`` naming the argument. k = 1 (one study) is allowed with
``test="z"`` and returns the documented common-effect result: tau² = 0, the estimate is the
study's ``yi`` with SE ``sqrt(vi)``, Q = 0 on 0 df with p = 1, I² = 0, H² = 1, no tau² CI and the
prediction interval equal to the CI (metafor's ``k = 1`` behaviour for every method). ``test =
"knha"`` with k = 1 (or k <= p) raises, since t(0) does not exist. With ``test="knha"`` and
effects that fit the model exactly (``sum w r² = 0``, e.g. identical ``yi``) the Knapp–Hartung SE
is 0 and the CI a point, as in metafor; ``knha_adhoc=True`` avoids that.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from meta.errors import MetaInputError
from meta.heterogeneity import cochran_q, i2_h2_from_q, i2_h2_from_tau2
from meta.level import check_level
from meta.results import RmaResult
from meta.tau2 import METHODS, Tau2Control, estimate_tau2, wls

__all__ = ["RmaResult", "as_design", "check_options", "check_yi_vi", "pseudo_r2", "rma"]

TESTS = ("z", "knha")
# Magnitudes beyond these overflow the sums of w³r² in the tau² iterations (1e308 is the largest
# double); no effect size on an additive scale comes near them.
MAX_ABS_YI = 1e50
MIN_VI, MAX_VI = 1e-50, 1e50


def check_yi_vi(yi: Any, vi: Any) -> tuple[np.ndarray, np.ndarray]:
    """Validate effects and sampling variances; return float arrays.

    Raises
    ------
    ValueError
        With a message naming ``yi`` or ``vi``: not 1-D, empty, different lengths, non-finite
        values, ``|yi| > 1e50``, a variance <= 0 or outside ``[1e-50, 1e50]``.
    """
    y = np.asarray(yi, dtype=float)
    v = np.asarray(vi, dtype=float)
    for name, arr in (("yi", y), ("vi", v)):
        if arr.ndim != 1:
            raise MetaInputError(
                f"{name}: expected a 1-D array of per-study values, got shape {arr.shape}"
            )
        if arr.size == 0:
            raise MetaInputError(f"{name}: no studies; give at least one effect size")
        bad = np.flatnonzero(~np.isfinite(arr))
        if bad.size:
            raise MetaInputError(
                f"{name}: expected finite numbers, got {arr[bad[0]]} at index {bad[0]} "
                f"({bad.size} non-finite value(s)); remove or fix those studies"
            )
    if y.shape != v.shape:
        raise MetaInputError(
            f"yi and vi: lengths differ ({y.size} vs {v.size}); give one variance per effect"
        )
    bad = np.flatnonzero(np.abs(y) > MAX_ABS_YI)
    if bad.size:
        raise MetaInputError(
            f"yi: expected |value| <= {MAX_ABS_YI:g} (an effect on an additive scale, e.g. a log "
            f"ratio), got {y[bad[0]]:g} at index {bad[0]} ({bad.size} value(s)); check the data"
        )
    bad = np.flatnonzero((v > 0) & ((v < MIN_VI) | (v > MAX_VI)))
    if bad.size:
        raise MetaInputError(
            f"vi: expected a variance in [{MIN_VI:g}, {MAX_VI:g}], got {v[bad[0]]:g} at index "
            f"{bad[0]} ({bad.size} value(s)); check the data"
        )
    bad = np.flatnonzero(v <= 0)
    if bad.size:
        raise MetaInputError(
            f"vi: sampling variances must be > 0, got {v[bad[0]]} at index {bad[0]} "
            f"({bad.size} value(s) <= 0); check the data or apply a continuity correction"
        )
    return y, v


def as_design(mods: Any, k: int) -> np.ndarray:
    """Design matrix ``[1, mods]`` (k x p) from moderators given without the intercept column.

    A 1-D ``mods`` is one moderator. Raises ValueError for wrong length, non-finite values or
    columns that are constant or collinear with the others (not estimable).
    """
    if mods is None:
        return np.ones((k, 1))
    m = np.asarray(mods, dtype=float)
    if m.ndim == 1:
        m = m[:, None]
    if m.ndim != 2 or m.shape[0] != k:
        raise MetaInputError(
            f"mods: expected a (k={k}) x p array of moderators, got shape {m.shape}")
    if not np.all(np.isfinite(m)):
        row = int(np.flatnonzero(~np.all(np.isfinite(m), axis=1))[0])
        raise MetaInputError(f"mods: expected finite values, got a non-finite value in row {row}")
    X = np.column_stack([np.ones(k), m])
    if np.linalg.matrix_rank(X) < X.shape[1]:
        raise MetaInputError(
            "mods: columns are constant or collinear with the intercept/other moderators; "
            "drop the redundant column(s)"
        )
    return X


def check_options(method: str, test: str, level: Any) -> float:
    """Validate ``method``, ``test`` and ``level`` as :func:`rma` does; return the level (%).

    Raises
    ------
    ValueError
        Naming the argument: an unknown method or test, or a level outside (1, 100).
    """
    if method not in METHODS:
        raise MetaInputError(f"method: expected one of {', '.join(METHODS)}, got {method!r}")
    if test not in TESTS:
        raise MetaInputError(f"test: expected 'z' or 'knha', got {test!r}")
    return check_level(level)


def rma(
    yi: Any,
    vi: Any = None,
    *,
    measure: str | None = None,
    ni: Any = None,
    mod_names: Any = None,
    method: str = "REML",
    test: str = "z",
    mods: Any = None,
    level: float = 95.0,
    knha_adhoc: bool = False,
    control: dict[str, Any] | Tau2Control | None = None,
) -> RmaResult:
    """Fit a random-effects (or mixed-effects with ``mods``) model like metafor's ``rma()``.

    Parameters
    ----------
    yi : array-like, shape (k,), or EffectTable
        Effect sizes on an additive scale (e.g. log hazard ratios), or an
        :class:`~meta.effects.EffectTable` (from ``generic``, ``ratios``, ``proportions``,
        ``median_survival``: the escalc analogues), which also gives ``vi``, ``measure`` and
        ``ni``.
    vi : array-like, shape (k,)
        Sampling variances (squared units of ``yi``), finite and > 0.
    measure : str, optional
        Scale of ``yi`` for back-transformation (``GEN`` when not given: none).
    ni : array-like, optional
        Study sizes, for the Freeman–Tukey (``PFT``) back-transformation.
    mod_names : sequence of str, optional
        Names of the moderator columns (printed summary, ``to_frame``).
    method : {"FE", "DL", "REML", "ML", "PM", "HS", "SJ", "EB", "HE"}
        tau² estimator; ``FE`` is the common-effect model.
    test : {"z", "knha"}
        Wald (normal) or Hartung–Knapp–Sidik–Jonkman (t) inference for the coefficients.
    mods : array-like, shape (k, m), optional
        Moderators without the intercept column (it is added).
    level : float
        Confidence level in percent (0 < level < 100).
    knha_adhoc : bool
        Use ``max(1, s²)`` as the Knapp–Hartung scale (applies to the ``knha`` block, and to the
        main results when ``test="knha"``).
    control : dict or Tau2Control, optional
        Convergence settings (``threshold``, ``maxiter``, ``tol``, ``tau2_max``, ``ll0_tol``).

    Returns
    -------
    RmaResult
    """
    if vi is None and hasattr(yi, "yi") and hasattr(yi, "vi"):  # an EffectTable
        table = yi
        yi, vi = table.yi, table.vi
        measure = measure or table.measure
        if ni is None:
            ni = table.extra.get("ni")
    if vi is None:
        raise MetaInputError("vi: expected sampling variances (or pass an EffectTable as yi)")
    y, v = check_yi_vi(yi, vi)
    k = y.size
    lev = check_options(method, test, level)
    con = Tau2Control.from_mapping(control)  # type: ignore[arg-type]
    X = as_design(mods, k)
    p = X.shape[1]
    if k < p or (k == p and p > 1):
        raise MetaInputError(
            f"mods: {p} coefficients need more than {p} studies, got k={k}; drop moderators"
        )
    if test == "knha" and k <= p:
        raise MetaInputError(
            f"test='knha' needs k > p studies (t with k - p df), got k={k}, p={p}; use test='z'"
        )
    fit = estimate_tau2(y, v, X, "FE" if k == 1 else method, con)
    tau2 = fit.tau2
    parts = wls(y, 1.0 / (v + tau2), X)
    w, beta, vcov_wald, resid = parts.w, parts.beta, parts.A, parts.resid
    df_resid = k - p
    if df_resid > 0:
        rss = float(np.dot(w, resid * resid))
        s2w = 0.0 if rss <= np.finfo(float).eps else rss / df_resid
        if knha_adhoc:
            s2w = max(1.0, s2w)
    else:
        s2w = float("nan")
    het = cochran_q(y, v, X)
    if method == "FE" and k > p:
        I2, H2 = i2_h2_from_q(het.Q, het.df)
    else:
        I2, H2 = i2_h2_from_tau2(tau2, het.vt)
    I2_q, H2_q = i2_h2_from_q(het.Q, het.df)
    r2 = pseudo_r2(y, v, X, beta, method, tau2, con) if p > 1 else None
    names = None if mod_names is None else tuple(str(n) for n in mod_names)
    if names is not None and len(names) != p - 1:
        raise MetaInputError(f"mod_names: expected {p - 1} names, got {len(names)}")
    return RmaResult(
        yi=_frozen(y),
        vi=_frozen(v),
        X=_frozen(X),
        method=method,
        test=test,
        level=lev,
        knha_adhoc=knha_adhoc,
        beta=_frozen(beta),
        vcov_wald=_frozen(vcov_wald),
        s2w=s2w,
        tau2=tau2,
        Q=het.Q,
        Q_df=het.df,
        Q_pval=het.pval,
        vt=het.vt,
        I2=I2,
        H2=H2,
        I2_higgins=I2_q,
        H2_higgins=H2_q,
        weights=_frozen(w / w.sum()),
        iterations=fit.iterations,
        control=con,
        R2=r2,
        measure=(measure or "GEN").upper(),
        ni=None if ni is None else _frozen(np.asarray(ni, dtype=float)),
        mod_names=names,
    )


def pseudo_r2(yi: np.ndarray, vi: np.ndarray, X: np.ndarray, beta: np.ndarray, method: str,
              tau2: float, control: Tau2Control) -> float | None:
    """Proportion (%) of tau² explained by the moderators (metafor's pseudo-R², r2def "1").

    ``max(0, 100 (tau²_RE - tau²_ME) / tau²_RE)`` with tau²_RE from the intercept-only model
    with the same method (Raudenbush 2009, eq. 16.26). For ``FE`` models metafor's
    weighted-regression adjusted R²: ``1 - (RSS/(k-p)) / (TSS/(k-1))`` with weights ``1/v``.

    None (not defined) when the denominator is 0: tau²_RE = 0 (there is no heterogeneity to
    explain), or TSS = 0 for ``FE``. metafor 3.8 returns 0 there
    (tests/reference/r/adjusted_leverage_r2.R), which reads as "the moderators explain none of
    it"; we differ on purpose so that an undefined R² is never shown as 0%.
    """
    k, p = X.shape
    if method == "FE":
        w = 1.0 / vi
        ybar = np.dot(w, yi) / w.sum()
        tss = float(np.dot(w, (yi - ybar) ** 2))
        if tss == 0.0:
            return None
        r = yi - X @ beta
        rss = float(np.dot(w, r * r))
        return max(0.0, 100.0 * (1.0 - (rss / (k - p)) / (tss / (k - 1))))
    base = estimate_tau2(yi, vi, np.ones((k, 1)), method, control).tau2
    if base == 0.0:
        return None
    return max(0.0, 100.0 * (base - tau2) / base)


def _frozen(a: np.ndarray) -> np.ndarray:
    a = np.array(a, dtype=float, copy=True)  # never freeze the caller's array
    a.setflags(write=False)
    return a
