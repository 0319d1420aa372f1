"""The intercept-only fast path of meta.batch_regression.fit_reml_rows equals the general
matrix path (same Fisher scoring, the algebra reduced to sums) and rma's REML."""

from __future__ import annotations

import numpy as np
import pytest

from meta.batch_regression import fit_reml_rows
from meta.model import rma


@pytest.mark.parametrize("k", [2, 3, 6, 15])
def test_intercept_only_path_equals_the_matrix_path_and_rma(k: int) -> None:
    rng = np.random.default_rng(k)
    Y = rng.normal(0, 0.4, (400, k))
    V = np.broadcast_to(rng.uniform(0.01, 0.1, k), Y.shape).copy()
    fast = fit_reml_rows(Y, V, np.ones((k, 1)))
    general = fit_reml_rows(Y, V, np.ones((k, 1)) * (1 + 2 ** -52))  # not == 1: matrix path
    for name in ("tau2", "beta", "s2", "vcov_wald"):
        assert fast[name] == pytest.approx(general[name], rel=1e-9, abs=1e-12), name
    for i in range(0, 400, 80):
        res = rma(Y[i], V[i], method="REML", test="knha")
        assert fast["tau2"][i] == pytest.approx(res.tau2, rel=1e-5, abs=1e-8)
        assert fast["beta"][i, 0] == pytest.approx(res.estimate, rel=1e-6, abs=1e-9)
