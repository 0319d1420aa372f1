"""The benchmark at the index study's era and case mix: mixed-effects meta-regression.

Historical arms drift (e.g. sorafenib-arm OS improved by 4.5 months over 2005–2019 in 16 RCTs:
"Trends of Clinical Outcomes of Patients with Advanced Hepatocellular Carcinoma Treated with
First-Line Sorafenib in Randomized Controlled Trials", Gastrointest Tumors 9(1):19,
doi:10.1159/000521625, PMID 35528745), and their case mix differs from the index's. Given the
arms' effects ``yi``/``vi`` and covariates (enrolment mid-point in years; % with portal vein
tumour thrombosis / macrovascular invasion; % with extrahepatic spread), the mixed-effects
meta-regression ``y_i = x_i'beta + u_i + e_i`` (Thompson & Higgins 2002, Stat Med 21:1559;
:func:`meta.regression.meta_regression`, which matches metafor's ``rma(yi, vi, mods = ~ x)``)
gives the benchmark predicted at the index's covariates ``x0``: ``x0'beta`` with
``se = sqrt(x0' V x0)``, CI and prediction interval ``± crit sqrt(se² + tau²)`` (metafor
``predict(fit, newmods = x0)``), the slopes with their CIs and the pseudo-R² (Raudenbush 2009).

* Arms missing any covariate are dropped and listed (never silently).
* Fewer than ``min_k`` complete arms (default 5) or a constant covariate: no regression, with
  the reason.
* ``x0`` outside the arms' covariate range is flagged as an extrapolation, per covariate, and
  jointly: within every range ``x0`` may still lie outside the region the arms span together
  ("hidden extrapolation", Montgomery, Peck & Vining, *Introduction to Linear Regression
  Analysis*, 5th ed. 2012, §3.6). The joint check is theirs with the model's weights
  ``W = diag(1/(v_i + tau²))``: the index's leverage ``h00 = x0'(X'WX)^-1 x0`` (``x0`` with
  its leading 1) against the largest ``h_ii = x_i'(X'WX)^-1 x_i`` of the arms; ``h00 >
  max h_ii`` puts ``x0`` outside the smallest such ellipsoid holding every arm, hence outside
  their convex hull. (``h_ii`` here is metafor's ``hatvalues`` divided by the arm's weight: the
  prediction variance at ``x_i`` over ``x0``'s, the same metric for both.) With one covariate
  the ellipsoid is an interval about the weighted mean reaching the farthest arm, so the range
  check is the stricter one; with several it finds what the ranges miss.
* The pseudo-R² is None (not defined) when tau² of the model without covariates is 0
  (:func:`meta.model.pseudo_r2`; metafor prints 0%).
* The verdict with and without the adjustment: the calibrated test of :mod:`meta.decision`
  (Knapp–Hartung-scaled predictive statistic, maximised Monte Carlo critical value over tau²)
  on the *same* complete-case arms, so that only the adjustment differs. With moderators the
  statistic is ``(y0 - x0'beta) / sqrt(s² (v0 + tau² + x0'(X'WX)^-1 x0))`` and its null
  distribution, invariant to ``beta``, is simulated at each tau² of the grid with the batched
  REML fits of :mod:`meta.batch_regression` (the verdicts always use REML).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING

import numpy as np

from meta.batch_regression import fit_reml_rows
from meta.decision import decision_test, tau2_grid
from meta.level import critical_value
from meta.model import check_yi_vi, rma
from meta.regression import MetaRegression, meta_regression
from meta.tau2 import standardised_design

if TYPE_CHECKING:  # pandas costs ~0.3 s to import; only the plot frame needs it
    import pandas as pd


@dataclass(frozen=True)
class Slope:
    """One meta-regression slope: change in the analysis-scale effect per covariate unit."""

    name: str
    estimate: float
    se: float
    ci_lb: float
    ci_ub: float
    pval: float


@dataclass(frozen=True)
class AdjustedBenchmark:
    """The benchmark predicted at the index's covariates (analysis scale unless stated).

    Attributes
    ----------
    covariates : tuple of str
        Covariate names (e.g. ``"enrolment_mid_year"``, ``"pvtt_pct"``).
    done : bool
        Whether the regression ran; ``reason`` says why not.
    k : int
        Arms in the regression (complete cases).
    dropped : tuple of str
        Arms left out for a missing covariate.
    slopes : tuple of Slope
        One per covariate (effect units per covariate unit).
    index_x : tuple of float
        The index's covariate values.
    covariate_range : tuple of (float, float)
        Range of each covariate over the arms used.
    extrapolated : tuple of str
        Covariates at which the index lies outside that range (empty if none).
    leverage, leverage_max : float
        ``x0'(X'WX)^-1 x0`` of the index and the largest ``x_i'(X'WX)^-1 x_i`` of the arms
        (module notes): Wald variances of the fitted mean there, squared analysis-scale
        units.
    extrapolated_jointly : bool
        ``leverage > leverage_max``: the index lies outside the arms' joint covariate region
        (hidden extrapolation, module notes), whether or not each covariate is in range.
    predicted, se, ci_lb, ci_ub, pi_lb, pi_ub : float
        The adjusted benchmark at ``index_x``, its SE, CI and prediction interval.
    tau2 : float
        Residual between-arm variance.
    R2 : float or None
        Pseudo-R² (%), share of tau² explained by the covariates; None when it is not
        defined (tau² of the model without covariates is 0).
    QM, QM_pval : float
        Omnibus test of the covariates.
    plain_estimate : float
        Intercept-only benchmark on the same arms.
    verdict_plain, verdict_adjusted : str
        ``above``, ``below`` or ``within`` (module notes).
    pval_plain, pval_adjusted : float
        Their p-values.
    verdict_changed : bool
        ``verdict_plain != verdict_adjusted``.
    arms : tuple of str
        Labels of the arms used, in order.
    weights_pct : tuple of float
        Their model weights (%).
    fit : MetaRegression or None
        The regression (for prediction along a covariate; not compared).
    """

    covariates: tuple[str, ...]
    done: bool
    reason: str
    k: int
    dropped: tuple[str, ...]
    index_x: tuple[float, ...]
    slopes: tuple[Slope, ...] = ()
    covariate_range: tuple[tuple[float, float], ...] = ()
    extrapolated: tuple[str, ...] = ()
    leverage: float = float("nan")
    leverage_max: float = float("nan")
    extrapolated_jointly: bool = False
    predicted: float = float("nan")
    se: float = float("nan")
    ci_lb: float = float("nan")
    ci_ub: float = float("nan")
    pi_lb: float = float("nan")
    pi_ub: float = float("nan")
    tau2: float = float("nan")
    R2: float | None = None
    QM: float = float("nan")
    QM_pval: float = float("nan")
    plain_estimate: float = float("nan")
    verdict_plain: str = ""
    verdict_adjusted: str = ""
    pval_plain: float = float("nan")
    pval_adjusted: float = float("nan")
    verdict_changed: bool = False
    arms: tuple[str, ...] = ()
    weights_pct: tuple[float, ...] = ()
    index_yi: float = float("nan")
    index_vi: float = float("nan")
    x: tuple[tuple[float, ...], ...] = ()
    yi: tuple[float, ...] = ()
    level: float = 95.0
    fit: MetaRegression | None = field(default=None, compare=False, repr=False)


def midpoint_year(start_year: int, start_month: int, end_year: int, end_month: int) -> float:
    """Enrolment mid-point in decimal years, months counted from the start of the first to the
    end of the last month (Jan 2018 – Dec 2021 -> 2020.0)."""
    start = start_year + (start_month - 1) / 12
    end = end_year + end_month / 12
    if end <= start:
        raise ValueError(f"enrolment: expected the end after the start, got "
                         f"{start_year}-{start_month:02d} to {end_year}-{end_month:02d}")
    return (start + end) / 2


def joint_leverage(weights: np.ndarray, X: np.ndarray, x0: np.ndarray
                   ) -> tuple[float, float]:
    """``(x0'(X'WX)^-1 x0, max_i x_i'(X'WX)^-1 x_i)``: the index's leverage and the arms'
    largest (module notes; Montgomery, Peck & Vining 2012, §3.6, with the model's weights).

    Leverages do not change when the design is reparametrised, so they are computed on the
    arms' and the index's rows standardised together (:func:`meta.tau2.standardised_design`):
    with raw calendar years (~2020) ``X'WX`` is near-singular and an index at an arm's own year
    came out "outside" the arms' region by rounding (1.5e-9 relative).

    Parameters
    ----------
    weights : ndarray, shape (k,)
        The model's weights ``1 / (v_i + tau²)``.
    X : ndarray, shape (k, p - 1)
        The arms' covariates (no intercept column).
    x0 : ndarray, shape (p - 1,)
        The index's covariates.
    """
    X = np.asarray(X, float).reshape(len(weights), -1)
    both = np.vstack([X, np.asarray(x0, float).reshape(1, -1)])
    design = standardised_design(np.column_stack([np.ones(len(both)), both]))
    rows, r0 = design[:-1], design[-1]
    inverse = np.linalg.inv(rows.T @ (np.asarray(weights, float)[:, None] * rows))
    h = np.einsum("ij,jk,ik->i", rows, inverse, rows)
    return float(r0 @ inverse @ r0), float(h.max())


def moderated_statistics(Y: np.ndarray, V: np.ndarray, X: np.ndarray, row: np.ndarray,
                         y0: np.ndarray, v0: float) -> np.ndarray:
    """``|T|`` of every row of ``Y`` (m x k) against design ``X`` at ``row = [1, x0]``, by the
    batched REML fits of :func:`meta.batch_regression.fit_reml_rows`."""
    return _moderated_abs(fit_reml_rows(Y, V, X), row, y0, v0)


def moderated_null(vi: np.ndarray, X: np.ndarray, row: np.ndarray, v0: float, draws: int,
                   seed: int) -> np.ndarray:
    """``|T|`` simulated under exchangeability given the covariates, one row per tau² of
    :func:`meta.decision.tau2_grid` (common random numbers; ``beta = 0`` by invariance).

    The batched fits depend on ``vi``, ``X``, ``draws`` and ``seed`` only (not on the index's
    ``row`` or ``v0``) and are cached (32 sets), so an index tried at several plausible values
    costs one simulation.
    """
    grid = tau2_grid(vi)
    key = (vi.tobytes(), np.ascontiguousarray(X).tobytes(), X.shape, draws, seed)
    hit = _MOD_CACHE.get(key)
    if hit is None:
        rng = np.random.default_rng(seed)
        k = vi.size
        z = rng.standard_normal((draws, k))
        z0 = rng.standard_normal(draws)
        g = grid.size
        Y = (z[None] * np.sqrt(grid[:, None, None] + vi[None, None, :])).reshape(g * draws, k)
        V = np.broadcast_to(vi, Y.shape).copy()
        hit = (fit_reml_rows(Y, V, X), z0)
        if len(_MOD_CACHE) >= 32:
            _MOD_CACHE.pop(next(iter(_MOD_CACHE)))
        _MOD_CACHE[key] = hit
    fit, z0 = hit
    y0 = (z0[None] * np.sqrt(grid[:, None] + v0)).reshape(-1)
    return _moderated_abs(fit, row, y0, v0).reshape(grid.size, draws)


_MOD_CACHE: dict[tuple[object, ...], tuple[dict[str, np.ndarray], np.ndarray]] = {}


def _moderated_abs(fit: dict[str, np.ndarray], row: np.ndarray, y0: np.ndarray,
                   v0: float) -> np.ndarray:
    var = fit["s2"] * (v0 + fit["tau2"] + np.einsum("i,mij,j->m", row, fit["vcov_wald"], row))
    with np.errstate(divide="ignore", invalid="ignore"):
        stats = np.abs(y0 - fit["beta"] @ row) / np.sqrt(var)
    return np.where(np.isnan(stats), np.inf, stats)  # unfitted: exceeds all (conservative)


def moderated_test(yi: np.ndarray, vi: np.ndarray, mods: np.ndarray, x0: np.ndarray,
                   index_yi: float, index_vi: float, *, level: float = 95.0,
                   draws: int = 2000, seed: int = 20251202) -> tuple[str, float, float]:
    """Calibrated predictive test of the index at covariates ``x0`` (``verdict, pval, crit``).

    The statistic of the module notes, from :func:`meta.model.rma` (REML, moderators ``mods``
    without the intercept column); its p-value is the largest simulated tail probability over
    the tau² grid of :func:`meta.decision.tau2_grid` (Dufour 2006), ``draws`` data sets each.
    """
    # centred covariates: the same model and statistic (x0'beta and x0'(X'WX)^-1 x0 do not
    # change), but X'WX is well conditioned; with raw years (~2020) the REML score was float
    # noise above tau² ~ 10 and Fisher scoring did not stop
    mods = np.asarray(mods, float)
    centre = mods.mean(axis=0)
    mods, x0 = mods - centre, np.asarray(x0, float) - centre
    res = rma(yi, vi, method="REML", test="knha", mods=mods, level=level)
    row = np.r_[1.0, x0]
    diff = index_yi - float(row @ res.beta)
    se = float(np.sqrt(res.s2w * (index_vi + res.tau2 + float(row @ res.vcov_wald @ row))))
    stat = abs(diff) / se if se > 0 else (np.inf if abs(diff) > 1e-12 else 0.0)
    null = moderated_null(vi, res.X, row, index_vi, draws, seed)
    pval = float(((1.0 + (null >= stat).sum(axis=1)) / (draws + 1.0)).max())
    crit = float(np.quantile(null, level / 100, axis=1).max())
    alpha = 1 - level / 100
    verdict = "within" if pval > alpha else ("above" if diff > 0 else "below")
    return verdict, pval, crit


def adjusted_benchmark(yi: Sequence[float], vi: Sequence[float],
                       covariates: Mapping[str, Sequence[float]], index_yi: float,
                       index_vi: float, index_covariates: Mapping[str, float], *,
                       labels: Sequence[str] | None = None, method: str = "REML",
                       test: str = "z", level: float = 95.0, min_k: int = 5,
                       draws: int = 2000, seed: int = 20251202) -> AdjustedBenchmark:
    """The benchmark at the index's covariates by mixed-effects meta-regression.

    Parameters
    ----------
    yi, vi : sequence of float
        Historical arms on the analysis scale (e.g. log median OS, logit ORR) and variances.
    covariates : mapping of str to sequence of float
        Each covariate per arm (NaN where an arm does not report it): e.g. enrolment mid-point
        (years, :func:`midpoint_year`), PVTT/MVI (%), extrahepatic spread (%).
    index_yi, index_vi : float
        The index's estimate and sampling variance.
    index_covariates : mapping of str to float
        The index's value of each covariate.
    labels : sequence of str, optional
        Arm labels (default ``arm1, arm2, ...``), used for the dropped list.
    method, test, level : str, str, float
        As :func:`meta.model.rma` (CIs of slopes and prediction: metafor's).
    min_k : int
        Fewest complete arms for a regression (default 5).
    draws, seed : int
        Simulated data sets per tau² grid point, and the seed, of the calibrated verdicts.
    """
    y, v = check_yi_vi(yi, vi)
    k = y.size
    names = tuple(covariates)
    lab = tuple(labels) if labels is not None else tuple(f"arm{i + 1}" for i in range(k))
    if len(lab) != k:
        raise ValueError(f"labels: expected {k} labels, got {len(lab)}")
    if not names:
        raise ValueError("covariates: expected at least one covariate")
    missing = [n for n in names if n not in index_covariates]
    if missing:
        raise ValueError(f"index_covariates: no value for {', '.join(missing)}")
    X = np.column_stack([np.asarray(covariates[n], float) for n in names])
    if X.shape[0] != k:
        raise ValueError(f"covariates: expected {k} values per covariate, got {X.shape[0]}")
    x0 = np.array([float(index_covariates[n]) for n in names])
    keep = np.all(np.isfinite(X), axis=1)
    dropped = tuple(lab[i] for i in np.flatnonzero(~keep))
    kk = int(keep.sum())
    result = partial(AdjustedBenchmark, covariates=names, k=kk, dropped=dropped,
                     index_x=tuple(float(a) for a in x0), index_yi=float(index_yi),
                     index_vi=float(index_vi), level=float(level))
    if not np.all(np.isfinite(x0)):
        return result(done=False, reason="the index study does not report "
                                 + ", ".join(n for n, a in zip(names, x0, strict=True)
                                             if not np.isfinite(a)))
    if kk < min_k:
        return result(done=False, reason=f"{kk} arm(s) report "
                                 f"{' and '.join(names)} (at least {min_k} needed)")
    Xk, yk, vk = X[keep], y[keep], v[keep]
    if np.any(np.ptp(Xk, axis=0) == 0):
        return result(done=False, reason="a covariate does not vary across the arms",
                                 )
    if kk <= len(names) + 1:
        return result(done=False, reason=f"{kk} arms cannot fit {len(names)} "
                                 "slope(s) and a residual variance")
    reg = meta_regression(yk, vk, Xk, list(names), method=method, test=test, level=level)
    f = reg.fit
    at = reg.predict(x0[None, :])
    slopes = tuple(Slope(n, float(f.beta[i + 1]), float(f.se_beta[i + 1]),
                         float(f.ci_lb_beta[i + 1]), float(f.ci_ub_beta[i + 1]),
                         float(f.pval_beta[i + 1])) for i, n in enumerate(names))
    lo, hi = Xk.min(axis=0), Xk.max(axis=0)
    extrap = tuple(n for i, n in enumerate(names) if not lo[i] <= x0[i] <= hi[i])
    h0, h_max = joint_leverage(1.0 / (vk + f.tau2), Xk, x0)
    plain_test = decision_test(yk, vk, index_yi, index_vi, level=level, method="REML",
                               draws=draws, seed=seed, check_size=False)
    v_plain, p_plain = plain_test.verdict, plain_test.pval
    v_adj, p_adj, _ = moderated_test(yk, vk, Xk, x0, index_yi, index_vi, level=level,
                                     draws=draws, seed=seed)
    plain = rma(yk, vk, method=method, level=level)
    return result(
        done=True, reason="", slopes=slopes,
        covariate_range=tuple((float(a), float(b)) for a, b in zip(lo, hi, strict=True)),
        extrapolated=extrap, leverage=h0, leverage_max=h_max,
        extrapolated_jointly=h0 > h_max * (1 + 1e-9), predicted=float(at.pred[0]),
        se=float(at.se[0]),
        ci_lb=float(at.ci_lb[0]), ci_ub=float(at.ci_ub[0]), pi_lb=float(at.pi_lb[0]),
        pi_ub=float(at.pi_ub[0]), tau2=float(f.tau2),
        R2=None if f.R2 is None else float(f.R2), QM=float(f.QM),
        QM_pval=float(f.QM_pval), plain_estimate=float(plain.estimate),
        verdict_plain=v_plain, verdict_adjusted=v_adj, pval_plain=p_plain, pval_adjusted=p_adj,
        verdict_changed=v_plain != v_adj, arms=tuple(lab[i] for i in np.flatnonzero(keep)),
        weights_pct=tuple(float(w) * 100 for w in f.weights),
        x=tuple(tuple(float(a) for a in row) for row in Xk), yi=tuple(float(a) for a in yk),
        fit=reg)


@dataclass(frozen=True)
class BubbleFrame:
    """What a bubble plot of one covariate draws (analysis scale; plotting is elsewhere).

    Attributes
    ----------
    arms : pandas.DataFrame
        ``arm, x, y, weight`` (model weight, %) and ``size`` (marker area proportional to the
        weight, largest = 1).
    line : pandas.DataFrame
        ``x, fit, ci_lb, ci_ub, pi_lb, pi_ub``: the fitted line over the arms' range (and the
        index's, if beyond), other covariates held at the index's values.
    index : pandas.DataFrame
        One row ``label, x, y, lb, ub`` (the index with its normal-theory interval) and
        ``extrapolated``.
    covariate : str
        The covariate on the x axis.
    """

    arms: pd.DataFrame
    line: pd.DataFrame
    index: pd.DataFrame
    covariate: str


def bubble_frame(adj: AdjustedBenchmark, covariate: str | None = None, points: int = 50,
                 index_label: str = "index") -> BubbleFrame:
    """The frame of a bubble plot of ``adj`` against one covariate (default the first)."""
    import pandas as pd

    if not adj.done or adj.fit is None:
        raise ValueError(f"adj: the regression did not run ({adj.reason}); nothing to plot")
    name = covariate or adj.covariates[0]
    if name not in adj.covariates:
        raise ValueError(f"covariate: expected one of {', '.join(adj.covariates)}, got {name!r}")
    j = adj.covariates.index(name)
    xs = np.array([row[j] for row in adj.x])
    w = np.asarray(adj.weights_pct)
    arms = pd.DataFrame({"arm": adj.arms, "x": xs, "y": adj.yi, "weight": w,
                         "size": w / w.max()})
    x0 = adj.index_x[j]
    grid = np.linspace(min(xs.min(), x0), max(xs.max(), x0), points)
    new = np.tile(np.asarray(adj.index_x, float), (points, 1))
    new[:, j] = grid
    p = adj.fit.predict(new)
    line = pd.DataFrame({"x": grid, "fit": p.pred, "ci_lb": p.ci_lb, "ci_ub": p.ci_ub,
                         "pi_lb": p.pi_lb, "pi_ub": p.pi_ub})
    half = critical_value(adj.level) * np.sqrt(adj.index_vi)
    index = pd.DataFrame({"label": [index_label], "x": [x0], "y": [adj.index_yi],
                          "lb": [adj.index_yi - half], "ub": [adj.index_yi + half],
                          "extrapolated": [name in adj.extrapolated]})
    return BubbleFrame(arms, line, index, name)
