"""The calibrated verdict with moderators: batched REML fits equal rma(), and the test holds
its 5% level under exchangeability given the covariates (index inside and beyond the range)."""

from __future__ import annotations

import numpy as np
import pytest

from meta.adjusted import moderated_null, moderated_statistics, moderated_test
from meta.batch_regression import fit_reml_rows
from meta.model import rma

RNG = np.random.default_rng(21)
YEARS = np.array([2005.9, 2006.3, 2008.4, 2009.0, 2009.6, 2010.1, 2012.5, 2014.8, 2016.7])
VI = np.array([0.021, 0.0095, 0.006, 0.0055, 0.0071, 0.0069, 0.012, 0.0052, 0.0063])
REPS, DRAWS = 4000, 2000
# 3 SE of the rejection rate: binomial error of REPS data sets plus the Monte Carlo error of
# the critical value (tail probability of a quantile from DRAWS draws): 0.0195
MARGIN = 3 * np.sqrt(0.05 * 0.95 / REPS + 0.05 * 0.95 / DRAWS)
_NULL: dict[float, float] = {}


def _crit(X: np.ndarray, row: np.ndarray, v0: float) -> float:
    """The critical value depends on the design only: computed once per index position."""
    if row[1] not in _NULL:
        null = moderated_null(VI, X, row, v0, DRAWS, seed=3)
        _NULL[row[1]] = float(np.quantile(null, 0.95, axis=1).max())
    return _NULL[row[1]]


@pytest.mark.parametrize("tau2", [0.0, 0.01, 0.1])
def test_batched_reml_equals_rma(tau2):
    X = np.column_stack([np.ones(9), YEARS - 2010, RNG.uniform(20, 60, 9)])
    V = np.tile(VI, (40, 1))
    Y = 0.02 * (YEARS - 2010) + np.sqrt(tau2 + V) * RNG.standard_normal(V.shape)
    fit = fit_reml_rows(Y, V, X)
    for i in range(40):
        ref = rma(Y[i], V[i], mods=X[:, 1:], method="REML", test="knha")
        assert fit["tau2"][i] == pytest.approx(ref.tau2, rel=1e-6, abs=1e-9)
        np.testing.assert_allclose(fit["beta"][i], ref.beta, rtol=1e-6, atol=1e-9)
        np.testing.assert_allclose(fit["vcov_wald"][i], ref.vcov_wald, rtol=1e-6, atol=1e-12)
        assert fit["s2"][i] == pytest.approx(ref.s2w, rel=1e-6, abs=1e-12)


@pytest.mark.parametrize("x0", [2010.0, 2019.9])
@pytest.mark.parametrize("tau2", [0.0, 0.01, 0.1])
def test_moderated_test_holds_its_level(x0, tau2):
    X = np.column_stack([np.ones(9), YEARS])
    row = np.array([1.0, x0])
    v0 = 0.025
    crit = _crit(X, row, v0)
    rng = np.random.default_rng(int(tau2 * 1000) + int(x0))
    beta = np.array([-60.0, 0.031])  # any trend: the statistic is invariant to it
    Y = X @ beta + np.sqrt(tau2 + VI) * rng.standard_normal((REPS, 9))
    y0 = row @ beta + np.sqrt(tau2 + v0) * rng.standard_normal(REPS)
    stats = moderated_statistics(Y, np.tile(VI, (REPS, 1)), X, row, y0, v0)
    assert (stats > crit).mean() <= 0.05 + MARGIN


def test_moderated_verdict_direction():
    y = np.log(8.0) + 0.05 * (YEARS - 2006) + np.array([.03, -.02, .01, -.03, .02, 0, -.01,
                                                         .02, -.01])
    v, p, crit = moderated_test(y, VI, YEARS, np.array([2019.9]), float(y.max() + 1.5), 0.02)
    assert v == "above" and p < 0.05 and crit > 2
    v, p, _ = moderated_test(y, VI, YEARS, np.array([2019.9]),
                             float(np.log(8.0) + 0.05 * 13.9), 0.02)
    assert v == "within" and p > 0.05
