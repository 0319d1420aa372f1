"""All nine tau² estimators on 30 simulated data sets (k = 3 to 40, true tau² 0 to 1) against R
metafor 3.8.1 (fixtures/metafor_rma_simulated.json, from tests/reference/r/metafor_rma_simulated.R,
threshold/tol 1e-12). A robustness check of the iterative estimators (REML, ML, EB, PM) and the
boundary at tau² = 0, beyond the hand-picked data sets of test_model_against_metafor.py.

Tolerances: 1e-6 relative with 1e-9 absolute for the estimates, justified in
test_model_against_metafor.py; the absolute part covers tau² that metafor's Fisher scoring
leaves within its threshold of the 0 boundary. Q-profile bounds 1e-4 relative (root finders).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from meta.model import rma

FIXTURES = Path(__file__).resolve().parents[1] / "reference" / "fixtures"
DATA = json.loads((FIXTURES / "metafor_rma_simulated.json").read_text(encoding="utf-8"))


def test_simulated_grid_cannot_shrink():
    assert len(DATA["cases"]) >= 270
    assert len(DATA["datasets"]) >= 30
    assert DATA["metafor_version"] == "3.8.1"


@pytest.mark.parametrize("case", DATA["cases"], ids=[c["id"] for c in DATA["cases"]])
def test_simulated_against_metafor(case):
    d = DATA["datasets"][case["data"]]
    fit = rma(d["yi"], d["vi"], method=case["method"])
    np.testing.assert_allclose(
        [fit.tau2, fit.estimate, fit.se, fit.I2, fit.H2, fit.Q],
        [case["tau2"], case["beta"], case["se"], case["I2"], case["H2"], case["QE"]],
        rtol=1e-6,
        atol=1e-9,
    )
    if "tau2_lb" in case:
        qp = fit.qprofile
        np.testing.assert_allclose([qp.tau2_lb, qp.tau2_ub], [case["tau2_lb"], case["tau2_ub"]],
                                   rtol=1e-4, atol=1e-8)
