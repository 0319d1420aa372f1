"""Between-study variance (tau²) estimators of the random-effects model, as in R metafor 3.8.

All estimators work on the mixed-effects model ``y = X beta + u + e`` with
``u ~ N(0, tau²)``, ``e ~ N(0, v_i)`` (Viechtbauer 2005, J Educ Behav Stat 30:261, eq. 1).
``X`` is the ``k x p`` design matrix including the intercept column. Every estimate is
truncated at zero, as metafor does (``tau2.min = 0``).

The weighted-least-squares pieces are computed from ``p x p`` cross-products only, never the
``k x k`` projection matrix ``P = W - W X (X'WX)^-1 X'W`` that metafor forms, so a fit at
k = 1,000 costs microseconds. The identities used are ``y'Py = sum(w r²)``,
``Py = W r`` (so ``y'PPy = sum((w r)²)``), ``tr P = sum(w) - tr(A X'W²X)`` and
``tr PP = sum(w²) - 2 tr(A X'W³X) + tr((A X'W²X)²)`` with ``A = (X'WX)^-1`` and
``r = y - X beta_WLS``.

ML and REML use Newton steps (observed information) where the likelihood is locally concave
and Fisher-scoring steps elsewhere; metafor uses Fisher scoring only. Both stop at the same
stationary point; Newton needs ~5 steps where Fisher scoring needs up to ~40 for a small tau².
The likelihood can have a local maximum at tau² = 0 and a higher one inside; before stopping at
0 the likelihood is checked on a grid for such an interior maximum (issue 15), so the returned
tau² is the global maximum (tests/meta/test_tau2_global_maximum.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import brentq

from meta.errors import ConvergenceError, MetaInputError

_sum = np.add.reduce  # ndarray.sum without its Python wrapper (same pairwise sum)

METHODS: tuple[str, ...] = ("FE", "DL", "REML", "ML", "PM", "HS", "SJ", "EB", "HE")
ITERATIVE: frozenset[str] = frozenset({"REML", "ML", "EB", "PM"})


@dataclass(frozen=True)
class Tau2Control:
    """Convergence settings (metafor's ``control`` list, tighter defaults).

    Attributes
    ----------
    threshold : float
        Fisher scoring (ML, REML, EB) stops when the tau² change is below this (squared effect
        units), relative to tau² once tau² exceeds 1 (:func:`converged`). metafor's default is
        1e-5, absolute; 1e-10 here, so results are the exact optimum. A purely absolute
        threshold made the result depend on the units: at tau² ~ 1e5 a change of 1e-10 is
        below float resolution and the iteration never stopped (statistics review).
    maxiter : int
        Iteration cap for Fisher scoring and the Paule–Mandel root search.
    tol : float
        Absolute tolerance of the Paule–Mandel root (brentq ``xtol``).
    tau2_max : float
        Initial upper end of the Paule–Mandel bracket; unlike metafor (which stops with an error
        if ``Q(tau2_max) > k - p``), the bracket is widened automatically.
    ll0_tol : float
        ML/REML: if the log likelihood at tau² = 0 exceeds the one at the Fisher-scoring
        solution by more than this, tau² is set to 0 (metafor's ``ll0check`` with its
        ``tol = .Machine$double.eps^0.25``).
    """

    threshold: float = 1e-10
    maxiter: int = 1000
    tol: float = 1e-13
    tau2_max: float = 100.0
    ll0_tol: float = float(np.finfo(float).eps ** 0.25)

    @classmethod
    def from_mapping(cls, control: dict[str, Any] | None) -> Tau2Control:
        """Build from a dict such as ``{"threshold": 1e-12, "maxiter": 5000}``."""
        if control is None:
            return cls()
        if isinstance(control, cls):
            return control
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(control) - known)
        if unknown:
            raise MetaInputError(
                f"control: unknown setting(s) {unknown}; use any of {sorted(known)}"
            )
        return cls(**control)


@dataclass(frozen=True)
class Tau2Fit:
    """Result of a tau² estimator.

    Attributes
    ----------
    tau2 : float
        Estimate (squared effect units), >= 0.
    method : str
        Estimator name.
    iterations : int
        Fisher-scoring steps or root-search function calls (0 for closed forms).
    """

    tau2: float
    method: str
    iterations: int = 0


@dataclass(frozen=True)
class WLSParts:
    """Weighted least squares at given weights: ``beta = (X'WX)^-1 X'W y``."""

    w: np.ndarray
    beta: np.ndarray
    A: np.ndarray  # (X'WX)^-1, p x p
    resid: np.ndarray

    @property
    def rss(self) -> float:
        """Weighted residual sum of squares ``y'Py = sum(w r²)``."""
        return float(np.dot(self.w, self.resid * self.resid))


def wls(yi: np.ndarray, w: np.ndarray, X: np.ndarray) -> WLSParts:
    """Weighted least squares fit of ``yi`` on ``X`` with weights ``w``."""
    if X.shape[1] == 1:  # one column: scalar algebra, no LAPACK call
        x = X[:, 0]
        xw = x * w
        s = float(np.dot(xw, x))
        b = float(np.dot(xw, yi)) / s
        return WLSParts(w=w, beta=np.array([b]), A=np.array([[1.0 / s]]), resid=yi - b * x)
    Xw = X * w[:, None]
    A = np.linalg.inv(X.T @ Xw)
    beta = A @ (Xw.T @ yi)
    return WLSParts(w=w, beta=beta, A=A, resid=yi - X @ beta)


def q_of_tau2(tau2: float, yi: np.ndarray, vi: np.ndarray, X: np.ndarray) -> float:
    """Generalised Q statistic ``Q(tau²) = y'P(tau²)y`` (Viechtbauer 2007, Stat Med 26:37, eq. 6).

    At ``tau2 = 0`` this is Cochran's Q (residual heterogeneity ``QE`` with moderators).
    """
    if X.shape[1] == 1:
        w = 1.0 / (vi + tau2)
        x = X[:, 0]
        xw = x * w
        r = yi - (np.dot(xw, yi) / np.dot(xw, x)) * x
        return float(np.dot(w, r * r))
    return wls(yi, 1.0 / (vi + tau2), X).rss


def _trace_p(parts: WLSParts, X: np.ndarray) -> float:
    """``tr P`` with ``P = W - W X A X'W``."""
    w = parts.w
    XtW2X = X.T @ (X * (w * w)[:, None])
    return float(w.sum() - np.trace(parts.A @ XtW2X))


def _trace_pp(parts: WLSParts, X: np.ndarray) -> float:
    """``tr(P P)``, see the module docstring."""
    w = parts.w
    w2 = w * w
    B = parts.A @ (X.T @ (X * w2[:, None]))
    C = parts.A @ (X.T @ (X * (w2 * w)[:, None]))
    return float(w2.sum() - 2.0 * np.trace(C) + np.trace(B @ B))


def _loglik(yi: np.ndarray, vi: np.ndarray, X: np.ndarray, tau2: float, reml: bool) -> float:
    """ML or REML log likelihood (Viechtbauer 2005, eqs. 6 and 7)."""
    k, p = X.shape
    if p == 1:  # one column: log det(X'WX) is log(sum w x²)
        m = vi + tau2
        w = 1.0 / m
        x = X[:, 0]
        xw = x * w
        s1 = float(np.dot(xw, x))
        r = yi - (float(np.dot(xw, yi)) / s1) * x
        rss = float(np.dot(w, r * r))
        ll = -0.5 * float(np.log(m).sum()) - 0.5 * rss
        if not reml:
            return ll - 0.5 * k * np.log(2 * np.pi)
        return ll - 0.5 * (k - 1) * np.log(2 * np.pi) - 0.5 * np.log(s1)
    parts = wls(yi, 1.0 / (vi + tau2), X)
    if not reml:
        return float(-0.5 * k * np.log(2 * np.pi) - 0.5 * np.log(vi + tau2).sum() - 0.5 * parts.rss)
    _sign, logdet = np.linalg.slogdet(parts.A)
    return float(
        -0.5 * (k - p) * np.log(2 * np.pi)
        - 0.5 * np.log(vi + tau2).sum()
        + 0.5 * logdet
        - 0.5 * parts.rss
    )


def _he(yi: np.ndarray, vi: np.ndarray, X: np.ndarray) -> float:
    """Hedges (1983) / Hedges & Olkin (1985) method-of-moments estimator (unweighted OLS).

    ``tau² = (RSS_OLS - tr(P V)) / (k - p)`` with ``P = I - X (X'X)^-1 X'``.
    """
    k, p = X.shape
    if p == 1:
        x = X[:, 0]
        s = float(np.dot(x, x))
        r = yi - (float(np.dot(x, yi)) / s) * x
        tr_pv = float(vi.sum()) - float(np.dot(vi, x * x)) / s
        return (float(np.dot(r, r)) - tr_pv) / (k - 1)
    ols = wls(yi, np.ones(k), X)
    XtVX = X.T @ (X * vi[:, None])
    tr_pv = vi.sum() - np.trace(ols.A @ XtVX)
    return (ols.rss - tr_pv) / (k - p)


def _dl(yi: np.ndarray, vi: np.ndarray, X: np.ndarray) -> float:
    """DerSimonian & Laird (1986) estimator; with moderators Raudenbush (2009) eq. 16.17.

    ``tau² = (Q - (k - p)) / tr P`` at ``W = diag(1/v_i)``.
    """
    k, p = X.shape
    parts = wls(yi, 1.0 / vi, X)
    return (parts.rss - (k - p)) / _trace_p(parts, X)


def _hs(yi: np.ndarray, vi: np.ndarray, X: np.ndarray) -> float:
    """Hunter & Schmidt (2004) estimator as metafor: ``tau² = (Q - k) / sum(1/v_i)``."""
    k = X.shape[0]
    w = 1.0 / vi
    return (wls(yi, w, X).rss - k) / w.sum()


def _sj(yi: np.ndarray, vi: np.ndarray, X: np.ndarray) -> float:
    """Sidik & Jonkman (2005, J Biopharm Stat 15:823) two-step estimator.

    Starts from ``tau0² = var(y) (k - 1) / k`` (the raw variance of ``y``, also with moderators,
    as metafor), then ``tau² = tau0² Q(tau0²) / (k - p)``.
    """
    k, p = X.shape
    tau2_0 = float(np.var(yi))  # ddof=0 equals var(yi) * (k - 1) / k
    return tau2_0 * q_of_tau2(tau2_0, yi, vi, X) / (k - p)


def _pm(yi: np.ndarray, vi: np.ndarray, X: np.ndarray, con: Tau2Control) -> tuple[float, int]:
    """Paule & Mandel (1982) estimator: the root of ``Q(tau²) = k - p``.

    The generalised Q is strictly decreasing in tau² (Viechtbauer 2007), so the root is unique;
    tau² = 0 when ``Q(0) < k - p``.
    """
    k, p = X.shape
    target = float(k - p)
    if q_of_tau2(0.0, yi, vi, X) < target:
        return 0.0, 1
    upper = con.tau2_max
    while q_of_tau2(upper, yi, vi, X) > target:
        upper *= 10.0
        if upper > 1e15:
            raise ConvergenceError("PM: no tau² up to 1e15 brings Q down to k - p; check yi and vi")
    root, info = brentq(
        lambda t: q_of_tau2(t, yi, vi, X) - target,
        0.0,
        upper,
        xtol=con.tol,
        rtol=4 * np.finfo(float).eps,
        maxiter=con.maxiter,
        full_output=True,
    )
    return float(root), int(info.function_calls)


def _step_parts(
    yi: np.ndarray, vi: np.ndarray, X: np.ndarray, tau2: float, method: str, intercept: bool
) -> tuple[float, float, float]:
    """Numerator, expected-information and observed-information denominators of a step.

    REML (Viechtbauer 2005 eqs. 9 and 13): score ``(y'PPy - tr P)/2``, expected information
    ``tr(PP)/2``, observed information ``y'PPPy - tr(PP)/2``. ML: ``tr P`` -> ``sum w`` and
    ``tr PP`` -> ``sum w²``. EB (Morris 1983; Berkey et al. 1995, metafor's update):
    numerator ``y'Py k/(k-p) - k`` over ``sum w`` (no observed form). The returned
    denominators are twice the informations.
    """
    k, p = X.shape
    w = 1.0 / (vi + tau2)
    if intercept:
        s1 = float(_sum(w))
        r = yi - float(np.dot(w, yi)) / s1
        u = w * r  # P y
        if method == "EB":
            return float(np.dot(u, r)) * k / (k - p) - k, float(s1), 0.0
        w2 = w * w
        s2 = float(_sum(w2))
        ypppy = float(np.dot(u, u))
        wu = float(np.dot(w, u))
        upu = float(np.dot(w, u * u)) - wu * wu / s1  # y'PPPy
        if method == "ML":
            return ypppy - s1, s2, 2.0 * upu - s2
        tr_p = s1 - s2 / s1
        tr_pp = s2 - 2.0 * float(np.dot(w2, w)) / s1 + (s2 / s1) ** 2
        return ypppy - tr_p, tr_pp, 2.0 * upu - tr_pp
    parts = wls(yi, w, X)
    if method == "EB":
        return parts.rss * k / (k - p) - k, float(w.sum()), 0.0
    u = w * parts.resid
    ypppy = float(np.dot(u, u))
    upu = wls(u, w, X).rss
    if method == "ML":
        s2 = float(np.dot(w, w))
        return ypppy - float(w.sum()), s2, 2.0 * upu - s2
    tr_pp = _trace_pp(parts, X)
    return ypppy - _trace_p(parts, X), tr_pp, 2.0 * upu - tr_pp


def _score_at_zero_nonpositive(
    yi: np.ndarray, vi: np.ndarray, X: np.ndarray, method: str, intercept: bool
) -> bool:
    """True when the score (EB: the fixed-point numerator) at tau² = 0 is <= 0."""
    return bool(_step_parts(yi, vi, X, 0.0, method, intercept)[0] <= 0.0)


def _loglik_grid(
    yi: np.ndarray, vi: np.ndarray, X: np.ndarray, grid: np.ndarray, reml: bool
) -> np.ndarray:
    """:func:`_loglik` at every tau² of ``grid`` (intercept-only: one array operation per
    block of grid points; with moderators one call per point)."""
    k, p = X.shape
    if p > 1 or not np.all(X == 1.0):
        return np.array([_loglik(yi, vi, X, float(t), reml) for t in grid])
    out = np.empty(grid.size)
    step = max(1, 2_000_000 // max(k, 1))  # bounded memory for very large k
    for lo in range(0, grid.size, step):
        m = vi[None, :] + grid[lo:lo + step, None]
        w = 1.0 / m
        s1 = w.sum(axis=1)
        r = yi[None, :] - ((w @ yi) / s1)[:, None]
        ll = -0.5 * np.log(m).sum(axis=1) - 0.5 * (w * r * r).sum(axis=1)
        if reml:
            ll = ll - 0.5 * (k - 1) * np.log(2 * np.pi) - 0.5 * np.log(s1)
        else:
            ll = ll - 0.5 * k * np.log(2 * np.pi)
        out[lo:lo + step] = ll
    return out


_UNIT_GRID = np.linspace(0.0, 1.0, 25)
_GEOMETRIC_STEPS = np.arange(24) / 24.0


def boundary_grid(yi: np.ndarray, vi: np.ndarray, upper: np.ndarray | float) -> np.ndarray:
    """The tau² grid searched for interior maxima below ``U = max(upper, 2 range(y)²)``.

    Every ML maximum lies below ``range(y)²`` (the score ``sum w²r² - sum w`` is < 0 beyond
    it); twice that bounds the REML ones in practice, and ``upper`` (the current iterate) is
    included. 49 points: 25 linear over ``[0, U]`` and 24 geometric from
    ``max(U 1e-6, min(v) 1e-3)`` (near 0 the likelihood changes on the scale of the smallest
    ``v_i``), sorted. Rows of ``yi``/``vi`` (shape (n, k)) with ``upper`` (n,) give (n, 49).
    """
    y, v = np.atleast_2d(yi), np.atleast_2d(vi)
    top = np.maximum(np.asarray(upper, float).reshape(-1),
                     2.0 * (y.max(axis=1) - y.min(axis=1)) ** 2)
    lo = np.minimum(np.maximum(top * 1e-6, v.min(axis=1) * 1e-3), top)
    ratio = np.divide(top, lo, out=np.ones_like(top), where=lo > 0.0)
    geometric = lo[:, None] * ratio[:, None] ** _GEOMETRIC_STEPS[None, :]  # lo = top: exactly top
    grid = np.sort(np.concatenate([_UNIT_GRID[None, :] * top[:, None], geometric], axis=1),
                   axis=1)
    return grid[0] if np.ndim(yi) == 1 else grid


def interior_peak_mask(ll: np.ndarray) -> np.ndarray:
    """Local maxima of log likelihoods on a grid (last axis), the first point (tau² = 0, the
    boundary maximum itself) excluded, the last one counted when the likelihood still rises.

    A point is a peak when it is higher than the point before it (by more than rounding) and not
    lower than the one after it, so a run of equal values counts once, at its start, and only
    after a rise. The grid of :func:`boundary_grid` repeats its top point when ``range(y)`` is
    tiny (two nearly equal effects); counting those ties, or rounding-level rises, as peaks sent
    a likelihood that falls everywhere to the interior search, which crawled to tau² ~ 1e-11
    in ~200 steps (or stopped at ~1e-16) instead of returning 0.
    """
    # a rise within rounding of the likelihood (64 ulps of its size) is a tie: on a grid far
    # below min(v) the likelihood is flat to the last digits and its rounding made "peaks"
    noise = 64.0 * np.finfo(float).eps * np.maximum(1.0, np.abs(ll))
    rises = ll[..., 1:] - ll[..., :-1] > noise[..., 1:]
    peak = np.zeros(ll.shape, bool)
    peak[..., 1:-1] = rises[..., :-1] & (ll[..., 1:-1] >= ll[..., 2:])
    peak[..., -1] = rises[..., -1]
    return peak


def _interior_peaks(
    yi: np.ndarray, vi: np.ndarray, X: np.ndarray, method: str, upper: float
) -> list[float]:
    """Starts in the basins of the interior maxima of the likelihood below ``upper``.

    The ML / REML log likelihood can have a local maximum at tau² = 0 and a higher one inside
    (issue 15: dat.debruin2009 rows 1-3, PAS). It is evaluated on :func:`boundary_grid`; the
    grid's interior local maxima (:func:`interior_peak_mask`) are returned, best first.
    """
    grid = boundary_grid(yi, vi, upper)
    if not grid[-1] > 0.0 or not math.isfinite(grid[-1]):
        return []
    ll = _loglik_grid(yi, vi, X, grid, method == "REML")
    idx = np.flatnonzero(interior_peak_mask(ll))
    return [float(grid[i]) for i in idx[np.argsort(-ll[idx])]]


def converged(step: Any, tau2: Any, threshold: float) -> Any:
    """Whether a tau² step is below ``threshold``, absolute up to tau² = 1 (metafor's rule)
    and relative to tau² above it (works on arrays too)."""
    return np.abs(step) <= threshold * np.maximum(1.0, tau2)


def _iterate(
    yi: np.ndarray, vi: np.ndarray, X: np.ndarray, method: str, con: Tau2Control,
    tau2: float, intercept: bool, shortcut: bool
) -> tuple[float, int]:
    """Newton / Fisher-scoring iteration from ``tau2``; see :func:`_fisher_scoring`."""
    zero_is_max: bool | None = None  # score at 0 <= 0, evaluated once when first needed
    for iteration in range(1, con.maxiter + 1):
        num, fisher, newton = _step_parts(yi, vi, X, tau2, method, intercept)
        den = newton if newton > 0.0 else fisher
        adj = num / den if den > 0.0 else 0.0
        if not math.isfinite(adj):
            adj = 0.0
        if tau2 + adj < 0.0:
            if shortcut and zero_is_max is None:
                zero_is_max = _score_at_zero_nonpositive(yi, vi, X, method, intercept)
            if shortcut and zero_is_max:
                if method == "EB":
                    return 0.0, iteration
                reml = method == "REML"
                if _loglik(yi, vi, X, 0.0, reml) >= _loglik(yi, vi, X, tau2, reml):
                    return _best_of_boundary(yi, vi, X, method, con, tau2, intercept, iteration)
                shortcut = False  # a higher point than 0 is known: metafor's steps from here
            adj = num / fisher if fisher > 0.0 else 0.0  # metafor's step, halved as metafor
            while tau2 + adj < 0.0:
                adj /= 2.0
        tau2 += adj
        if converged(adj, tau2, con.threshold):
            return tau2, iteration
    raise ConvergenceError(
        f"method={method!r}: Fisher scoring did not converge in {con.maxiter} iterations; "
        "raise control['maxiter'] or use method='PM'"
    )


def _best_of_boundary(
    yi: np.ndarray, vi: np.ndarray, X: np.ndarray, method: str, con: Tau2Control,
    upper: float, intercept: bool, iteration: int
) -> tuple[float, int]:
    """tau² = 0 or the best interior maximum below ``upper`` (or ``2 range(y)²``), whichever is
    higher.

    Every interior peak of :func:`_interior_peaks` is refined by the iteration (without this
    shortcut); an interior maximum is kept when its likelihood is not below ``l(0) - ll0_tol``
    (metafor's ``ll0check`` rule, so results equal metafor's whenever its Fisher scoring finds
    the global maximum).
    """
    reml = method == "REML"
    best, best_ll = 0.0, _loglik(yi, vi, X, 0.0, reml) - con.ll0_tol
    for start in _interior_peaks(yi, vi, X, method, upper):
        tau2, more = _iterate(yi, vi, X, method, con, start, intercept, False)
        iteration += more
        ll = _loglik(yi, vi, X, tau2, reml)
        if tau2 > 0.0 and ll >= best_ll:
            best, best_ll = tau2, ll
    return best, iteration


def _fisher_scoring(
    yi: np.ndarray, vi: np.ndarray, X: np.ndarray, method: str, con: Tau2Control
) -> tuple[float, int]:
    """ML, REML and empirical Bayes tau², started at the HE estimate (as metafor).

    metafor uses Fisher scoring (expected information) throughout. Here a step uses the observed
    information (a Newton step) where the objective is locally concave, else the Fisher-scoring
    step; both have the same fixed point, Newton converges quadratically (Fisher scoring needs
    ~40 steps for a small tau²). A step that would make tau² negative is halved, as in metafor.
    When the score at 0 is <= 0 there, tau² = 0 is a local maximum. If the likelihood at the
    current tau² is higher, the halved steps continue to the interior maximum; otherwise 0 is
    returned unless the likelihood on a grid over ``(0, tau²]`` shows an interior maximum at
    least as high (:func:`_best_of_boundary`), from which the iteration restarts (issue 15:
    stopping at 0 missed a higher interior maximum).
    EB is metafor's fixed-point update. Iteration stops when
    the step is below ``control.threshold``. For ML/REML, tau² is set to 0 when the likelihood
    at 0 is larger by more than ``ll0_tol`` (metafor's ``ll0check``).
    """
    _k, p = X.shape
    intercept = p == 1 and bool(np.all(X == 1.0))
    tau2, iteration = _iterate(yi, vi, X, method, con, max(0.0, _he(yi, vi, X)), intercept, True)
    if method in ("ML", "REML") and tau2 > con.threshold:
        reml = method == "REML"
        if _loglik(yi, vi, X, 0.0, reml) - _loglik(yi, vi, X, tau2, reml) > con.ll0_tol:
            # metafor's ll0check: scoring stuck at a local maximum below l(0). A third, higher
            # maximum may lie between them (hypothesis found one: ML, k = 6, peaks at 0.0008
            # and 0.09): keep 0 only if no interior peak beats it.
            tau2, iteration = _best_of_boundary(yi, vi, X, method, con, tau2, intercept,
                                                iteration)
    return tau2, iteration


def standardised_design(X: np.ndarray) -> np.ndarray:
    """``X`` with every non-constant column centred and scaled, when ``X`` has a constant
    (intercept) column: ``X T`` for an invertible ``T``, so the column space, ``P``, the hat
    matrix, the (restricted) likelihood up to a constant and every tau² estimator are the same,
    but ``X'WX`` is well conditioned (raw enrolment years, ~2020, made it near-singular:
    cond ~ 1e12; REML then failed to converge on k = 3 arms, statistics review)."""
    X = np.asarray(X, float)
    spread = X.std(axis=0)
    if not (spread == 0).any():
        return X
    out = X.copy()
    vary = spread > 0
    out[:, vary] = (X[:, vary] - X[:, vary].mean(axis=0)) / spread[vary]
    return out


def estimate_tau2(
    yi: np.ndarray,
    vi: np.ndarray,
    X: np.ndarray,
    method: str = "REML",
    control: Tau2Control | dict[str, Any] | None = None,
) -> Tau2Fit:
    """Estimate tau² with one of metafor's estimators.

    Parameters
    ----------
    yi : ndarray, shape (k,)
        Effect sizes (any additive scale, e.g. log hazard ratios).
    vi : ndarray, shape (k,)
        Sampling variances (squared units of ``yi``), all > 0.
    X : ndarray, shape (k, p)
        Design matrix including the intercept column; needs ``k > p`` (except FE).
    method : {"FE", "DL", "REML", "ML", "PM", "HS", "SJ", "EB", "HE"}
        ``FE`` is the common-effect model (tau² = 0).
    control : Tau2Control or dict, optional
        Convergence settings.

    Returns
    -------
    Tau2Fit
        ``tau2`` truncated at 0 like metafor.
    """
    con = Tau2Control.from_mapping(control)  # type: ignore[arg-type]
    k, p = X.shape
    if method == "FE":
        return Tau2Fit(0.0, method)
    if method not in METHODS:
        raise MetaInputError(f"method: expected one of {', '.join(METHODS)}, got {method!r}")
    if k <= p:
        raise MetaInputError(
            f"method={method!r} needs more studies than coefficients (k={k}, p={p}); "
            "use method='FE' or drop moderators"
        )
    X = standardised_design(X)  # tau² depends on X's column space only
    iterations = 0
    if method == "DL":
        tau2 = _dl(yi, vi, X)
    elif method == "HE":
        tau2 = _he(yi, vi, X)
    elif method == "HS":
        tau2 = _hs(yi, vi, X)
    elif method == "SJ":
        tau2 = _sj(yi, vi, X)
    elif method == "PM":
        tau2, iterations = _pm(yi, vi, X, con)
    else:
        tau2, iterations = _fisher_scoring(yi, vi, X, method, con)
    return Tau2Fit(max(0.0, float(tau2)), method, iterations)
