"""meta.fastfit (the batched refits behind leave1out / influence / cumulative / by_estimator)
against meta.model.rma on the metafor fixture data sets and on simulated data.

Tolerance: 1e-10 relative. Both sides use the same formulas and the same iteration rules; the
batched sums add the same numbers in another order, so the differences are round-off (observed
<= 2e-12 relative, the largest for tau² ~ 1e-5 where the Newton iteration stops within
round-off of the root). A formula or branch difference shows up at >= 1e-6. Absolute 1e-14 only
for values that are exactly 0 on one side (tau² truncated at 0, I² = 0).
"""

from __future__ import annotations

import numpy as np
import pytest
from _fixture_io import load_fixture

from meta.fastfit import (
    cumulative_subsets,
    fit_rows,
    leave_one_out_subsets,
    pooled_estimate,
    tau2_rows,
)
from meta.model import rma
from meta.tau2 import METHODS, Tau2Control

RTOL = 1e-10
ATOL = 1e-14
COLUMNS = ("k", "estimate", "se", "zval", "pval", "ci_lb", "ci_ub", "Q", "Q_pval", "tau2", "I2",
           "H2")


def _datasets() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    out = {}
    for name, s in load_fixture("metafor_bias")["sets"].items():
        out[f"bias/{name}"] = (np.array(s["yi"]), np.array(s["vi"]))
    for name, s in load_fixture("metafor_rma")["datasets"].items():
        out[f"rma/{name}"] = (np.array(s["yi"]), np.array(s["vi"]))
    # simulated k = 30 with vi up to 0.5 (benchmarks/bench_pooling.py): the REML iteration from
    # the HE start overshoots below 0 in most leave-one-out subsets (the boundary branch)
    rng = np.random.default_rng(1)
    vi = rng.uniform(0.01, 0.5, 30)
    out["sim/bench30"] = (rng.normal(-0.3, np.sqrt(vi + 0.1)), vi)
    rng = np.random.default_rng(7)
    vi = rng.uniform(0.01, 0.3, 20)
    out["sim/homog20"] = (rng.normal(0.1, np.sqrt(vi)), vi)  # tau² = 0: boundary and ll0check
    return out


DATA = _datasets()


def _rma_rows(subsets, method, test, **kw):
    fits = [rma(*subsets.row(i), method=method, test=test, **kw) for i in range(subsets.n.size)]
    return {c: np.array([float(getattr(f, c)) for f in fits]) for c in COLUMNS}, fits


def _assert_rows_equal(cols, ref, tag):
    for c in COLUMNS:
        np.testing.assert_allclose(cols[c], ref[c], rtol=RTOL, atol=ATOL, err_msg=f"{tag} {c}")


def test_fixture_data_cannot_shrink():
    assert len(DATA) >= 11
    assert any(y.size == 2 for y, _ in DATA.values())


@pytest.mark.parametrize("name", sorted(DATA))
@pytest.mark.parametrize("method", METHODS)
def test_leave_one_out_rows_equal_rma(name, method):
    y, v = DATA[name]
    subsets = leave_one_out_subsets(y, v)
    tests = ("z", "knha") if y.size > 2 else ("z",)
    for test in tests:
        cols, errors = fit_rows(subsets, method, test)
        ref, fits = _rma_rows(subsets, method, test)
        assert not errors
        _assert_rows_equal(cols, ref, f"{name} {method} {test}")
        np.testing.assert_allclose(cols["var_wald"], [f.vcov_wald[0, 0] for f in fits],
                                   rtol=RTOL)


@pytest.mark.parametrize("name", sorted(DATA))
@pytest.mark.parametrize("method", METHODS)
def test_cumulative_rows_equal_rma(name, method):
    # padded rows of 1..k studies; the one-study row is the common-effect fit (test "z" only)
    y, v = DATA[name]
    subsets = cumulative_subsets(y, v)
    cols, errors = fit_rows(subsets, method, "z", level=90.0)
    ref, _ = _rma_rows(subsets, method, "z", level=90.0)
    assert not errors
    _assert_rows_equal(cols, ref, f"{name} {method}")
    if y.size > 2:
        rows = subsets.take(np.arange(1, y.size))
        cols, _ = fit_rows(rows, method, "knha", knha_adhoc=True)
        ref, _ = _rma_rows(rows, method, "knha", knha_adhoc=True)
        _assert_rows_equal(cols, ref, f"{name} {method} knha adhoc")


@pytest.mark.parametrize("name", sorted(DATA))
@pytest.mark.parametrize("method", METHODS)
def test_pooled_estimate_is_bitwise_the_rma_estimate(name, method):
    # trimfill's k0 decisions depend on ties with the estimate: no round-off allowed here
    y, v = DATA[name]
    for j in range(1, y.size + 1):
        assert pooled_estimate(y[:j], v[:j], method) == rma(y[:j], v[:j], method=method).estimate


def test_unconverged_rows_report_the_scalar_error():
    y, v = DATA["rma/bcg"]
    con = Tau2Control(maxiter=1)
    tau2, errors = tau2_rows(leave_one_out_subsets(y, v), "REML", con)
    assert errors, "one Fisher-scoring step cannot converge on bcg"
    for i, exc in errors.items():
        assert np.isnan(tau2[i])
        keep = np.arange(y.size) != i
        with pytest.raises(ValueError, match="did not converge") as info:
            rma(y[keep], v[keep], method="REML", control=con)
        assert str(exc) == str(info.value)
