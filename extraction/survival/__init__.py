"""Survival estimators on (pseudo-)individual patient data, matching R survival 3.5.

The one Kaplan–Meier (:func:`kaplan_meier` with Greenwood SE, pointwise CIs, median, landmarks,
RMST) and the one Cox fit (:func:`cox_hr`, model-based or cluster-robust variance) of hccmeta,
plus the log-rank test. They live here, at the bottom of ``reports -> meta -> extraction``,
because the KM reconstruction checks and the audit need them as much as the statistics library;
:mod:`meta.survival` re-exports them. Plain arrays in (time in months, event 1/0), frozen
results out; ``level`` in percent as metafor.
"""

from extraction.levels import check_level, critical_value
from extraction.survival.cox import CoxResult, cox_hr
from extraction.survival.km import (
    RMST,
    KMFit,
    Landmark,
    Median,
    kaplan_meier,
    landmark_survival,
    median_survival,
    rmst,
)
from extraction.survival.logrank import LogRankResult, log_rank

__all__ = ["RMST", "CoxResult", "KMFit", "Landmark", "LogRankResult", "Median", "check_level",
           "cox_hr", "critical_value", "kaplan_meier", "landmark_survival", "log_rank",
           "median_survival", "rmst"]
