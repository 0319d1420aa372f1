"""The calibrated decision test holds its nominal 5% level under exchangeability (the index's
true effect drawn from the historical arms' N(mu, tau²)), at k in {3, 5, 10, 20} and tau² in
{0, small, large}; the shortcuts it replaces do not. Closed forms for the statistic."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from meta import distributions
from meta.decision import METHOD_NAME, decision_test, scaled_statistics, simulate_sizes
from meta.effects import proportions
from meta.model import rma

DATA = json.loads((Path(__file__).resolve().parents[1] / "reference" / "fixtures" /
                   "comparison_predictive.json").read_text())
BENCH = proportions(DATA["data"]["xi"], DATA["data"]["ni"], "PLO")
INDEX = proportions([81], [108], "PLO")
V0 = float(INDEX.vi[0])
TAU2_FITTED = DATA["plo"]["z"]["tau2"]  # 0.431, REML on the bundled RT + ICI ORR arms
REPS = 4000
# one-sided binomial margin for a 5% rate at 4000 reps: 3 SE = 3 sqrt(.05 .95 / 4000) = 0.0103
MARGIN = 3 * np.sqrt(0.05 * 0.95 / REPS)


@pytest.mark.slow  # 12 designs x (4000 replicates + 13 x 1000 null draws)
@pytest.mark.parametrize("k", [3, 5, 10, 20])
@pytest.mark.parametrize("tau2", [0.0, 0.05, TAU2_FITTED])
def test_decision_test_holds_its_level(k, tau2):
    vi = np.resize(np.asarray(BENCH.vi), k)  # the bundled arms' variances, recycled
    row = simulate_sizes(vi, V0, tau2, REPS, draws=1000, seed=k * 1000 + int(tau2 * 100))
    assert row.sizes["decision_test"] <= 0.05 + MARGIN, row.sizes


@pytest.mark.slow
def test_the_shortcuts_do_not_hold_it():
    # the test against the average study and the plug-in predictive z test, at the fitted tau²
    vi = np.resize(np.asarray(BENCH.vi), 9)
    row = simulate_sizes(vi, V0, TAU2_FITTED, REPS, draws=1000, seed=3)
    assert row.sizes["average_z"] > 0.25  # issue 11's independent simulation: 39.5%
    assert row.sizes["predictive_z"] > 0.05 + MARGIN
    assert row.sizes["decision_test"] <= 0.05 + MARGIN


def test_statistic_is_the_classic_prediction_t_with_equal_variances():
    rng = np.random.default_rng(4)
    y = rng.normal(0.3, 0.5, 7)
    v = np.full(7, 0.04)
    y0 = 1.4
    t = scaled_statistics(y[None, :], v[None, :], np.array([y0]), 0.04)[0]
    s = np.std(y, ddof=1)
    assert t == pytest.approx((y0 - y.mean()) / (s * np.sqrt(1 + 1 / 7)), rel=1e-9)
    # and the simulated critical value is the t(k - 1) quantile (exact at every tau²), up to
    # the Monte Carlo error of a maximum over 13 grid points of 4000 draws
    res = decision_test(y, v, y0, 0.04)
    assert res.crit == pytest.approx(res.crit_t, abs=0.25)
    assert res.crit >= res.crit_t - 0.1


def test_result_on_the_bundled_orr_data():
    res = decision_test(BENCH.yi, BENCH.vi, float(INDEX.yi[0]), V0)
    fit = rma(BENCH.yi, BENCH.vi, test="knha")
    assert res.method == METHOD_NAME and res.k == 9
    assert res.estimate == pytest.approx(fit.estimate, rel=1e-12)
    assert res.tau2 == pytest.approx(TAU2_FITTED, rel=1e-6)
    assert res.se == pytest.approx(np.sqrt(fit.s2w * (V0 + fit.tau2 + fit.vcov_wald[0, 0])))
    assert res.verdict == "within" and not res.reject and res.pval > 0.05
    assert res.interval[0] < res.estimate < res.interval[1]
    assert res.size <= 0.05 + 3 * np.sqrt(0.05 * 0.95 / res.size_draws)
    # deterministic for a seed
    assert decision_test(BENCH.yi, BENCH.vi, float(INDEX.yi[0]), V0) == res


def test_verdict_direction_and_bad_input():
    y, v = np.asarray(BENCH.yi), np.asarray(BENCH.vi)
    hi = decision_test(y, v, 6.0, V0, draws=500)
    lo = decision_test(y, v, -6.0, V0, draws=500)
    assert (hi.verdict, lo.verdict) == ("above", "below")
    assert hi.pval == pytest.approx(1 / 501)  # beyond every simulated statistic
    with pytest.raises(ValueError, match="at least 2"):
        decision_test([0.1], [0.1], 0.0, 0.1)
    with pytest.raises(ValueError, match="index_vi"):
        decision_test(y, v, 0.0, 0.0)
    with pytest.raises(ValueError, match="draws"):
        decision_test(y, v, 0.0, 0.1, draws=10)
    assert distributions.t_ppf(0.975, 8) == pytest.approx(hi.crit_t)
