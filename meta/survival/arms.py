"""Per-arm summaries of (pseudo-)IPD: the numbers a survival benchmark is built from.

For each arm, from the one Kaplan–Meier fit (:func:`extraction.survival.kaplan_meier`, as R
``survfit`` with its defaults: ``conf.type = "log"``, Greenwood variance):

* median survival with its CI (R's ``survfit`` table: Brookmeyer & Crowley 1982, Biometrics
  38:29, inverted on the log-transformed pointwise CI);
* survival at landmark times (default 6, 12, 18, 24 months) with the Greenwood SE of S and the
  number at risk, as ``summary(fit, times =)``; NaN after the arm's last follow-up time;
* restricted mean survival time to ``tau`` (default 24 months) with its SE, as
  ``print(fit, rmean = tau)`` (Klein & Moeschberger 2003, §4.5). When the arm's follow-up ends
  before ``tau`` R extends the last KM value flat to ``tau``; the summary says so
  (``rmst_extrapolated``) and the benchmark leaves such arms out of RMST pooling.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from extraction.survival import (
    RMST,
    Landmark,
    Median,
    kaplan_meier,
    landmark_survival,
    median_survival,
    rmst,
)

LANDMARKS = (6.0, 12.0, 18.0, 24.0)
"""Default landmark times (months)."""
TAU = 24.0
"""Default RMST horizon (months)."""

ArmData = tuple[Sequence[float], Sequence[int]]
"""``(time, event)`` of one arm: months, 1 event / 0 censored."""


@dataclass(frozen=True)
class ArmSummary:
    """Kaplan–Meier summary of one arm (months).

    Attributes
    ----------
    arm : str
        Arm id as given.
    n, events : int
        Patients and events.
    follow_up : float
        Last observed time (event or censoring).
    median : Median
        KM median and its CI (NaN where not reached).
    landmarks : Landmark
        Survival, CI, Greenwood SE and number at risk at the landmark times.
    rmst : RMST
        RMST to ``rmst.tau`` with SE.
    rmst_extrapolated : bool
        True when follow-up ends before ``tau`` (last KM value carried to ``tau``, as R).
    conf_type, level : str, float
        Pointwise CI transform (R default ``"log"``) and level in percent.
    """

    arm: str
    n: int
    events: int
    follow_up: float
    median: Median
    landmarks: Landmark
    rmst: RMST
    rmst_extrapolated: bool
    conf_type: str
    level: float

    def to_row(self) -> dict[str, float | str | int]:
        """One flat row: median with CI, ``S(t)``/``se_S(t)``/``n_risk(t)``, RMST with SE."""
        row: dict[str, float | str | int] = {
            "arm": self.arm, "n": self.n, "events": self.events, "follow_up": self.follow_up,
            "median": self.median.estimate, "median_lower": self.median.lower,
            "median_upper": self.median.upper}
        lm = self.landmarks
        for i, t in enumerate(lm.time):
            row[f"S({t:g})"] = float(lm.surv[i])
            row[f"se_S({t:g})"] = float(lm.se[i])
            row[f"n_risk({t:g})"] = float(lm.n_risk[i])
        row[f"rmst({self.rmst.tau:g})"] = self.rmst.estimate
        row[f"se_rmst({self.rmst.tau:g})"] = self.rmst.se
        row["rmst_extrapolated"] = self.rmst_extrapolated
        return row


def summarize_arm(arm: str, time: Sequence[float], event: Sequence[int], *,
                  landmarks: Sequence[float] = LANDMARKS, tau: float = TAU,
                  level: float = 95.0, conf_type: str = "log") -> ArmSummary:
    """Median with CI, landmark survival with Greenwood SE, RMST with SE, numbers at risk.

    Parameters
    ----------
    arm : str
        Arm id (carried into the result).
    time, event : array_like
        Months; 1 event, 0 censored.
    landmarks : sequence of float
        Landmark times (months).
    tau : float
        RMST horizon (months, > 0).
    level : float
        Confidence level in percent.
    conf_type : {"log", "log-log", "plain"}
        Pointwise CI transform; R's default ``"log"``.
    """
    if not tau > 0:
        raise ValueError(f"tau: expected months > 0, got {tau}")
    fit = kaplan_meier(time, event, conf_type=conf_type, level=level)
    follow_up = float(fit.time[-1])
    return ArmSummary(str(arm), int(fit.n_risk[0]), int(fit.n_event.sum()), follow_up,
                      median_survival(fit), landmark_survival(fit, np.asarray(landmarks, float)),
                      rmst(fit, float(tau)), follow_up < tau, conf_type, float(level))


def summarize_arms(arms: Mapping[str, ArmData], *, landmarks: Sequence[float] = LANDMARKS,
                   tau: float = TAU, level: float = 95.0, conf_type: str = "log"
                   ) -> tuple[ArmSummary, ...]:
    """:func:`summarize_arm` for each ``arm id -> (time, event)``, in the mapping's order."""
    if not arms:
        raise ValueError("arms: expected at least one arm id -> (time, event)")
    return tuple(summarize_arm(a, t, e, landmarks=landmarks, tau=tau, level=level,
                               conf_type=conf_type) for a, (t, e) in arms.items())


def arms_frame(summaries: Sequence[ArmSummary]) -> pd.DataFrame:
    """The per-arm table: one :meth:`ArmSummary.to_row` per arm."""
    return pd.DataFrame([s.to_row() for s in summaries])
