"""meta.glmm against lme4 glmer and metafor rma.glmm (fixture metafor_glmm.json)."""

from __future__ import annotations

import numpy as np
import pytest
from _fixture_io import load_fixture

from meta.glmm import glmm_proportion

REF = load_fixture("metafor_glmm")
# GLMM tolerance 1e-4 relative: both sides are numerical optima of a quadrature likelihood and
# lme4's standard error comes from a finite-difference Hessian (step 1e-4); observed differences
# against the tight glmer fits are <= 5e-6 relative. tau2 = 0 fits compare absolutely.
RTOL = 1e-4
ATOL_TAU2 = 1e-8

SETS = sorted(REF["sets"])
FITS = {(name, q): glmm_proportion(REF["sets"][name]["xi"], REF["sets"][name]["ni"], nagq=q)
        for name in SETS for q in (1, 7, 15)}


def test_fixture_grid_cannot_shrink():
    assert set(SETS) >= {"hetero_zero_all", "k2", "tau2_zero", "orr_like"}
    het = REF["sets"]["hetero_zero_all"]
    assert 0 in het["xi"] and any(x == n for x, n in zip(het["xi"], het["ni"], strict=True))
    assert len(REF["sets"]["k2"]["xi"]) == 2
    assert REF["sets"]["tau2_zero"]["glmer_nAGQ7"]["tau2"] == 0


@pytest.mark.parametrize("name", SETS)
@pytest.mark.parametrize("q", [7, 15])
def test_agq_against_lme4_glmer(name, q):
    ref = REF["sets"][name][f"glmer_nAGQ{q}"]
    fit = FITS[(name, q)]
    assert fit.converged
    assert fit.estimate == pytest.approx(ref["beta"], rel=RTOL)
    assert fit.se == pytest.approx(ref["se"], rel=RTOL)
    assert fit.tau2 == pytest.approx(ref["tau2"], rel=RTOL, abs=ATOL_TAU2)


@pytest.mark.parametrize("name", SETS)
def test_default_against_metafor_rma_glmm(name):
    ref = REF["sets"][name]["rma_glmm"]
    fit = FITS[(name, 7)]
    got = [fit.estimate, fit.se, fit.ci_lb, fit.ci_ub, fit.zval, fit.pval]
    want = [ref[k] for k in ("beta", "se", "ci_lb", "ci_ub", "zval", "pval")]
    np.testing.assert_allclose(got, want, rtol=RTOL)
    assert fit.tau2 == pytest.approx(ref["tau2"], rel=RTOL, abs=ATOL_TAU2)
    np.testing.assert_allclose([fit.prop, fit.prop_ci_lb, fit.prop_ci_ub], ref["pred"], rtol=RTOL)
    np.testing.assert_allclose([fit.I2, fit.H2], [ref["I2"], ref["H2"]], rtol=RTOL)
    assert fit.to_dict()["backtransformed"]["estimate"] == fit.prop


@pytest.mark.parametrize("name", SETS)
def test_laplace_reaches_at_least_lme4_loglik(name):
    # nAGQ = 1: the log-likelihoods share a constant with lme4 (they agree to 1e-8 where both
    # optimisers converge) but lme4's Laplace optimum is loose on flat surfaces; we require an
    # optimum at least as high and an estimate within 2e-3 on the logit scale.
    ref = REF["sets"][name]["glmer_nAGQ1"]
    fit = FITS[(name, 1)]
    assert fit.loglik >= ref["loglik"] - 1e-8
    assert fit.loglik - ref["loglik"] < 1e-4
    assert fit.estimate == pytest.approx(ref["beta"], abs=2e-3)


def test_tau2_zero_reported_at_boundary():
    fit = FITS[("tau2_zero", 7)]
    assert fit.tau2 == 0 and "boundary" in fit.message


@pytest.mark.parametrize(("kwargs", "needle"), [
    ({"events": [3, 2], "total": [1, 5]}, "events[0], total[0]"),
    ({"events": [1], "total": [5]}, "at least 2"),
    ({"events": [0, 0], "total": [5, 6]}, "infinite"),
    ({"events": [1, 2], "total": [5, 6], "nagq": 0}, "nagq"),
    ({"events": [1, -2], "total": [5, 6]}, "events[1]"),
])
def test_bad_input(kwargs, needle):
    with pytest.raises(ValueError) as err:
        glmm_proportion(**kwargs)
    assert needle in str(err.value)
