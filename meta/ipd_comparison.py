"""Survival comparisons of an index arm with historical arms on (pseudo-)individual data.

Two-stage: per arm, the restricted mean survival time (RMST) up to ``tau`` and the survival at
a landmark time from the Kaplan–Meier estimate, then the historical arms pooled with random
effects and the index arm compared with the pooled value (:func:`meta.comparison.compare`).
One-stage: a Cox model of index vs historical on the stacked data.

Every arm carries ``origin``, how its individual data were obtained (e.g. "reconstructed from a
digitized KM curve (Guyot 2012)"), and the report prints it beside each result.

Stratification and variance: a Cox model stratified by study cannot estimate an
index-vs-historical hazard ratio when the index group is a single study (the indicator is
constant within every stratum), so the one-stage model is unstratified and never stratified by
study. Its default variance is the model-based (inverse information) one, as R
``coxph(Surv(t, d) ~ index, ties = "breslow")``: it treats all patients as one population and
IGNORES between-study heterogeneity, so its CI and p-value are for orientation only and are not
a valid test of the index arm against history (inference is the two-stage comparison's). A
study-clustered robust (sandwich) variance (Lin & Wei 1989, JASA 84:1074; R ``cluster =
study``) is NOT used by default: with the index as one cluster, the index indicator is constant
within clusters and the sandwich SE is biased downwards (simulated type I error about 0.5 at
alpha 0.05 with identical arms, 1 index + 4 historical, 60 patients each; model-based about
0.04). It is available on request only with at least two arms in each group, and is still
optimistic with few clusters. This differs from a trial-stratified one-stage IPD meta-analysis
of randomised trials and the report says so. A shared-frailty (random arm effect) model, which
would carry the between-arm variance, is not implemented.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from meta.comparison import ComparisonResult, compare
from meta.errors import MetaInputError
from meta.survival import cox_hr, kaplan_meier, rmst


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


def km_summary(time: Sequence[float] | np.ndarray, event: Sequence[int] | np.ndarray,
               tau: float, landmark: float
               ) -> KMEstimate:
    """RMST (area under the KM curve on [0, tau]) and landmark survival with their variances.

    Both from :mod:`meta.survival` (tested against R survival 3.5): RMST and its SE as R
    ``print(survfit, rmean = tau)`` (Klein & Moeschberger 2003, eq. 4.5.1); landmark variance
    by Greenwood's formula, ``S(t)² · std.err²`` with R's ``std.err`` of −log S.
    """
    t = np.asarray(time, float)
    d = np.asarray(event, int)
    if t.size == 0 or np.any(t < 0) or not np.all(np.isin(d, (0, 1))):
        raise MetaInputError("time, event: expected non-negative times and 0/1 events")
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
        raise MetaInputError("historical: expected at least one historical arm")
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
    """One-stage Cox model of index vs historical (hazard ratio > 1: index worse).

    ``variance`` is ``"model"`` (inverse information; ignores between-study heterogeneity, for
    orientation only) or ``"robust"`` (study-clustered sandwich); ``robust`` is
    ``variance == "robust"``. ``note`` says in words what the SE does and does not allow for.
    """

    hr: float
    ci_lb: float
    ci_ub: float
    pval: float
    se_log_hr: float
    robust: bool
    n: int
    events: int
    variance: str = "model"
    note: str = ""


MODEL_SE_NOTE = ("model-based SE: treats all patients as one population and ignores "
                 "between-study heterogeneity; for orientation only, not a valid test of the "
                 "index arm against history (see the two-stage comparison)")
ROBUST_SE_NOTE = ("study-clustered robust SE: optimistic with few studies per group")


def one_stage_cox(index: Sequence[ArmIPD], historical: Sequence[ArmIPD], level: float = 95.0,
                  variance: str = "model") -> OneStage:
    """Cox model ``index vs historical`` on the stacked arms, Breslow ties.

    Parameters
    ----------
    index, historical : sequence of ArmIPD
        Arms of the index group and of the historical group (at least one each).
    level : float
        Confidence level, percent.
    variance : {"model", "robust"}
        ``"model"`` (default): the model-based variance, as R
        ``coxph(Surv(time, event) ~ index, ties = "breslow")``; it ignores between-study
        heterogeneity (see the module docstring), so the CI and p-value are for orientation
        only. ``"robust"``: the study-clustered sandwich variance (Lin & Wei 1989), as R
        ``coxph(..., cluster = study, ties = "breslow")`` (statsmodels' ``PHReg`` with
        ``groups``); refused unless both groups have at least two arms, because with one
        cluster in a group the group indicator is constant within clusters and the sandwich
        SE is biased downwards (type I error about 0.5 in simulation).

    Notes
    -----
    Breslow ties, so that the robust SE matches R ``coxph(..., cluster =)`` (the one Cox fit,
    :func:`meta.survival.cox_hr`, implements the sandwich for Breslow ties only).
    """
    if not index or not historical:
        raise MetaInputError("index, historical: expected at least one arm each")
    if variance not in ("model", "robust"):
        raise MetaInputError(f"variance: expected 'model' or 'robust', got {variance!r}")
    if variance == "robust" and min(len(index), len(historical)) < 2:
        raise MetaInputError("variance: 'robust' needs at least two index and two historical arms "
                         f"(got {len(index)} and {len(historical)}); with one arm in a group "
                         "the study-clustered SE is biased downwards, use 'model'")
    arms = [*index, *historical]
    time = np.concatenate([a.time for a in arms]).astype(float)
    event = np.concatenate([a.event for a in arms]).astype(int)
    x = np.concatenate([np.full(len(a.time), 1.0 if i < len(index) else 0.0)
                        for i, a in enumerate(arms)])
    study = np.concatenate([np.full(len(a.time), i) for i, a in enumerate(arms)])
    robust = variance == "robust"
    fit = cox_hr(time, event, x, ties="breslow", level=level,
                 cluster=study if robust else None)
    return OneStage(fit.hr, fit.lower, fit.upper, fit.p, fit.se, robust, fit.n, fit.events,
                    variance, ROBUST_SE_NOTE if robust else MODEL_SE_NOTE)


def exponential_curve(median: float, times: Sequence[float]) -> np.ndarray:
    """``S(t) = 2^(-t/median)``: the exponential curve through a reported median.

    For orientation only: it is not data and is never used in a test.
    """
    if not median > 0:
        raise MetaInputError(f"median: expected months > 0, got {median}")
    return np.power(2.0, -np.asarray(times, float) / median)
