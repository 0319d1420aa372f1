"""Small-study effects: Egger's regression test, trim-and-fill, funnel-plot data.

All functions take effect sizes ``yi`` and sampling variances ``vi`` on the analysis scale (as
:func:`meta.model.rma`) and return frozen results; figures are drawn elsewhere from
:func:`funnel_data`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from meta import distributions
from meta.distributions import average_ranks
from meta.errors import MetaInputError
from meta.fastfit import pooled_estimate
from meta.level import critical_value
from meta.model import check_yi_vi, rma
from meta.results import RmaResult


@dataclass(frozen=True)
class EggerResult:
    """Regression test for funnel-plot asymmetry (metafor ``regtest``).

    Attributes
    ----------
    model : str
        ``"lm"`` (classical Egger, t-test) or ``"rma"`` (meta-regression on the SE, z-test).
    slope, slope_se : float
        Coefficient of ``sei`` in ``yi ~ sei`` and its standard error; the classical Egger
        intercept of ``yi/sei ~ 1/sei``.
    stat : float
        t (``lm``) or z (``rma``) statistic of the slope; ``df`` is ``k - 2`` for ``lm``, else None.
    pval : float
        Two-sided p-value.
    limit_estimate, limit_ci_lb, limit_ci_ub : float
        The intercept of ``yi ~ sei`` (the effect expected as ``sei -> 0``) and its CI.
    """

    model: str
    k: int
    slope: float
    slope_se: float
    stat: float
    df: int | None
    pval: float
    limit_estimate: float
    limit_ci_lb: float
    limit_ci_ub: float

    def to_dict(self) -> dict[str, Any]:
        """Plain dict for the JSON ``egger`` block."""
        return dict(self.__dict__)


def egger_test(yi: Any, vi: Any, *, model: str = "lm", method: str = "REML",
               level: float = 95.0) -> EggerResult:
    """Egger's regression test (Egger, Davey Smith, Schneider & Minder 1997, BMJ 315:629).

    ``model="lm"``: the classical test, ordinary least squares of the standard normal deviate
    ``yi/sei`` on the precision ``1/sei``; its intercept equals the slope of the weighted
    regression ``yi = b0 + b1 sei`` with weights ``1/vi`` (metafor ``regtest(model="lm")``),
    tested with t on ``k - 2`` df; the residual variance is estimated (multiplicative error).
    ``model="rma"``: the meta-regression ``rma(yi, vi, mods=sei, method=method)`` with a z-test
    of the ``sei`` coefficient (metafor ``regtest(model="rma", predictor="sei")``, test "z").

    Needs ``k >= 3``. ``limit_estimate`` is ``b0``, the "limit estimate" as ``sei -> 0``
    (metafor's ``est``; Rücker et al. 2011, Biostatistics 12:122 motivate it).
    """
    y, v = check_yi_vi(yi, vi)
    k = y.size
    if k < 3:
        raise MetaInputError(f"yi: Egger's test needs at least 3 studies, got k={k}")
    if model not in ("lm", "rma"):
        raise MetaInputError(f"model: expected 'lm' or 'rma', got {model!r}")
    sei = np.sqrt(v)
    if np.ptp(sei) <= 1e-12 * np.max(sei):
        raise MetaInputError(
            "vi: Egger's test needs studies of different precision (all sei equal)")
    if model == "lm":
        X = np.column_stack([np.ones(k), sei])
        w = 1 / v
        XtWX = X.T @ (X * w[:, None])
        beta = np.linalg.solve(XtWX, X.T @ (w * y))
        resid = y - X @ beta
        df = k - 2
        s2 = float(np.dot(w, resid ** 2)) / df
        vcov = s2 * np.linalg.inv(XtWX)
        se = np.sqrt(np.diag(vcov))
        stat = float(beta[1] / se[1])
        pval = float(2 * distributions.t_sf(abs(stat), df))
        crit = critical_value(level, df)
        b0, se0, dfs = float(beta[0]), float(se[0]), df
    else:
        fit = rma(y, v, mods=sei, method=method, level=level)
        stat = float(fit.zval_beta[1])
        pval = float(fit.pval_beta[1])
        beta, se = fit.beta, fit.se_beta
        crit = float(fit.crit)
        b0, se0, dfs = float(beta[0]), float(se[0]), None
    return EggerResult(model=model, k=k, slope=float(beta[1]), slope_se=float(se[1]),
                       stat=stat, df=dfs, pval=pval, limit_estimate=b0,
                       limit_ci_lb=b0 - crit * se0, limit_ci_ub=b0 + crit * se0)


@dataclass(frozen=True)
class TrimFillResult:
    """Trim-and-fill result (metafor ``trimfill``).

    Attributes
    ----------
    k0, se_k0 : int, float
        Estimated number of missing studies (L0) and its standard error.
    side : str
        ``"left"`` or ``"right"``: where the missing studies were imputed.
    yi, vi : numpy.ndarray
        Observed then imputed effects and variances (the augmented data, observed first).
    filled : numpy.ndarray of bool
        True for the imputed studies.
    fit : RmaResult
        The model refitted to the augmented data with the same method.
    """

    k0: int
    se_k0: float
    side: str
    yi: np.ndarray
    vi: np.ndarray
    filled: np.ndarray
    fit: RmaResult

    def to_dict(self) -> dict[str, Any]:
        """Plain dict for the JSON ``trimfill`` block."""
        f = self.fit
        return {"k0": self.k0, "se_k0": self.se_k0, "side": self.side, "k": f.k,
                "estimate": f.estimate, "se": f.se, "pval": f.pval, "ci_lb": f.ci_lb,
                "ci_ub": f.ci_ub, "tau2": f.tau2}


def _l0_variance(k: int, k0: float) -> float:
    """Variance of L0 (Duval & Tweedie 2000, JASA 95:89, from the variance of the rank sum).

    Evaluated at the unrounded ``max(0, L0)`` of the last iteration, which reproduces metafor's
    ``se.k0``.
    """
    var_t = (k * (k + 1) * (2 * k + 1) + 10 * k0 ** 3 + 27 * k0 ** 2 + 17 * k0
             - 18 * k * k0 ** 2 - 18 * k * k0 + 6 * k ** 2 * k0) / 24
    return 16 * var_t / (2 * k - 1) ** 2


def trimfill(yi: Any, vi: Any, *, method: str = "REML", side: str | None = None,
             maxiter: int = 100, level: float = 95.0) -> TrimFillResult:
    """Trim-and-fill with the L0 estimator (Duval & Tweedie 2000, Biometrics 56:455; JASA 95:89).

    Iteration (Duval & Tweedie 2000, Biometrics, section 3): sort the effects; fit the model to
    the ``k - k0`` studies left after trimming the ``k0`` most extreme on the side opposite to
    the missing ones; rank ``|yi - μ̂|`` over all k studies, ``S`` = the sum of the ranks of the
    studies above ``μ̂``; ``L0 = (4S - k(k+1)) / (2k - 1)``, ``k0 = max(0, round(L0))``; repeat
    until ``k0`` is stable. The trimmed studies are then mirrored about the last trimmed
    estimate, ``2μ̂ - yi`` with the same ``vi``, and the model is refitted to the augmented data
    with the same ``method``.

    ``side=None`` chooses the side as metafor does: from the sign of the ``sei`` coefficient of
    the Egger-type meta-regression ``rma(yi, vi, mods=sei, method=method)``: missing on the
    right when the coefficient is negative, else on the left (small studies with larger
    effects suggest suppressed small studies with smaller effects).
    Ties in ``|yi - μ̂|`` get their average rank (R's ``rank``); ``round`` rounds half to even
    (as R's ``round``). Near-ties (a data value equal to ``μ̂`` up to rounding error) are decided
    by floating-point noise here as in metafor, so such data can give a different ``se_k0``.
    ``se_k0`` uses the unrounded ``L0`` of the last iteration (which can be negative), as
    metafor.
    """
    y, v = check_yi_vi(yi, vi)
    k = y.size
    if k < 3:
        raise MetaInputError(f"yi: trim-and-fill needs at least 3 studies, got k={k}")
    if side is None:
        side = "right" if egger_test(y, v, model="rma", method=method).slope < 0 else "left"
    if side not in ("left", "right"):
        raise MetaInputError(f"side: expected 'left', 'right' or None, got {side!r}")
    sign = -1.0 if side == "right" else 1.0  # flip so that the missing studies are on the left
    ys = sign * y
    order = np.argsort(ys, kind="stable")
    ys, vs = ys[order], v[order]
    k0, l0, mu = 0, 0.0, 0.0
    for _ in range(maxiter):
        mu = pooled_estimate(ys[: k - k0], vs[: k - k0], method)  # == rma(...).estimate
        dev = ys - mu
        ranks = average_ranks(np.abs(dev))  # ties get their average rank
        s_rank = float(np.sum(ranks[dev > 0]))
        l0 = (4 * s_rank - k * (k + 1)) / (2 * k - 1)
        k0_new = int(min(max(0, np.round(l0)), k - 1))
        if k0_new == k0:
            break
        k0 = k0_new
    var_l0 = _l0_variance(k, l0)
    se_k0 = float(np.sqrt(var_l0)) if var_l0 >= 0 else float("nan")  # R: sqrt(<0) is NaN
    y_fill = 2 * mu - ys[k - k0:]
    v_fill = vs[k - k0:]
    y_all = np.concatenate([y, sign * y_fill])
    v_all = np.concatenate([v, v_fill])
    filled = np.concatenate([np.zeros(k, bool), np.ones(k0, bool)])
    fit = rma(y_all, v_all, method=method, level=level)
    for arr in (y_all, v_all, filled):
        arr.setflags(write=False)
    return TrimFillResult(k0=k0, se_k0=se_k0, side=side, yi=y_all, vi=v_all, filled=filled,
                          fit=fit)


def funnel_data(yi: Any, vi: Any, estimate: float, *, study: Sequence[str] | None = None,
                level: float = 95.0, filled: Sequence[bool] | None = None, n_lines: int = 50
                ) -> pd.DataFrame:
    """Tidy frame of a funnel plot: the studies and the pseudo-confidence region.

    Rows with ``kind="study"`` (or ``"filled"`` for trim-and-fill imputations) carry ``study,
    yi, sei``; rows with ``kind="pseudo_ci"`` carry a grid of ``sei`` from 0 to the largest SE
    and the lines ``ci_lb, ci_ub = estimate ∓ z sei`` (Sterne & Egger 2001, J Clin Epidemiol
    54:1046), with ``yi = estimate``.
    """
    y, v = check_yi_vi(yi, vi)
    if not np.isfinite(estimate):
        raise MetaInputError(f"estimate: expected a finite number, got {estimate}")
    sei = np.sqrt(v)
    labels = [f"study {i + 1}" for i in range(y.size)] if study is None else list(study)
    if len(labels) != y.size:
        raise MetaInputError(f"study: expected {y.size} labels, got {len(labels)}")
    kinds = ["study"] * y.size if filled is None else ["filled" if f else "study" for f in filled]
    z = critical_value(level)
    grid = np.linspace(0.0, float(sei.max()), n_lines)
    points = pd.DataFrame({"kind": kinds, "study": labels, "yi": y, "sei": sei,
                           "ci_lb": np.nan, "ci_ub": np.nan})
    lines = pd.DataFrame({"kind": "pseudo_ci", "study": "", "yi": estimate, "sei": grid,
                          "ci_lb": estimate - z * grid, "ci_ub": estimate + z * grid})
    return pd.concat([points, lines], ignore_index=True)
