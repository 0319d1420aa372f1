"""meta.distributions equals scipy.stats (which calls the same special functions)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from meta import distributions as d

X = np.array([-8.0, -2.5, -1.96, 0.0, 0.3, 1.0, 3.7, 12.0])
Q = np.array([1e-12, 0.001, 0.025, 0.5, 0.8, 0.975, 0.999])


def test_normal_against_scipy_stats():
    np.testing.assert_allclose(d.norm_sf(X), stats.norm.sf(X), rtol=1e-14, atol=0)
    np.testing.assert_allclose(d.norm_cdf(X), stats.norm.cdf(X), rtol=1e-14, atol=0)
    np.testing.assert_allclose(d.norm_ppf(Q), stats.norm.ppf(Q), rtol=1e-14)
    np.testing.assert_allclose(d.norm_isf(Q), stats.norm.isf(Q), rtol=1e-14)
    assert isinstance(d.norm_sf(1.0), float)


@pytest.mark.parametrize("df", [1, 2.5, 12, 300])
def test_t_and_chi2_against_scipy_stats(df):
    np.testing.assert_allclose(d.t_sf(X, df), stats.t.sf(X, df), rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(d.t_ppf(Q, df), stats.t.ppf(Q, df), rtol=1e-12)
    x = np.abs(X) * 3
    np.testing.assert_allclose(d.chi2_sf(x, df), stats.chi2.sf(x, df), rtol=1e-12, atol=1e-300)


def test_average_ranks_against_scipy_rankdata():
    rng = np.random.default_rng(7)
    for _ in range(50):
        x = rng.integers(0, 6, size=rng.integers(1, 30)).astype(float)  # many ties
        np.testing.assert_array_equal(d.average_ranks(x), stats.rankdata(x))
    x = rng.normal(size=40)
    np.testing.assert_array_equal(d.average_ranks(x), stats.rankdata(x))
