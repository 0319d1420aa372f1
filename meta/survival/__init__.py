"""Survival analyses of (pseudo-)individual patient data, matching R survival 3.5.

Estimators (re-exported from :mod:`extraction.survival`, where the one Kaplan–Meier and the one
Cox fit live so that the reconstruction checks and the audit can use them too):
:func:`kaplan_meier`, :func:`median_survival`, :func:`landmark_survival`, :func:`rmst`,
:func:`cox_hr`, :func:`log_rank`.

Benchmarks from patient-level data (this package): :func:`summarize_arm` /
:func:`summarize_arms` (per-arm KM median with CI, landmark survival with Greenwood SE, RMST
with SE, numbers at risk), :func:`survival_benchmark` (arm-level statistics pooled by random
effects with CI and PI), :func:`pooled_km_curve` (pointwise random-effects pooling of the arms'
KM curves on the complementary log-log scale, made monotone) and :func:`index_median_position`
(where a reported median falls among the historical arms' curves); :func:`group_survival`
runs all three for one comparator group.

Inputs are plain: a mapping ``arm id -> (time, event)`` (months; 1 event, 0 censored).
``level`` is in percent, as metafor.
"""

from extraction.survival import (
    RMST,
    CoxResult,
    KMFit,
    Landmark,
    LogRankResult,
    Median,
    cox_hr,
    kaplan_meier,
    landmark_survival,
    log_rank,
    median_survival,
    rmst,
)
from meta.survival.arms import ArmSummary, summarize_arm, summarize_arms
from meta.survival.benchmark import PooledStatistic, SurvivalBenchmark, survival_benchmark
from meta.survival.curve import PooledCurve, pooled_km_curve
from meta.survival.group import GroupSurvival, group_survival
from meta.survival.position import ArmAtTime, IndexMedianPosition, index_median_position

__all__ = [
    "RMST",
    "ArmAtTime",
    "ArmSummary",
    "CoxResult",
    "GroupSurvival",
    "IndexMedianPosition",
    "KMFit",
    "Landmark",
    "LogRankResult",
    "Median",
    "PooledCurve",
    "PooledStatistic",
    "SurvivalBenchmark",
    "cox_hr",
    "group_survival",
    "index_median_position",
    "kaplan_meier",
    "landmark_survival",
    "log_rank",
    "median_survival",
    "pooled_km_curve",
    "rmst",
    "summarize_arm",
    "summarize_arms",
    "survival_benchmark",
]
