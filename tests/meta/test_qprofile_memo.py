"""The Q-profile root memo (meta.qprofile._solve_memo) returns exactly what the root search
computes (bitwise), on the metafor_rma fixture data under every estimator."""

from __future__ import annotations

import numpy as np
import pytest
from _fixture_io import load_fixture
from scipy.special import chdtri

from meta.heterogeneity import cochran_q
from meta.model import rma
from meta.qprofile import _solve, _solve_memo, qprofile_ci
from meta.tau2 import METHODS, q_of_tau2

DATA = load_fixture("metafor_rma")["datasets"]


@pytest.mark.parametrize("name", sorted(DATA))
def test_memo_hits_equal_fresh_root_searches(name):
    yi, vi = np.array(DATA[name]["yi"]), np.array(DATA[name]["vi"])
    if yi.size < 3:
        pytest.skip("Q-profile needs k > p")
    X = np.ones((yi.size, 1))
    df = yi.size - 1
    crit_l, crit_u = float(chdtri(df, 0.975)), float(chdtri(df, 0.025))
    q0 = q_of_tau2(0.0, yi, vi, X)
    _solve_memo.cache_clear()
    for method in METHODS[1:]:  # not FE: no Q-profile CI
        fit = rma(yi, vi, method=method)
        ci = fit.qprofile
        start = 10 * fit.tau2
        if q0 < crit_l:
            assert ci.empty
            continue
        assert ci.tau2_ub == _solve(yi, vi, X, crit_l, start)  # bitwise, memo or not
        assert ci.tau2_lb == (0.0 if q0 < crit_u else _solve(yi, vi, X, crit_u, start))
    if q0 >= crit_l:
        assert _solve_memo.cache_info().hits > 0  # the estimators share the search


def test_memo_keys_on_the_memory_layout_and_values():
    rng = np.random.default_rng(3)
    vi = rng.uniform(0.05, 0.3, 12)
    yi = rng.normal(0, np.sqrt(vi + 0.2))
    X = np.column_stack([np.ones(12), rng.normal(size=12)])
    _solve_memo.cache_clear()
    a = qprofile_ci(yi, vi, X, cochran_q(yi, vi, X).vt)
    b = qprofile_ci(yi, vi, np.asfortranarray(X), cochran_q(yi, vi, X).vt)
    assert _solve_memo.cache_info().hits == 0  # a different layout is a different problem
    assert a.tau2_ub == pytest.approx(b.tau2_ub, rel=1e-12)
    c = qprofile_ci(yi + 0.5, vi, X, cochran_q(yi + 0.5, vi, X).vt)
    assert _solve_memo.cache_info().hits == 0
    assert c.tau2_ub == pytest.approx(a.tau2_ub, rel=1e-9)  # location shift: same Q profile
