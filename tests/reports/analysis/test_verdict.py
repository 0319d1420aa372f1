"""Typed verdicts (reports/analysis/verdict.py): the calibrated test decides (at every plausible
value of the index), the predictive z and the average-study tests never do; robustness counts
the estimators and Knapp–Hartung that flip the verdict."""

from __future__ import annotations

import numpy as np
import pytest

from meta.comparison import compare, predictive
from meta.decision import decision_test
from reports.analysis.calibrated import CalibratedDecision, ScenarioTest
from reports.analysis.verdict import (
    Position,
    ReasonCode,
    Verdict,
    decide,
    robustness,
)

YI = [-0.2, 0.1, 0.4, 0.0, 0.3, -0.1]
VI = [0.02, 0.03, 0.025, 0.04, 0.03, 0.02]
EST = ("FE", "DL", "REML", "PM")


def _cmp(index_yi: float, index_vi: float | None = 0.02, test: str = "z"):
    return compare(YI, VI, index_yi, index_vi, "PLO", method="REML", test=test,
                   estimators=EST)


def _cal(c, extra: tuple[str, ...] = ()) -> CalibratedDecision:
    """The calibrated decision at the index of ``c`` (one scenario, plus ``extra`` verdicts
    standing for other plausible values)."""
    t = decision_test(YI, VI, c.index_yi, c.index_vi, draws=1000, check_size=False)
    tests = (ScenarioTest("reported", t.verdict, t.pval, t.statistic, t.crit),
             *(ScenarioTest(f"other {i}", v, 0.5, 0.0, t.crit) for i, v in enumerate(extra)))
    return CalibratedDecision(t.method, 1000, t.size, tests, 0, t.interval, t.tau2)


def _mean_only_index():
    """An index significant against the average study but not against a single study."""
    c = _cmp(0.0)
    for y in np.linspace(0, 2, 401):
        c = _cmp(float(y))
        if c.difference.pval < 0.05 <= c.predictive.pval:
            return c
    pytest.fail("no such index value")


def test_the_average_study_test_never_decides():
    c = _mean_only_index()
    r = robustness(c, None, 0.05)
    cal = _cal(c)
    verdict, reasons = decide(c, True, c.benchmark.k, 0.05, True, r, cal)
    assert verdict is Verdict.NOT_DIFFERENT
    assert reasons[0].code is ReasonCode.DECISION_TEST
    assert reasons[0].value == pytest.approx(cal.pval) and cal.pval >= 0.05
    mean = next(x for x in reasons if x.code is ReasonCode.MEAN_TEST_ONLY)
    assert mean.value == pytest.approx(c.difference.pval) and mean.value < 0.05
    pred = next(x for x in reasons if x.code is ReasonCode.PREDICTIVE_TEST)
    assert pred.value == pytest.approx(c.predictive.pval)
    # without the calibrated test there is no verdict, whatever the z tests say
    assert decide(c, True, c.benchmark.k, 0.05, True, r)[0] is Verdict.NO_TEST


def test_a_verdict_needs_every_plausible_value():
    c = _cmp(3.0)
    r = robustness(c, None, 0.05)
    assert decide(c, True, c.benchmark.k, 0.05, True, r, _cal(c, ("above",)))[0] \
        is Verdict.MORE_FAVOURABLE
    verdict, reasons = decide(c, True, c.benchmark.k, 0.05, True, r,
                              _cal(c, ("above", "within")))
    assert verdict is Verdict.INCONCLUSIVE
    rng = next(x for x in reasons if x.code is ReasonCode.INDEX_RANGE)
    assert rng.names == ("above", "above", "within") and rng.value == 0.5


@pytest.mark.parametrize("higher_is_better,sign,want", [
    (True, 1, Verdict.MORE_FAVOURABLE), (True, -1, Verdict.LESS_FAVOURABLE),
    (False, 1, Verdict.LESS_FAVOURABLE), (False, -1, Verdict.MORE_FAVOURABLE)])
def test_direction_follows_the_outcome(higher_is_better, sign, want):
    c = _cmp(sign * 3.0)
    assert c.predictive.pval < 0.05
    verdict, _ = decide(c, True, c.benchmark.k, 0.05, higher_is_better,
                        robustness(c, None, 0.05), _cal(c))
    assert verdict is want and verdict.decisive


def test_no_index_variance_means_no_test_and_no_reported_outcome_means_not_compared():
    c = _cmp(3.0, None)
    verdict, reasons = decide(c, True, c.benchmark.k, 0.05, True, robustness(c, None, 0.05))
    assert verdict is Verdict.NO_TEST
    assert reasons[0].code is ReasonCode.INDEX_VARIANCE_UNKNOWN
    assert any(r.code is ReasonCode.POSITION and r.names == ("above",) for r in reasons)
    assert decide(None, False, 0, 0.05, True, robustness(None, None, 0.05))[0] \
        is Verdict.NOT_COMPARED
    assert decide(None, True, 0, 0.05, True, robustness(None, None, 0.05))[1][0].code \
        is ReasonCode.NO_BENCHMARK


def test_robustness_recomputes_the_predictive_test_per_estimator_and_knha():
    for y in np.linspace(0, 2, 201):
        c, kh = _cmp(float(y)), _cmp(float(y), test="knha")
        r = robustness(c, kh, 0.05)
        want = [predictive(c.index_yi, c.index_vi, b, c.level).pval for b, _ in c.by_estimator]
        want.append(kh.predictive.pval)
        assert [run.pval for run in r.runs] == pytest.approx(want)
        assert [run.name for run in r.runs] == [*EST, "Knapp–Hartung"]
        flips = [p for p in want if (p < 0.05) != (c.predictive.pval < 0.05)]
        assert r.robust is (not flips) and len(r.flips) == len(flips)
    mean = robustness(c, kh, 0.05, "mean")
    assert [run.pval for run in mean.runs][:len(EST)] == pytest.approx(
        [d.pval for _, d in c.by_estimator])


def test_few_studies_and_zero_tau2_are_reasons():
    c = compare([0.1, 0.1, 0.1], [0.05, 0.05, 0.05], 0.2, 0.02, "PLO")
    assert c.benchmark.tau2 == 0
    _, reasons = decide(c, True, 3, 0.05, True, robustness(c, None, 0.05))
    codes = {r.code for r in reasons}
    assert {ReasonCode.FEW_STUDIES, ReasonCode.TAU2_ZERO} <= codes
    assert Position(c.position) is Position.WITHIN


def _cal_mc(c, verdict: str, pval: float) -> CalibratedDecision:
    """A calibrated decision whose single p-value is within Monte Carlo error of alpha."""
    t = decision_test(YI, VI, c.index_yi, c.index_vi, draws=1000, check_size=False)
    se = float(np.sqrt(pval * (1 - pval) / 1000))
    test = ScenarioTest("reported", verdict, pval, t.statistic, t.crit, se, False)
    return CalibratedDecision(t.method, 1000, t.size, (test,), 0, t.interval, t.tau2)


def test_a_difference_within_monte_carlo_error_of_alpha_claims_no_direction():
    c = _cmp(3.0)
    r = robustness(c, None, 0.05)
    verdict, reasons = decide(c, True, c.benchmark.k, 0.05, True, r, _cal_mc(c, "above", 0.046))
    assert verdict is Verdict.INCONCLUSIVE and not verdict.decisive
    mc = next(x for x in reasons if x.code is ReasonCode.MONTE_CARLO_ERROR)
    assert mc.value == pytest.approx(np.sqrt(0.046 * 0.954 / 1000)) and mc.names == ("reported",)
    # a 'no difference' as close to alpha keeps its verdict and says why it is not settled
    verdict, reasons = decide(c, True, c.benchmark.k, 0.05, True, r, _cal_mc(c, "within", 0.054))
    assert verdict is Verdict.NOT_DIFFERENT
    assert any(x.code is ReasonCode.MONTE_CARLO_ERROR for x in reasons)
    # a settled p-value carries no such reason
    _, reasons = decide(c, True, c.benchmark.k, 0.05, True, r, _cal(c))
    assert not any(x.code is ReasonCode.MONTE_CARLO_ERROR for x in reasons)
