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


def _rows(k: int, p: int, seed: int, draws: int = 40) -> tuple[np.ndarray, ...]:
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


def test_an_ill_conditioned_design_gives_the_tau2_of_its_centred_equivalent() -> None:
    """Raw covariates with a large offset (cond(X'X) ~ 1e12): tau² is that of the same model
    with centred covariates, where the arithmetic is exact (statistics review: the batch gave 0
    where the likelihood gap to 0 exceeded ll0_tol; others differed by 1e-5)."""
    rng = np.random.default_rng(3)
    k = 25
    vi = rng.uniform(0.01, 0.2, k)
    raw = np.column_stack([np.ones(k), rng.uniform(0, 10, (2, k)).T + 100.0])
    centred = np.column_stack([np.ones(k), raw[:, 1:] - raw[:, 1:].mean(axis=0)])
    Y = rng.standard_normal((400, k)) * np.sqrt(vi + rng.choice([0.0, 0.01, 0.1], (400, 1)))
    V = np.broadcast_to(vi, Y.shape).copy()
    fit = fit_reml_rows(Y, V, raw)
    ref = np.array([estimate_tau2(Y[i], V[i], centred, "REML").tau2 for i in range(400)])
    np.testing.assert_allclose(fit["tau2"], ref, rtol=1e-7, atol=1e-10)
    exact = fit_reml_rows(Y, V, centred)
    np.testing.assert_allclose(fit["beta"][:, 1:], exact["beta"][:, 1:], rtol=1e-6, atol=1e-9)


def test_the_tests_do_not_depend_on_the_units() -> None:
    """In units 1,000 times larger tau² is ~1e6 and an absolute step threshold of 1e-10 was
    below float resolution: simulated fits failed, the critical value became NaN and the
    simulated size 0 (statistics review). The statistics are unit-free: same p-values and
    critical values in any unit."""
    from meta.adjusted import moderated_test
    from meta.decision import decision_test

    rng = np.random.default_rng(5)
    vi = rng.uniform(0.01, 0.2, 8)
    yi = rng.standard_normal(8) * np.sqrt(vi + 0.05)
    years = rng.uniform(2005, 2020, 8)
    out = []
    for c in (1.0, 1000.0):
        d = decision_test(yi * c, vi * c**2, 0.9 * c, 0.03 * c**2, draws=300,
                          check_size="fitted")
        m = moderated_test(yi * c, vi * c**2, years[:, None], np.array([2021.0]), 0.9 * c,
                           0.03 * c**2, draws=300)
        assert np.isfinite(d.crit) and d.size > 0 and np.isfinite(m[2])
        out.append((d.pval, d.crit, d.size, m[1], m[2]))
    assert out[1] == pytest.approx(out[0], rel=1e-6)


def test_many_studies_keep_a_finite_likelihood() -> None:
    """k = 120: the log of a product of k variances overflowed; the fits stay exact and only
    rows with a genuine interior peak go to the one-row estimator."""
    rng = np.random.default_rng(8)
    k = 120
    vi = rng.uniform(0.5, 2.0, k)
    Y = rng.standard_normal((60, k)) * np.sqrt(vi + rng.choice([0.0, 100.0, 1e4], (60, 1)))
    V = np.broadcast_to(vi, Y.shape).copy()
    X = np.ones((k, 1))
    fit = fit_reml_rows(Y, V, X)
    ref = np.array([estimate_tau2(Y[i], V[i], X, "REML").tau2 for i in range(60)])
    np.testing.assert_allclose(fit["tau2"], ref, rtol=1e-7, atol=1e-10)
    assert fit["one_row"].sum() <= 3


def test_a_simulated_data_set_that_cannot_be_fitted_counts_against_the_index() -> None:
    """A NaN null statistic (both fits failed) used to count as 'not exceeding' (p too small)
    and made the critical value NaN; it now exceeds every statistic."""
    from meta.decision import NullFits, null_from_fits

    cols = {"estimate": np.array([0.0, np.nan, 0.1, 0.2]), "tau2": np.array([0.1] * 4),
            "var_wald": np.array([0.05] * 4), "s2": np.array([1.0, np.nan, 1.0, 1.0])}
    null = null_from_fits(NullFits(np.array([0.1]), cols, np.array([0.5, 0.5, -1.0, 2.0])),
                          0.05)
    assert null.shape == (1, 4) and null[0, 1] == np.inf and np.isfinite(null[0, [0, 2, 3]]).all()
    assert np.quantile(null, 0.5, axis=1).max() < np.inf
