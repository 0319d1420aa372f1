"""The calibrated decision test reports the Monte Carlo SE of its p-value and whether the
simulation settles the decision at alpha (meta/decision.py; statistics review, finding 1)."""

from __future__ import annotations

import numpy as np
import pytest

from meta.decision import MC_Z, decision_test, mc_se, mc_settled

YI = [-0.2, 0.1, 0.4, 0.0, 0.3, -0.1]
VI = [0.02, 0.03, 0.025, 0.04, 0.03, 0.02]


def test_mc_se_is_the_binomial_se_of_the_simulated_tail():
    assert mc_se(0.05, 1000) == pytest.approx(np.sqrt(0.05 * 0.95 / 1000))
    assert mc_se(1.0, 1000) == 0.0
    assert abs(MC_Z - 2.5758) < 1e-4
    # 0.054 is 0.57 SEs from 0.05 at 1000 draws; 0.08 is 4.4 SEs away
    assert not mc_settled(0.054, 1000, 0.05)
    assert mc_settled(0.08, 1000, 0.05) and mc_settled(0.004, 1000, 0.05)


def test_decision_test_carries_the_mc_se_of_its_pvalue():
    t = decision_test(YI, VI, 0.9, 0.02, draws=1000, check_size=False)
    assert t.pval_mcse == pytest.approx(np.sqrt(t.pval * (1 - t.pval) / 1000))
    assert t.mc_settled is (abs(t.pval - 0.05) > MC_Z * t.pval_mcse)


def _near_alpha(draws: int) -> tuple[float, object]:
    """An index value whose p-value is within MC error of 0.05 (cached fits: cheap)."""
    for y in np.linspace(0.5, 1.5, 201):
        t = decision_test(YI, VI, float(y), 0.02, draws=draws, check_size=False)
        if abs(t.pval - 0.05) < 0.5 * t.pval_mcse:
            return float(y), t
    pytest.fail("no index value near alpha")


def test_a_pvalue_near_alpha_is_unsettled_and_its_se_matches_the_seed_to_seed_spread():
    y, t = _near_alpha(400)
    assert not t.mc_settled
    # independent check of the SE: the p-value recomputed with 40 other seeds spreads by
    # about its binomial SE (maximised over the grid, so a loose band)
    ps = [decision_test(YI, VI, y, 0.02, draws=400, seed=s, check_size=False).pval
          for s in range(1, 41)]
    spread = float(np.std(ps, ddof=1))
    assert 0.5 * t.pval_mcse < spread < 1.6 * t.pval_mcse, (spread, t.pval_mcse)
    # the seeds disagree on the side of alpha: the decision is not settled by the simulation
    assert min(ps) <= 0.05 < max(ps)
