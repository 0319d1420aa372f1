"""Survival analyses of (pseudo-)individual patient data, matching R survival 3.5.

Public API: :func:`kaplan_meier`, :func:`median_survival`, :func:`landmark_survival`,
:func:`rmst`, :func:`cox_hr`, :func:`log_rank` and their frozen result classes. Works on plain
arrays (time, event, arm), e.g. the pseudo-IPD of :mod:`extraction.km`.
"""

from meta.survival.compare import CoxResult, LogRankResult, cox_hr, log_rank
from meta.survival.km import (
    RMST,
    KMFit,
    Landmark,
    Median,
    kaplan_meier,
    landmark_survival,
    median_survival,
    rmst,
)

__all__ = ["RMST", "CoxResult", "KMFit", "Landmark", "LogRankResult", "Median", "cox_hr",
           "kaplan_meier", "landmark_survival", "log_rank", "median_survival", "rmst"]
