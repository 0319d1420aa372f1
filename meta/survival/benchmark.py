"""Survival benchmarks from patient-level data: arm-level statistics pooled across arms.

Two-stage: each historical arm is summarised from its own Kaplan–Meier fit
(:mod:`meta.survival.arms`), then each statistic is pooled across arms by the random-effects
model of :func:`meta.model.rma` (via :func:`meta.comparison.pool`; tau² by REML by default, as
metafor), with its CI and prediction interval for a new arm: metafor's
(normal quantile) and Higgins, Thompson & Spiegelhalter's (2009, JRSS-A 172:137, eq. 12: t with
k − 2 df):

* landmark survival S(t) on the complementary log-log scale by default (``scale``: cloglog,
  logit or log; delta-method variances in :mod:`meta.survival.scales`), back-transformed;
* RMST to ``tau`` on the natural scale (months), SE as R ``print(survfit, rmean = tau)``;
  arms whose follow-up ends before ``tau`` are left out (their RMST would carry the last KM
  value flat to ``tau``);
* the median on the log scale, its SE from the width of its Brookmeyer–Crowley CI as for
  published medians (:func:`meta.effects.median_survival`, the same implementation), arms
  whose median or CI bound is not reached left out with the reason.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from meta.comparison import Benchmark, pool
from meta.effects import median_survival as median_effects
from meta.prediction import higgins_interval
from meta.survival.arms import LANDMARKS, TAU, ArmData, ArmSummary, arms_frame, summarize_arms
from meta.survival.scales import check_scale, from_scale, to_scale


@dataclass(frozen=True)
class PooledStatistic:
    """One arm-level statistic pooled across arms (natural scale unless said otherwise).

    Attributes
    ----------
    statistic : str
        E.g. ``"S(12)"``, ``"RMST(24)"``, ``"median"``.
    scale : str
        Analysis scale of the pooling: ``cloglog``, ``logit``, ``log`` or ``identity``.
    k : int
        Arms pooled.
    estimate, ci_lb, ci_ub, pi_lb, pi_ub : float
        Back-transformed pooled estimate, CI and prediction interval (metafor's: normal
        quantile, sqrt(tau² + SE²)); NaN when k = 0.
    pi_t_lb, pi_t_ub : float
        Higgins et al. (2009, eq. 12) prediction interval with t(k − 2); NaN when k < 3.
    benchmark : Benchmark or None
        The pooled result on the analysis scale (tau², I², Q, weights), None when k = 0.
    arms : tuple of str
        Arms pooled, in order of ``benchmark.weights_pct``.
    excluded : tuple of (str, str)
        Arms left out and why.
    """

    statistic: str
    scale: str
    k: int
    estimate: float
    ci_lb: float
    ci_ub: float
    pi_lb: float
    pi_ub: float
    pi_t_lb: float
    pi_t_ub: float
    benchmark: Benchmark | None
    arms: tuple[str, ...]
    excluded: tuple[tuple[str, str], ...]


def _back(values: Sequence[float], scale: str) -> list[float]:
    if scale == "identity":
        return [float(v) for v in values]
    return [float(v) for v in from_scale(np.asarray(values, float), scale)]


def pool_statistic(statistic: str, arms: Sequence[str], yi: Sequence[float] | np.ndarray,
                   vi: Sequence[float] | np.ndarray, scale: str, *,
                   excluded: Sequence[tuple[str, str]] = (),
                   method: str = "REML", level: float = 95.0) -> PooledStatistic:
    """Pool ``yi`` (variances ``vi``, on ``scale``) by :func:`meta.comparison.pool`.

    Rows with non-finite ``yi`` or ``vi <= 0`` are left out with a reason; the result is
    back-transformed to the natural scale (bounds reordered for the decreasing cloglog).
    """
    keep, out = [], list(excluded)
    for arm, y, v in zip(arms, yi, vi, strict=True):
        if np.isfinite(y) and np.isfinite(v) and v > 0:
            keep.append((arm, float(y), float(v)))
        else:
            out.append((arm, f"{statistic} not estimable on the {scale} scale (S of 0 or 1, "
                           "beyond follow-up, or no SE)"))
    if not keep:
        nan = float("nan")
        return PooledStatistic(statistic, scale, 0, nan, nan, nan, nan, nan, nan, nan, None,
                               (), tuple(out))
    bench = pool([y for _, y, _ in keep], [v for _, _, v in keep], method=method, level=level)
    t_pi = higgins_interval(bench.estimate, bench.se, bench.tau2, bench.k, level)
    est, a, b, c, d, e, f = _back([bench.estimate, bench.ci_lb, bench.ci_ub, bench.pi_lb,
                                   bench.pi_ub, t_pi.lb if t_pi else float("nan"),
                                   t_pi.ub if t_pi else float("nan")], scale)
    return PooledStatistic(statistic, scale, bench.k, est, min(a, b), max(a, b), min(c, d),
                           max(c, d), min(e, f), max(e, f), bench,
                           tuple(a_ for a_, _, _ in keep), tuple(out))


@dataclass(frozen=True)
class SurvivalBenchmark:
    """Per-arm summaries and their random-effects pools (months; survival as a proportion).

    ``landmarks`` has one :class:`PooledStatistic` per landmark time (on
    ``landmark_scale``); ``rmst`` pools RMST to ``tau`` on the natural scale; ``median`` the
    log median. ``method`` is the tau² estimator, ``level`` the CI level in percent.
    """

    arms: tuple[ArmSummary, ...]
    landmarks: tuple[PooledStatistic, ...]
    rmst: PooledStatistic
    median: PooledStatistic
    landmark_scale: str
    tau: float
    method: str
    level: float

    def to_frame(self) -> pd.DataFrame:
        """The pooled table: one row per statistic (``statistic, scale, k, estimate, ci_lb,
        ci_ub, pi_lb, pi_ub, pi_t_lb, pi_t_ub, tau2, I2, excluded``)."""
        rows = []
        for p in (*self.landmarks, self.rmst, self.median):
            rows.append({"statistic": p.statistic, "scale": p.scale, "k": p.k,
                         "estimate": p.estimate, "ci_lb": p.ci_lb, "ci_ub": p.ci_ub,
                         "pi_lb": p.pi_lb, "pi_ub": p.pi_ub, "pi_t_lb": p.pi_t_lb,
                         "pi_t_ub": p.pi_t_ub,
                         "tau2": p.benchmark.tau2 if p.benchmark else float("nan"),
                         "I2": p.benchmark.I2 if p.benchmark else float("nan"),
                         "excluded": "; ".join(f"{a}: {why}" for a, why in p.excluded)})
        return pd.DataFrame(rows)

    def __str__(self) -> str:
        """A metafor-style summary: one line per pooled statistic, then what was left out."""
        lines = [f"Survival benchmark: {len(self.arms)} arms; random effects ({self.method}); "
                 f"landmarks on the {self.landmark_scale} scale, RMST on months, median on log",
                 f"{'statistic':>10} {'k':>3} {'estimate':>9} {'ci.lb':>8} {'ci.ub':>8} "
                 f"{'pi.lb':>8} {'pi.ub':>8} {'tau2':>8} {'I2(%)':>6}"]
        for p in (*self.landmarks, self.rmst, self.median):
            b = p.benchmark
            lines.append(f"{p.statistic:>10} {p.k:>3} {p.estimate:>9.4f} {p.ci_lb:>8.4f} "
                         f"{p.ci_ub:>8.4f} {p.pi_lb:>8.4f} {p.pi_ub:>8.4f} "
                         f"{(b.tau2 if b else float('nan')):>8.4f} "
                         f"{(b.I2 if b else float('nan')):>6.1f}")
        lines.append(f"({self.level:g}% CI and prediction interval; months, survival 0-1)")
        for p in (*self.landmarks, self.rmst, self.median):
            lines += [f"{p.statistic} leaves out {a}: {why}" for a, why in p.excluded]
        return "\n".join(lines)

    def arms_frame(self) -> pd.DataFrame:
        """The per-arm table (:func:`meta.survival.arms.arms_frame`)."""
        return arms_frame(self.arms)


def survival_benchmark(arms: Mapping[str, ArmData], *, landmarks: Sequence[float] = LANDMARKS,
                       tau: float = TAU, landmark_scale: str = "cloglog",
                       method: str = "REML", level: float = 95.0) -> SurvivalBenchmark:
    """Benchmark of a comparator group from its arms' patient-level data.

    Parameters
    ----------
    arms : mapping of str to (time, event)
        Historical arms: months; 1 event, 0 censored.
    landmarks : sequence of float
        Landmark times (months), default 6, 12, 18, 24.
    tau : float
        RMST horizon (months), default 24.
    landmark_scale : {"cloglog", "logit", "log"}
        Pooling scale of landmark survival.
    method : str
        tau² estimator (metafor's names, default REML).
    level : float
        Confidence level in percent.
    """
    check_scale(landmark_scale)
    summaries = summarize_arms(arms, landmarks=landmarks, tau=tau, level=level)
    pooled_lm = []
    for j, t in enumerate(np.asarray(landmarks, float)):
        inside = [a for a in summaries if a.follow_up >= t]
        gone = [(a.arm, f"follow-up ends at {a.follow_up:.1f} months, before {t:g}")
                for a in summaries if a.follow_up < t]
        s = np.array([a.landmarks.surv[j] for a in inside])
        se = np.array([a.landmarks.se[j] for a in inside])
        y, v = to_scale(s, se, landmark_scale)
        pooled_lm.append(pool_statistic(f"S({t:g})", [a.arm for a in inside], y, v,
                                        landmark_scale, excluded=gone, method=method,
                                        level=level))
    late = [(a.arm, f"follow-up ends at {a.follow_up:.1f} months, before tau = {tau:g}")
            for a in summaries if a.rmst_extrapolated]
    ok = [a for a in summaries if not a.rmst_extrapolated]
    rm = pool_statistic(f"RMST({tau:g})", [a.arm for a in ok], [a.rmst.estimate for a in ok],
                        [a.rmst.se ** 2 for a in ok], "identity", excluded=late, method=method,
                        level=level)
    return SurvivalBenchmark(summaries, tuple(pooled_lm), rm,
                             _pooled_median(summaries, method, level), landmark_scale,
                             float(tau), method, float(level))


def _pooled_median(summaries: Sequence[ArmSummary], method: str, level: float
                   ) -> PooledStatistic:
    keep, excluded = [], []
    for a in summaries:
        m = a.median
        if not np.isfinite(m.estimate):
            excluded.append((a.arm, "median not reached"))
        elif not (np.isfinite(m.lower) and np.isfinite(m.upper)):
            excluded.append((a.arm, "a bound of the median's CI not reached"))
        elif not m.upper > m.lower:
            excluded.append((a.arm, "the median's CI has zero width"))
        else:
            keep.append(a)
    table = median_effects([a.median.estimate for a in keep], [a.median.lower for a in keep],
                           [a.median.upper for a in keep], level=level,
                           study=[a.arm for a in keep])
    excluded += [(e.study, e.reason) for e in table.excluded]
    return pool_statistic("median", table.study, table.yi, table.vi, "log", excluded=excluded,
                          method=method, level=level)
