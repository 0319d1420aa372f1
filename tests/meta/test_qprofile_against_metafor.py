"""meta.qprofile against R metafor 3.8.1 confint(type = "QP") and against its defining
equations (Viechtbauer 2007, Stat Med 26:37, eq. 7).

Tolerance for bounds: 1e-4 relative (roots found by different root finders, uniroot vs brentq;
the team's agreed tolerance for root-found quantities). The equation checks use 1e-8 absolute on
Q, which our brentq (xtol 1e-13) meets easily.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import chi2

from meta.heterogeneity import cochran_q
from meta.qprofile import qprofile_ci
from meta.tau2 import q_of_tau2

FIXTURE = Path(__file__).resolve().parents[1] / "reference" / "fixtures" / "metafor_rma.json"
DATA = json.loads(FIXTURE.read_text(encoding="utf-8"))
QP_CASES = [c for c in DATA["cases"] if "qp" in c and c["test"] == "z"]


def _arrays(case):
    d = DATA["datasets"][case["data"]]
    cols = [np.ones(len(d["yi"]))] + [np.asarray(d["mods"][m], float) for m in case["mods"]]
    return np.asarray(d["yi"], float), np.asarray(d["vi"], float), np.column_stack(cols)


@pytest.mark.parametrize("case", QP_CASES, ids=[c["id"] for c in QP_CASES])
def test_qprofile_against_metafor(case):
    yi, vi, X = _arrays(case)
    het = cochran_q(yi, vi, X)
    ci = qprofile_ci(yi, vi, X, het.vt, case["tau2"])
    for key, ref in case["qp"].items():
        np.testing.assert_allclose(getattr(ci, key), ref, rtol=1e-4, atol=1e-8, err_msg=key)


def test_qprofile_grid_covers_all_data_sets():
    assert {c["data"] for c in QP_CASES} == {"bcg", "bcg_k2", "hine", "hack30"}
    assert len(QP_CASES) >= 40


@pytest.mark.parametrize("data", ["bcg", "hack30"])
def test_qprofile_bounds_solve_the_q_equations(data):
    case = next(c for c in QP_CASES if c["id"] == f"{data}/REML/z/")
    yi, vi, X = _arrays(case)
    df = yi.size - 1
    ci = qprofile_ci(yi, vi, X, cochran_q(yi, vi, X).vt, level=90.0)
    if ci.tau2_lb > 0:
        assert abs(q_of_tau2(ci.tau2_lb, yi, vi, X) - chi2.isf(0.05, df)) < 1e-8
    assert abs(q_of_tau2(ci.tau2_ub, yi, vi, X) - chi2.ppf(0.05, df)) < 1e-8
    assert ci.level == 90.0 and not ci.empty


def test_homogeneous_data_give_the_empty_interval_at_zero():
    case = next(c for c in QP_CASES if c["id"] == "hine/REML/z/")
    yi, vi, X = _arrays(case)
    # Q(0) = 0.86 on 5 df is above chi2_0.025(5) = 0.83, so the upper bound is positive
    ci = qprofile_ci(yi, vi, X, cochran_q(yi, vi, X).vt)
    assert ci.tau2_lb == 0.0 and ci.tau2_ub > 0.0 and not ci.empty
    tight = np.full_like(yi, yi.mean())
    ci0 = qprofile_ci(tight, vi, X, cochran_q(tight, vi, X).vt)
    assert ci0.empty and ci0.tau2_lb == ci0.tau2_ub == 0.0


def test_qprofile_needs_residual_df():
    with pytest.raises(ValueError, match="needs k > p"):
        qprofile_ci(np.array([0.1]), np.array([0.1]), np.ones((1, 1)), 0.0)
