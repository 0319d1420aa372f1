"""Adjusted benchmark (meta/adjusted.py): the joint ("hidden") extrapolation check and the
pseudo-R² that is not defined when tau² of the model without covariates is 0, against metafor
3.8.1 (tests/reference/r/adjusted_leverage_r2.R -> fixtures/adjusted_leverage_r2.json;
statistics review, finding 2a and 2c)."""

from __future__ import annotations

import numpy as np
import pytest

from meta.adjusted import adjusted_benchmark, joint_leverage
from meta.model import rma
from tests.meta._fixture_io import assert_close, load_fixture

FIX = load_fixture("adjusted_leverage_r2")
H = FIX["hidden"]


def _adj(x0):
    return adjusted_benchmark(H["yi"], H["vi"], {"x1": H["x1"], "x2": H["x2"]}, 2.4, 0.01,
                              {"x1": x0[0], "x2": x0[1]}, draws=200)


def test_leverages_equal_metafor_prediction_variance_and_hat_values():
    X = np.column_stack([H["x1"], H["x2"]])
    fit = rma(H["yi"], H["vi"], mods=X, method="REML")
    h0, h_max = joint_leverage(1.0 / (np.asarray(H["vi"]) + fit.tau2), X,
                               np.asarray(H["x0"], float))
    # x0'(X'WX)^-1 x0 is predict()'s se² (test = "z"); w_i x_i'(X'WX)^-1 x_i its hatvalues()
    assert_close(h0, H["pred_se"] ** 2, "index leverage")
    rows = np.column_stack([np.ones(len(X)), X])
    h = np.einsum("ij,jk,ik->i", rows, fit.vcov_wald, rows)
    assert_close(h * np.asarray(H["w"]), H["hat"], "hat values")
    assert_close(h_max, float(np.max(np.asarray(H["hat"]) / np.asarray(H["w"]))), "max h_ii")


def test_an_index_in_every_range_but_off_the_arms_joint_cloud_is_flagged():
    adj = _adj(H["x0"])
    assert adj.extrapolated == ()  # each covariate is within the arms' range ...
    assert adj.extrapolated_jointly  # ... but not jointly
    assert adj.leverage == pytest.approx(H["pred_se"] ** 2, rel=1e-6)
    assert adj.leverage > adj.leverage_max
    inside = _adj(H["x0_inside"])
    assert inside.extrapolated == () and not inside.extrapolated_jointly
    assert inside.leverage == pytest.approx(H["pred_se_inside"] ** 2, rel=1e-6)


def test_pseudo_r2_is_not_defined_when_the_null_model_has_no_heterogeneity():
    r = FIX["r2_undefined"]
    for method, ref in r["fits"].items():
        fit = rma(r["yi"], r["vi"], mods=np.asarray(r["mod"], float)[:, None], method=method)
        assert ref["tau2_null"] == 0 and ref["R2"] == 0  # metafor prints 0% here
        assert_close(fit.beta, ref["beta"], f"{method} beta")
        assert fit.R2 is None, method  # we say "not defined" instead
    adj = adjusted_benchmark(r["yi"], r["vi"], {"m": r["mod"]}, 0.5, 0.01, {"m": 3.0},
                             draws=200)
    assert adj.done and adj.R2 is None


def test_printed_summary_says_the_pseudo_r2_is_not_defined():
    r = FIX["r2_undefined"]
    res = rma(r["yi"], r["vi"], mods=np.asarray(r["mod"], float)[:, None])
    text = str(res)
    assert "R^2 (amount of heterogeneity accounted for): not defined" in text
    assert "0.00%" not in text.split("R^2")[1].splitlines()[0]


def test_an_index_at_an_arms_own_raw_year_is_not_outside_the_arms():
    """The bundled era regression: the index enrolled in 2020.0 like one arm. Its leverage
    equals that arm's (the largest); computed on raw years (X'WX with cond ~ 1e12) it came out
    1.5e-9 higher and the index was flagged outside the arms' joint region."""
    years = np.array([2020.0, 2020.75, 2021.0, 2021.0, 2020.75])
    weights = 1.0 / (np.array([0.05, 0.04, 0.03, 0.06, 0.05]) + 0.113)
    h0, h_max = joint_leverage(weights, years[:, None], np.array([2020.0]))
    assert h0 == pytest.approx(h_max, rel=1e-12)
    shifted = joint_leverage(weights, years[:, None] - 2000.0, np.array([20.0]))
    assert shifted == pytest.approx((h0, h_max), rel=1e-12)  # affine invariance
    assert joint_leverage(weights, years[:, None], np.array([2019.5]))[0] > h_max
