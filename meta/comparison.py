"""Index study versus a pooled historical benchmark.

For one outcome and one comparator group: the random-effects benchmark (estimate, CI, prediction
interval), the index study's estimate, their difference on the analysis scale with a z-test, the
difference back-transformed, where the index falls against the prediction interval, a case-mix
adjusted comparison by meta-regression when enough studies report the moderator, and the same
comparison under each tau² estimator. Works on plain arrays (like metafor on ``yi``/``vi``).

The difference test is the usual two-sample Wald test of an external estimate against a pooled
mean, ``z = (y0 - mu) / sqrt(v0 + SE(mu)²)`` (e.g. Borenstein et al. 2009, *Introduction to
Meta-Analysis*, ch. 19, the Z-test for comparing two independent estimates). It treats the index
study as independent of the benchmark and ignores tau²: it asks whether the index differs from the
*average* historical study. Whether it is unusual for *a* historical study is the predictive
question (Higgins, Thompson & Spiegelhalter 2009, J R Stat Soc A 172:137): the predictive test
``z = (y0 - mu) / sqrt(v0 + SE(mu)² + tau²)`` and the prediction interval widened by the index's
own sampling variance, ``mu ± c sqrt(SE² + tau² + v0)`` (an *observed* estimate, not a true
effect, is compared; ``c`` as in the benchmark's prediction interval). When ``v0`` is unknown the
plain prediction interval is used and the index is treated as error-free (said in
``position_basis``).
Under Knapp–Hartung inference the benchmark SE is the KH SE and the reference distribution is
t with k - 1 df (conservative: the index variance is known only approximately).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from meta import distributions
from meta.errors import MetaInputError
from meta.level import critical_value
from meta.model import rma
from meta.transforms import backtransform

LOG_MEASURES = ("PLO", "MED", "HR", "OR", "RR", "RATIO")
"""Measures whose analysis-scale difference exponentiates to a ratio (OR, ratio of medians...)."""


@dataclass(frozen=True)
class Benchmark:
    """A pooled benchmark under one estimator and inference method (analysis scale)."""

    method: str
    test: str
    k: int
    estimate: float
    se: float
    ci_lb: float
    ci_ub: float
    pi_lb: float
    pi_ub: float
    tau2: float
    I2: float
    Q: float
    Q_pval: float
    weights_pct: tuple[float, ...]
    df: int | None


@dataclass(frozen=True)
class Difference:
    """Index minus benchmark on the analysis scale, with a Wald (or t) test."""

    estimate: float
    se: float
    stat: float
    pval: float
    ci_lb: float
    ci_ub: float
    df: int | None


@dataclass(frozen=True)
class ComparisonResult:
    """The index study against one benchmark (analysis scale unless named ``*_bt``).

    Attributes
    ----------
    position : str
        ``'below'``, ``'within'`` or ``'above'`` the prediction interval; ``'n/a'`` when the
        benchmark has fewer than 2 studies.
    ratio_bt : tuple or None
        For log measures, ``exp`` of the difference and its CI (odds ratio for PLO, ratio of
        medians for MED).
    index_bt, benchmark_bt : tuple
        Back-transformed ``(estimate, lb, ub)``; index bounds NaN when its variance is unknown.
    pi_bt : tuple
        Back-transformed prediction interval (of a new study's true effect).
    predictive : Difference or None
        The predictive test (tau² included): is the index unusual for one historical study?
    observed_pi_bt : tuple
        Back-transformed interval ``position`` is judged against (see ``position_basis``).
    """

    measure: str
    level: float
    benchmark: Benchmark
    index_yi: float
    index_vi: float | None
    difference: Difference | None
    position: str
    index_bt: tuple[float, float, float]
    benchmark_bt: tuple[float, float, float]
    pi_bt: tuple[float, float]
    points_bt: float
    ratio_bt: tuple[float, float, float] | None
    by_estimator: tuple[tuple[Benchmark, Difference | None], ...]
    ni: tuple[float, ...] | None = None
    predictive: Difference | None = None
    observed_pi_bt: tuple[float, ...] = ()
    position_basis: str = ""


def pool(yi: Sequence[float] | np.ndarray, vi: Sequence[float] | np.ndarray,
         method: str = "REML", test: str = "z",
         level: float = 95.0) -> Benchmark:
    """Random-effects pooling by :func:`meta.model.rma`, as a :class:`Benchmark`.

    The prediction interval is metafor's (normal quantile for ``test="z"``, t(k - 1) with the
    Knapp–Hartung SE for ``test="knha"``).
    """
    res = rma(np.asarray(yi, float), np.asarray(vi, float), method=method, test=test,
              level=level)
    pi = res.pi
    return Benchmark(method=method, test=test, k=res.k, estimate=res.estimate, se=res.se,
                     ci_lb=res.ci_lb, ci_ub=res.ci_ub,
                     pi_lb=pi.lb if pi else float("nan"), pi_ub=pi.ub if pi else float("nan"),
                     tau2=float(res.tau2), I2=float(res.I2), Q=float(res.Q),
                     Q_pval=float(res.Q_pval),
                     weights_pct=tuple(float(w) * 100 for w in res.weights), df=res.ddf)


def difference(index_yi: float, index_vi: float | None, bench: Benchmark,
               level: float = 95.0) -> Difference | None:
    """Index minus benchmark with its test; None when the index variance is unknown."""
    if index_vi is None or not np.isfinite(index_vi) or not np.isfinite(bench.se):
        return None
    est = index_yi - bench.estimate
    se = float(np.sqrt(index_vi + bench.se ** 2))
    stat = est / se
    crit = critical_value(level, bench.df)
    if bench.df is None:
        pval = 2 * distributions.norm_sf(abs(stat))
    else:
        pval = 2 * distributions.t_sf(abs(stat), bench.df)
    return Difference(est, se, float(stat), float(pval), float(est - crit * se),
                      float(est + crit * se),
                      bench.df)


def predictive(index_yi: float, index_vi: float | None, bench: Benchmark,
               level: float = 95.0) -> Difference | None:
    """Index minus benchmark tested against a *single* historical study's spread.

    As :func:`difference` with tau² added to the variance (Higgins et al. 2009): is the index
    unusual for one more study from the benchmark's distribution? None when ``v0`` is unknown.
    """
    if index_vi is None or not np.isfinite(index_vi) or not np.isfinite(bench.tau2):
        return None
    wider = Benchmark(bench.method, bench.test, bench.k, bench.estimate,
                      float(np.sqrt(bench.se ** 2 + bench.tau2)), bench.ci_lb, bench.ci_ub,
                      bench.pi_lb, bench.pi_ub, bench.tau2, bench.I2, bench.Q, bench.Q_pval,
                      bench.weights_pct, bench.df)
    return difference(index_yi, index_vi, wider, level)


def observed_interval(bench: Benchmark, index_vi: float | None) -> tuple[float, float]:
    """The prediction interval widened by the index's sampling variance (unchanged if unknown).

    The multiplier is the benchmark's own (normal, or t(k - 1) under Knapp–Hartung), recovered
    from its prediction interval so that both intervals use the same reference distribution.
    """
    lb, ub = bench.pi_lb, bench.pi_ub
    if index_vi is None or not np.isfinite(index_vi) or not (np.isfinite(lb) and
                                                             np.isfinite(ub)):
        return lb, ub
    spread = np.sqrt(bench.se ** 2 + bench.tau2)
    if spread <= 0:
        return lb, ub
    crit = (ub - bench.estimate) / spread
    half = crit * np.sqrt(spread ** 2 + index_vi)
    return float(bench.estimate - half), float(bench.estimate + half)


def position(index_yi: float, bench: Benchmark, index_vi: float | None = None) -> str:
    """Where the index estimate falls against the benchmark's prediction interval, widened by
    the index's sampling variance when that is known (:func:`observed_interval`)."""
    if bench.k < 2 or not (np.isfinite(bench.pi_lb) and np.isfinite(bench.pi_ub)):
        return "n/a"
    lb, ub = observed_interval(bench, index_vi)
    if index_yi < lb:
        return "below"
    return "above" if index_yi > ub else "within"


def compare(yi: Sequence[float], vi: Sequence[float], index_yi: float,
            index_vi: float | None, measure: str, *, method: str = "REML", test: str = "z",
            level: float = 95.0, ni: Sequence[float] | None = None,
            index_ni: float | None = None, estimators: Sequence[str] = ()
            ) -> ComparisonResult:
    """Compare the index study with the benchmark pooled from ``yi``/``vi``.

    Parameters
    ----------
    yi, vi : sequence of float
        Benchmark studies on the analysis scale of ``measure``.
    index_yi, index_vi : float
        The index study's estimate and sampling variance (``None`` if unknown: then no test,
        only the position against the prediction interval).
    measure : str
        Analysis scale (``PLO``, ``PFT``, ``PAS``, ``PR``, ``MED``...).
    ni : sequence of float, optional
        Study sizes, needed for the ``PFT`` back-transform of the pooled values (harmonic mean).
    index_ni : float, optional
        The index study's size, needed for the ``PFT`` back-transform of the index (its own n,
        not the benchmark's harmonic mean).
    estimators : sequence of str
        tau² estimators for the sensitivity table (each with ``test``).

    Era and case-mix adjustment (meta-regression at the index's covariates) is
    :func:`meta.adjusted.adjusted_benchmark`.
    """
    yi_a, vi_a = np.asarray(yi, float), np.asarray(vi, float)
    bench = pool(yi_a, vi_a, method, test, level)
    diff = difference(index_yi, index_vi, bench, level)

    if measure.upper() == "PFT" and index_ni is None:
        raise MetaInputError(
            "index_ni: expected the index study's size for the PFT back-transform, "
                         "got None")

    def bt(values: Sequence[float], sizes: Sequence[float] | None = ni) -> tuple[float, ...]:
        return tuple(float(v) for v in backtransform(measure, np.asarray(values, float),
                                                     ni=sizes))

    def bt2(values: Sequence[float]) -> tuple[float, float]:
        lo, hi = bt(values)
        return lo, hi

    def bt3(values: Sequence[float], sizes: Sequence[float] | None = ni
            ) -> tuple[float, float, float]:
        a, b, c = bt(values, sizes)
        return a, b, c

    own = [index_ni] if index_ni is not None else None
    crit = critical_value(level)
    if index_vi is not None and np.isfinite(index_vi):
        half = crit * np.sqrt(index_vi)
        index_bt = bt3([index_yi, index_yi - half, index_yi + half], own)
    else:
        index_bt = (bt([index_yi], own)[0], float("nan"), float("nan"))
    bench_bt = bt3([bench.estimate, bench.ci_lb, bench.ci_ub])
    pi_bt = bt2([bench.pi_lb, bench.pi_ub])
    ratio = None
    if measure.upper() in LOG_MEASURES:
        ratio = ((float(np.exp(diff.estimate)), float(np.exp(diff.ci_lb)),
                  float(np.exp(diff.ci_ub))) if diff else
                 (float(np.exp(index_yi - bench.estimate)), float("nan"), float("nan")))
    rows = []
    for est in estimators:
        b = bench if est == method else pool(yi_a, vi_a, est, test, level)
        rows.append((b, difference(index_yi, index_vi, b, level)))
    known = index_vi is not None and np.isfinite(index_vi)
    basis = ("prediction interval widened by the index's sampling variance" if known else
             "prediction interval; the index's variance is unknown, so it is treated as "
             "error-free")
    return ComparisonResult(measure.upper(), level, bench, float(index_yi), index_vi, diff,
                            position(index_yi, bench, index_vi), index_bt, bench_bt, pi_bt,
                            index_bt[0] - bench_bt[0], ratio, tuple(rows),
                            tuple(float(n) for n in ni) if ni is not None else None,
                            predictive(index_yi, index_vi, bench, level),
                            bt(list(observed_interval(bench, index_vi))), basis)
