"""meta.model.rma against R metafor 3.8.1 (fixture tests/reference/fixtures/metafor_rma.json).

The fixture is produced by tests/reference/r/metafor_rma.R with tight convergence (threshold and
tol 1e-12), so the R values are the exact optima, not metafor's default-precision ones.

Tolerances
----------
RTOL = 1e-6 relative: our estimators converge to 1e-10 in tau² and R to 1e-12; the remaining
difference is floating-point round-off (~1e-12) plus the 15 significant digits kept by jsonlite.
A tolerance of 1e-6 catches any formula difference (those show up at >= 1e-4) while leaving room
for the propagation of a 1e-10 tau² difference through p-values. ATOL = 1e-10 absolute only for
values that are exactly 0 in R (tau² truncated at 0, lower Q-profile bounds).
QP_RTOL = 1e-4 for Q-profile bounds: both sides find a root of Q(tau²) = chi² quantile with
different root finders (uniroot vs brentq); 1e-4 is the tolerance the team agreed for roots.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from meta.model import rma

FIXTURE = Path(__file__).resolve().parents[1] / "reference" / "fixtures" / "metafor_rma.json"
DATA = json.loads(FIXTURE.read_text(encoding="utf-8"))
RTOL = 1e-6
ATOL = 1e-10
QP_RTOL = 1e-4
MIN_CASES = 101  # the grid may grow, never shrink (see test_fixture_grid_cannot_shrink)
METHODS = ("FE", "DL", "REML", "ML", "PM", "HS", "SJ", "EB", "HE")


def _fit(case: dict):
    data = DATA["datasets"][case["data"]]
    mods = None
    if case["mods"]:
        mods = np.column_stack([data["mods"][name] for name in case["mods"]])
    test = "knha" if case["test"] in ("knha", "adhoc") else "z"
    return rma(
        data["yi"],
        data["vi"],
        method=case["method"],
        test=test,
        mods=mods,
        knha_adhoc=case["test"] == "adhoc",
    )


def _close(actual, expected, rtol=RTOL, atol=ATOL, what=""):
    np.testing.assert_allclose(
        np.atleast_1d(np.asarray(actual, dtype=float)),
        np.atleast_1d(np.asarray(expected, dtype=float)),
        rtol=rtol,
        atol=atol,
        err_msg=what,
    )


def test_fixture_records_provenance():
    assert DATA["script"] == "tests/reference/r/metafor_rma.R"
    assert (FIXTURE.parents[1] / "r" / "metafor_rma.R").exists()
    assert DATA["metafor_version"] == "3.8.1"
    assert DATA["r_version"].startswith("R version 4")
    assert DATA["settings"]["control"]["threshold"] <= 1e-10


def test_fixture_grid_cannot_shrink():
    cases = DATA["cases"]
    assert len(cases) >= MIN_CASES
    ids = {c["id"] for c in cases}
    assert len(ids) == len(cases), "duplicate case ids"
    for data in ("bcg", "bcg_k2", "hine", "hack30"):
        for method in METHODS:
            for test in ("z", "knha"):
                assert f"{data}/{method}/{test}/" in ids
    for method in METHODS:
        for test in ("z", "knha"):
            assert f"bcg/{method}/{test}/ablat" in ids
    assert {len(DATA["datasets"][d]["yi"]) for d in DATA["datasets"]} >= {2, 6, 13, 30}


@pytest.mark.parametrize("case", DATA["cases"], ids=[c["id"] for c in DATA["cases"]])
def test_rma_against_metafor(case):
    fit = _fit(case)
    assert fit.k == case["k"] and fit.p == case["p"]
    _close(fit.tau2, case["tau2"], what="tau2")
    _close(fit.beta, case["beta"], what="beta")
    _close(fit.se_beta, case["se"], what="se")
    _close(fit.zval_beta, case["zval"], what="zval")
    _close(fit.pval_beta, case["pval"], what="pval")
    _close(fit.ci_lb_beta, case["ci_lb"], what="ci_lb")
    _close(fit.ci_ub_beta, case["ci_ub"], what="ci_ub")
    _close(fit.I2, case["I2"], what="I2")
    _close(fit.H2, case["H2"], what="H2")
    _close(fit.Q, case["QE"], what="Q")
    _close(fit.Q_pval, case["QEp"], what="Q_pval")
    _close(100 * fit.weights, case["weights_pct"], what="weights")
    _close(fit.QM, case["QM"], what="QM")
    _close(fit.QM_pval, case["QMp"], what="QMp")
    assert fit.QM_df[0] == case["QMdf"][0]
    assert fit.QM_df[1] == case["QMdf"][1]
    if case["R2"] is not None:
        _close(fit.R2, case["R2"], what="R2")
    if "pi_lb" in case:
        _close([fit.pi.lb, fit.pi.ub], [case["pi_lb"], case["pi_ub"]], what="pi")
        if case["test"] != "z":  # the knha block carries the same interval
            _close([fit.knha.pi_lb, fit.knha.pi_ub], [case["pi_lb"], case["pi_ub"]])
    if "pi_higgins_lb" in case:
        hig = fit.pi_higgins
        assert hig.df == fit.k - 2
        _close([hig.lb, hig.ub], [case["pi_higgins_lb"], case["pi_higgins_ub"]], what="PI t")
    if "qp" in case:
        qp = fit.qprofile
        for name in ("tau2", "tau", "I2", "H2"):
            for side in ("lb", "ub"):
                key = f"{name}_{side}"
                _close(getattr(qp, key), case["qp"][key], rtol=QP_RTOL, atol=1e-8, what=key)
    else:
        assert fit.qprofile is None


@pytest.mark.parametrize("method", METHODS)
def test_knha_block_equals_metafor_knha_fit(method):
    """The knha block of a Wald fit equals metafor's test='knha' fit of the same data."""
    case = next(c for c in DATA["cases"] if c["id"] == f"bcg/{method}/knha/")
    data = DATA["datasets"]["bcg"]
    kn = rma(data["yi"], data["vi"], method=method, test="z").knha
    _close([kn.estimate, kn.se, kn.tval, kn.pval],
           [case["beta"], case["se"], case["zval"], case["pval"]])
    _close([kn.ci_lb, kn.ci_ub], [case["ci_lb"], case["ci_ub"]])
    assert kn.df == case["k"] - 1
