"""Survival comparisons of an index arm with historical arms on (pseudo-)individual data.

Two-stage: per arm, the restricted mean survival time (RMST) up to ``tau`` and the survival at
a landmark time from the Kaplan–Meier estimate, then the historical arms pooled with random
effects and the index arm compared with the pooled value (:func:`meta.comparison.compare`).
One-stage: a Cox model of index vs historical on the stacked data.

Every arm carries ``origin``, how its individual data were obtained (e.g. "reconstructed from a
digitized KM curve (Guyot 2012)"), and the report prints it beside each result.

Stratification: a Cox model stratified by study cannot estimate an index-vs-historical hazard
ratio when the index group is a single study (the indicator is constant within every stratum).
The one-stage model is therefore unstratified with a study-clustered robust (sandwich) variance
(Lin & Wei 1989, JASA 84:1074), as R ``coxph(Surv(t, d) ~ index, cluster = study)``; with
several index arms it is stratified by study group as far as identifiable. This differs from a
trial-stratified one-stage IPD meta-analysis of randomised trials and the report says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from meta.comparison import ComparisonResult, compare
from meta.survival import kaplan_meier, rmst


@dataclass(frozen=True)
class ArmIPD:
    """Individual (or pseudo-individual) survival data of one arm (times in months)."""

    label: str
    time: np.ndarray
    event: np.ndarray
    origin: str


@dataclass(frozen=True)
class KMEstimate:
    """A Kaplan–Meier summary: RMST to ``tau`` and survival at ``landmark``, with variances."""

    rmst: float
    rmst_var: float
    surv: float
    surv_var: float
    tau: float
    landmark: float


def km_summary(time: Sequence[float], event: Sequence[int], tau: float, landmark: float
               ) -> KMEstimate:
    """RMST (area under the KM curve on [0, tau]) and landmark survival with their variances.

    Both from :mod:`meta.survival` (tested against R survival 3.5): RMST and its SE as R
    ``print(survfit, rmean = tau)`` (Klein & Moeschberger 2003, eq. 4.5.1); landmark variance
    by Greenwood's formula, ``S(t)² · std.err²`` with R's ``std.err`` of −log S.
    """
    t = np.asarray(time, float)
    d = np.asarray(event, int)
    if t.size == 0 or np.any(t < 0) or not np.all(np.isin(d, (0, 1))):
        raise ValueError("time, event: expected non-negative times and 0/1 events")
    fit = kaplan_meier(t, d)
    r = rmst(fit, tau)
    idx = int(np.searchsorted(fit.time, landmark, side="right")) - 1
    s_l = float(fit.surv[idx]) if idx >= 0 else 1.0
    se_log = float(fit.std_err[idx]) if idx >= 0 else 0.0
    v_l = s_l ** 2 * se_log ** 2 if np.isfinite(se_log) else float("nan")
    return KMEstimate(r.estimate, r.se ** 2, s_l, v_l, float(tau), float(landmark))


@dataclass(frozen=True)
class TwoStage:
    """Two-stage comparison: RMST (months, GEN scale) and landmark survival (logit scale)."""

    tau: float
    landmark: float
    index: KMEstimate
    historical: tuple[KMEstimate, ...]
    rmst: ComparisonResult
    landmark_cmp: ComparisonResult | None


def two_stage(index: ArmIPD, historical: Sequence[ArmIPD], tau: float, landmark: float,
              method: str = "REML", level: float = 95.0) -> TwoStage:
    """Per-arm RMST and landmark survival, historical arms pooled, index compared.

    Landmark survival is pooled on the logit scale with the delta-method variance
    ``var(S) / (S (1 - S))²``; arms with S of 0 or 1 at the landmark are left out of that
    pooling.
    """
    if not historical:
        raise ValueError("historical: expected at least one historical arm")
    idx = km_summary(index.time, index.event, tau, landmark)
    hist = tuple(km_summary(a.time, a.event, tau, landmark) for a in historical)
    rmst = compare([h.rmst for h in hist], [h.rmst_var for h in hist], idx.rmst, idx.rmst_var,
                   "GEN", method=method, level=level)

    def logit(e: KMEstimate) -> tuple[float, float] | None:
        if not 0 < e.surv < 1 or e.surv_var <= 0:
            return None
        return float(np.log(e.surv / (1 - e.surv))), e.surv_var / (e.surv * (1 - e.surv)) ** 2

    pairs = [p for p in map(logit, hist) if p]
    target = logit(idx)
    lm = (compare([p[0] for p in pairs], [p[1] for p in pairs], target[0], target[1], "PLO",
                  method=method, level=level) if pairs and target else None)
    return TwoStage(float(tau), float(landmark), idx, hist, rmst, lm)


@dataclass(frozen=True)
class OneStage:
    """One-stage Cox model of index vs historical (hazard ratio > 1: index worse)."""

    hr: float
    ci_lb: float
    ci_ub: float
    pval: float
    se_log_hr: float
    robust: bool
    n: int
    events: int


def one_stage_cox(index: Sequence[ArmIPD], historical: Sequence[ArmIPD], level: float = 95.0
                  ) -> OneStage:
    """Cox model ``index vs historical``, Breslow ties, study-clustered robust variance when
    there are more than two arms; equals R ``coxph(..., cluster = study, ties = "breslow")``.

    Breslow rather than R's default Efron: statsmodels' sandwich variance uses Breslow-type
    score residuals, so only with Breslow ties does the robust SE match R (with Efron the
    coefficient matches but the robust SE differs by ~1e-4 relative when times are tied).

    See the module docstring for why the model is not stratified by study. statsmodels'
    ``PHReg`` with ``groups`` gives the Lin–Wei sandwich variance.
    """
    from scipy import stats
    from statsmodels.duration.hazard_regression import PHReg

    arms = [*index, *historical]
    if not index or not historical:
        raise ValueError("index, historical: expected at least one arm each")
    time = np.concatenate([a.time for a in arms]).astype(float)
    event = np.concatenate([a.event for a in arms]).astype(int)
    x = np.concatenate([np.full(len(a.time), 1.0 if i < len(index) else 0.0)
                        for i, a in enumerate(arms)])
    study = np.concatenate([np.full(len(a.time), i) for i, a in enumerate(arms)])
    model = PHReg(time, x[:, None], status=event, ties="breslow")
    robust = len(arms) > 2
    fit = model.fit(groups=study) if robust else model.fit()
    b = float(fit.params[0])
    se = float(fit.bse[0])
    z = stats.norm.ppf(1 - (1 - level / 100) / 2)
    return OneStage(float(np.exp(b)), float(np.exp(b - z * se)), float(np.exp(b + z * se)),
                    float(2 * stats.norm.sf(abs(b / se))), se, robust, int(time.size),
                    int(event.sum()))


def exponential_curve(median: float, times: Sequence[float]) -> np.ndarray:
    """``S(t) = 2^(-t/median)``: the exponential curve through a reported median.

    For orientation only: it is not data and is never used in a test.
    """
    if not median > 0:
        raise ValueError(f"median: expected months > 0, got {median}")
    return np.power(2.0, -np.asarray(times, float) / median)
