"""meta.tau2.estimate_tau2 against R metafor 3.8.1 (fixtures/metafor_rma.json; every estimator
on every data set, with and without the moderator). Tolerance 1e-6 relative, 1e-10 absolute
for tau² = 0, as justified in test_model_against_metafor.py."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from meta.tau2 import METHODS, Tau2Control, estimate_tau2

FIXTURE = Path(__file__).resolve().parents[1] / "reference" / "fixtures" / "metafor_rma.json"
DATA = json.loads(FIXTURE.read_text(encoding="utf-8"))
Z_CASES = [c for c in DATA["cases"] if c["test"] == "z"]


def _design(case):
    d = DATA["datasets"][case["data"]]
    cols = [np.ones(len(d["yi"]))] + [np.asarray(d["mods"][m], float) for m in case["mods"]]
    return np.asarray(d["yi"], float), np.asarray(d["vi"], float), np.column_stack(cols)


@pytest.mark.parametrize("case", Z_CASES, ids=[c["id"] for c in Z_CASES])
def test_tau2_against_metafor(case):
    yi, vi, X = _design(case)
    fit = estimate_tau2(yi, vi, X, case["method"])
    assert fit.method == case["method"]
    np.testing.assert_allclose(fit.tau2, case["tau2"], rtol=1e-6, atol=1e-10)


def test_every_estimator_is_in_the_fixture():
    assert {c["method"] for c in Z_CASES} == set(METHODS)


def test_homogeneous_data_truncate_at_zero_like_metafor():
    # dat.hine1989 has Q < k - 1: every estimator gives 0 in metafor (and here)
    hine = [c for c in Z_CASES if c["data"] == "hine" and not c["mods"]]
    assert all(c["tau2"] == 0 for c in hine if c["method"] not in ("SJ",))
    yi, vi, X = _design(hine[0])
    for method in METHODS:
        if method != "SJ":  # SJ is positive whenever var(yi) > 0 (Sidik & Jonkman 2005)
            assert estimate_tau2(yi, vi, X, method).tau2 == 0.0


def test_iterative_estimators_report_iterations():
    yi, vi, X = _design(Z_CASES[0])
    for method in ("REML", "ML", "EB", "PM"):
        assert estimate_tau2(yi, vi, X, method).iterations > 0


def test_maxiter_exhaustion_is_an_error_that_says_what_to_do():
    yi, vi, X = _design(next(c for c in Z_CASES if c["id"] == "bcg/REML/z/"))
    with pytest.raises(ValueError, match="raise control\\['maxiter'\\]"):
        estimate_tau2(yi, vi, X, "REML", Tau2Control(maxiter=2))


def test_too_few_studies_for_the_design_is_an_error():
    with pytest.raises(ValueError, match="needs more studies than coefficients"):
        estimate_tau2(np.array([0.1, 0.2]), np.array([0.1, 0.1]), np.ones((2, 2)), "DL")
