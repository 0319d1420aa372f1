"""The deciding test of a comparison, over the index's plausible range (issue 11).

The verdict's test is :func:`meta.decision.decision_test`: the Knapp–Hartung-scaled predictive
statistic with a maximised Monte Carlo critical value over tau² (Dufour 2006), which holds its
level when the index is exchangeable with the historical arms. It is run at every value of the
index's plausible range (:mod:`reports.analysis.index`); a difference is a verdict only when
the test rejects, in the same direction, at every value. The simulated fits depend on the
historical arms only and are cached by :mod:`meta.decision`, so the range and the fragility
search cost one simulation per set of arms.

The prediction interval shown is metafor's or Higgins, Thompson & Spiegelhalter's (2009,
J R Stat Soc A 172:137, eq. 12; t with k − 2 df) as the plan says; it is flagged imprecise with
k < 5 arms or tau² = 0 (it then collapses onto the CI).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from meta.comparison import Benchmark
from meta.decision import METHOD_NAME, DecisionTest, decision_test
from meta.fragility import Fragility, fragility_median, fragility_proportion
from meta.prediction import higgins_interval
from meta.transforms import backtransform
from reports.analysis.index import IndexRange, RangeKind
from reports.plan import Plan

SEED = 20251202


@dataclass(frozen=True)
class ScenarioTest:
    """The decision test at one plausible value of the index.

    ``pval_mcse`` is the Monte Carlo SE of ``pval`` and ``mc_settled`` False when ``pval`` is
    within 2.58 of them of alpha (:func:`meta.decision.mc_settled`): the simulation then does
    not settle ``verdict``.
    """

    label: str
    verdict: str
    pval: float
    statistic: float
    crit: float
    pval_mcse: float = math.nan
    mc_settled: bool = True


@dataclass(frozen=True)
class CalibratedDecision:
    """The deciding test over the index's plausible range.

    Attributes
    ----------
    method : str
        :data:`meta.decision.METHOD_NAME`.
    draws : int
        Simulated data sets per tau² grid point.
    size : float
        Simulated rejection rate under exchangeability at the fitted tau² (fresh draws).
    tests : tuple of ScenarioTest
        One per scenario of the index range, in its order.
    central : int
        The scenario of the main comparison.
    interval : tuple of float
        Where the central index value would be unremarkable (analysis scale).
    """

    method: str
    draws: int
    size: float
    tests: tuple[ScenarioTest, ...]
    central: int
    interval: tuple[float, float]
    tau2: float

    @property
    def verdicts(self) -> tuple[str, ...]:
        """``above``/``below``/``within`` per scenario."""
        return tuple(t.verdict for t in self.tests)

    @property
    def unanimous(self) -> str | None:
        """The verdict when every scenario agrees, else None."""
        v = set(self.verdicts)
        return next(iter(v)) if len(v) == 1 else None

    @property
    def decided(self) -> str | None:
        """:attr:`unanimous`, except None for a direction (``above``/``below``) when any
        scenario's p-value is within Monte Carlo error of alpha (:attr:`mc_unsettled`)."""
        agreed = self.unanimous
        return None if agreed != "within" and self.mc_unsettled else agreed

    @property
    def pval(self) -> float:
        """p-value at the central scenario."""
        return self.tests[self.central].pval

    @property
    def pval_mcse(self) -> float:
        """Monte Carlo SE of the p-value at the central scenario."""
        return self.tests[self.central].pval_mcse

    @property
    def mc_unsettled(self) -> tuple[str, ...]:
        """Labels of the scenarios whose p-value is within Monte Carlo error of alpha."""
        return tuple(t.label for t in self.tests if not t.mc_settled)

    @property
    def pval_range(self) -> tuple[float, float]:
        """Smallest and largest p over the range."""
        ps = [t.pval for t in self.tests]
        return min(ps), max(ps)


@dataclass(frozen=True)
class PredictionSummary:
    """The prediction interval shown (analysis scale and back-transformed).

    ``imprecise`` is True with k < 5 or tau² = 0; ``reasons`` says which.
    """

    method: str
    k: int
    lb: float
    ub: float
    lb_bt: float
    ub_bt: float
    df: int | None
    imprecise: bool
    reasons: tuple[str, ...]


def prediction(bench: Benchmark, measure: str, plan: Plan,
               ni: list[float] | None) -> PredictionSummary:
    """The plan's prediction interval of ``bench`` (``plan.prediction``)."""
    lb, ub, df = bench.pi_lb, bench.pi_ub, bench.df
    method = "metafor"
    if plan.prediction == "higgins":
        method = "higgins"
        h = higgins_interval(bench.estimate, bench.se, bench.tau2, bench.k, plan.level)
        lb, ub, df = (h.lb, h.ub, h.df) if h is not None else (math.nan, math.nan,
                                                                       None)
    if math.isfinite(lb) and math.isfinite(ub):
        lb_bt, ub_bt = (float(v) for v in backtransform(measure, [lb, ub], ni=ni))
    else:
        lb_bt = ub_bt = math.nan
    reasons = pi_imprecision(bench.k, bench.tau2)
    return PredictionSummary(method, bench.k, float(lb), float(ub), lb_bt, ub_bt, df,
                             bool(reasons), reasons)


def pi_imprecision(k: int, tau2: float) -> tuple[str, ...]:
    """Why a prediction interval from ``k`` arms with (residual) ``tau2`` is imprecise: fewer
    than 5 arms, or tau² = 0 (it then collapses onto the CI); empty when neither. Used for the
    plain benchmark's interval and the era / case-mix adjusted one alike."""
    reasons = []
    if k < 5:
        reasons.append(f"k = {k} < 5")
    if k > 1 and tau2 == 0:
        reasons.append("tau² = 0")
    return tuple(reasons)


def position_over(rng: IndexRange, bench: Benchmark, pi: PredictionSummary) -> str:
    """Where the index lies against ``pi`` widened by its own sampling variance, at every
    plausible value: ``above``/``below``/``within`` when all agree, ``unsettled`` otherwise,
    ``n/a`` without an interval."""
    if bench.k < 2 or not (math.isfinite(pi.lb) and math.isfinite(pi.ub)):
        return "n/a"
    spread = math.sqrt(bench.se ** 2 + bench.tau2)
    if spread <= 0:
        return "n/a"
    crit = (pi.ub - bench.estimate) / spread
    out = set()
    for s in rng.scenarios:
        half = crit * math.sqrt(spread ** 2 + s.vi)
        out.add("above" if s.yi > bench.estimate + half else
                "below" if s.yi < bench.estimate - half else "within")
    return next(iter(out)) if len(out) == 1 else "unsettled"


def decide_over(yi: np.ndarray, vi: np.ndarray, rng: IndexRange,
                plan: Plan) -> CalibratedDecision | None:
    """:func:`meta.decision.decision_test` at every scenario of ``rng`` (k >= 2; None
    otherwise); the size is simulated at the fitted tau² for the central scenario."""
    if yi.size < 2:
        return None
    tests: list[ScenarioTest] = []
    central: DecisionTest | None = None
    for i, s in enumerate(rng.scenarios):
        t = decision_test(yi.tolist(), vi.tolist(), s.yi, s.vi, level=plan.level, method="REML",
                          draws=plan.decision_draws, seed=SEED,
                          check_size="fitted" if i == rng.central else False)
        if i == rng.central:
            central = t
        tests.append(ScenarioTest(s.label, t.verdict, t.pval, t.statistic, t.crit,
                                  t.pval_mcse, t.mc_settled))
    assert central is not None
    return CalibratedDecision(METHOD_NAME, plan.decision_draws, central.size, tuple(tests),
                              rng.central, central.interval, central.tau2)


def fragility(row: Any, outcome_kind: str, measure: str, yi: np.ndarray, vi: np.ndarray,
              rng: IndexRange, plan: Plan) -> Fragility | None:
    """Patient fragility of a decisive verdict at the central scenario (:mod:`meta.fragility`);
    None where it is not defined (a rate not on the logit scale, a median without events)."""
    s = rng.centre
    opts: dict[str, Any] = {"level": plan.level, "method": "REML",
                            "draws": plan.decision_draws, "seed": SEED}
    if outcome_kind in ("proportion", "adverse_event", "landmark"):
        if measure != "PLO" or s.events is None or s.total is None:
            return None
        return fragility_proportion(int(s.events), int(s.total), yi.tolist(), vi.tolist(),
                                    **opts)
    if rng.kind is RangeKind.MEDIAN_EVENTS and s.events is not None and s.total is not None:
        return fragility_median(float(row["median"]), int(s.total), int(s.events),
                                yi.tolist(), vi.tolist(), **opts)
    events = row.get("tte_events")
    if events is not None and events == events and row.get("total"):
        return fragility_median(float(row["median"]), int(row["total"]), int(events),
                                yi.tolist(), vi.tolist(), **opts)
    return None
