"""The batched REML fits of meta.batch_regression equal the one-row estimator (meta.tau2, which
matches metafor) on every row: intercept-only and with moderators, at tau² = 0 (many boundary
rows) and above, including rows where Fisher scoring alone needs hundreds of steps."""

from __future__ import annotations

import numpy as np
import pytest

from meta.batch_regression import fit_reml_rows
from meta.decision import tau2_grid
from meta.model import rma
from meta.tau2 import estimate_tau2

YEARS = np.array([2005.9, 2006.3, 2008.4, 2009.0, 2009.6, 2010.1, 2012.5, 2014.8, 2016.7])


def _rows(k: int, p: int, seed: int, draws: int = 150) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    vi = rng.uniform(0.005, 0.1, k)
    X = np.column_stack([np.ones(k), *(rng.uniform(-5, 5, (p - 1, k)))])
    grid = tau2_grid(vi)
    z = rng.standard_normal((draws, k))
    Y = (z[None] * np.sqrt(grid[:, None, None] + vi)).reshape(-1, k)
    return Y, np.broadcast_to(vi, Y.shape).copy(), X


@pytest.mark.parametrize(("k", "p", "seed"), [(2, 1, 1), (3, 1, 2), (6, 1, 3), (15, 1, 4),
                                              (4, 2, 5), (9, 2, 6), (12, 3, 7)])
def test_every_row_equals_the_one_row_estimator(k: int, p: int, seed: int) -> None:
    Y, V, X = _rows(k, p, seed)
    fit = fit_reml_rows(Y, V, X)
    ref = np.array([estimate_tau2(Y[i], V[i], X, "REML").tau2 for i in range(Y.shape[0])])
    np.testing.assert_allclose(fit["tau2"], ref, rtol=1e-7, atol=1e-10)
    assert (fit["tau2"] == 0).any() and (fit["tau2"] > 0).any()  # both kinds of rows met


def test_rows_that_fisher_scoring_alone_leaves_unconverged_are_exact() -> None:
    """Seed 1 of a k = 10 year design gave 71 of 26,000 rows stuck at 1,000 Fisher steps with
    a tau² up to 30% off (before the Newton steps of meta.tau2 were used here too)."""
    rng = np.random.default_rng(1)
    k = 10
    vi = rng.uniform(0.01, 0.1, k)
    X = np.c_[np.ones(k), rng.uniform(2005, 2020, k) - 2012]
    grid = tau2_grid(vi)
    z = rng.standard_normal((2000, k))
    Y = (z[None] * np.sqrt(grid[:, None, None] + vi)).reshape(-1, k)
    V = np.broadcast_to(vi, Y.shape).copy()
    fit = fit_reml_rows(Y, V, X)
    assert fit["iterations"].max() < 100
    slow = np.argsort(fit["iterations"])[-60:]
    for i in slow:
        assert fit["tau2"][i] == pytest.approx(estimate_tau2(Y[i], V[i], X, "REML").tau2,
                                               rel=1e-7, abs=1e-10)


def test_coefficients_and_scale_equal_rma() -> None:
    X = np.column_stack([np.ones(9), YEARS - 2010])
    Y, V, _ = _rows(9, 2, 11, draws=10)
    fit = fit_reml_rows(Y, V, X)
    for i in range(0, Y.shape[0], 13):
        res = rma(Y[i], V[i], mods=X[:, 1:], method="REML", test="knha")
        np.testing.assert_allclose(fit["beta"][i], res.beta, rtol=1e-7, atol=1e-10)
        np.testing.assert_allclose(fit["vcov_wald"][i], res.vcov_wald, rtol=1e-7, atol=1e-12)
        assert fit["s2"][i] == pytest.approx(res.s2w, rel=1e-7, abs=1e-12)


def test_a_design_with_as_many_coefficients_as_studies_is_refused() -> None:
    with pytest.raises(ValueError, match="need more than 2 studies"):
        fit_reml_rows(np.zeros((3, 2)), np.ones((3, 2)), np.ones((2, 2)))


def test_the_moderated_test_on_raw_years_converges_and_equals_the_centred_one() -> None:
    """Raw enrolment years (~2020) with 5 arms: the simulated rows at large tau² made Fisher
    scoring jitter on float noise (the bundled report lost its RT + ICI ORR comparison)."""
    from meta.adjusted import moderated_test

    yi = np.array([-0.100, -0.298, 0.281, 0.470, -0.575])
    vi = np.array([0.1003, 0.0757, 0.0439, 0.1083, 0.0868])
    years = np.array([2020.0, 2020.75, 2021.0, 2021.0, 2020.75])
    raw = moderated_test(yi, vi, years[:, None], np.array([2021.5]), 1.1, 0.05, draws=300)
    shifted = moderated_test(yi, vi, years[:, None] - 2000, np.array([21.5]), 1.1, 0.05,
                             draws=300)
    assert raw[0] == shifted[0] and raw[1] == pytest.approx(shifted[1], abs=1e-12)
    assert raw[2] == pytest.approx(shifted[2], rel=1e-6)
