"""meta.regression against R metafor 3.8.1 (fixtures/metafor_rma_subgroups.json,
`regressions`; script tests/reference/r/metafor_rma_subgroups.R). Tolerances as in
test_model_against_metafor.py (1e-6 relative; see the justification there)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from _fixture_io import assert_close, load_fixture

from meta.regression import meta_regression

DATA = load_fixture("metafor_rma_subgroups")
close = assert_close


def test_regression_grid_cannot_shrink():
    assert len(DATA["regressions"]) >= 16


@pytest.mark.parametrize("case", DATA["regressions"], ids=[c["id"] for c in DATA["regressions"]])
def test_meta_regression_against_metafor(case):
    d = DATA["datasets"][case["data"]]
    reg = meta_regression(d["yi"], d["vi"], d["x"], [d["x_name"]], method=case["method"],
                          test=case["test"])
    f = reg.fit
    close(f.tau2, case["tau2"], "tau2")
    close(f.beta, case["beta"], "beta")
    close(f.se_beta, case["se"], "se")
    close(f.zval_beta, case["zval"], "zval")
    close(f.pval_beta, case["pval"], "pval")
    close(f.ci_lb_beta, case["ci_lb"], "ci_lb")
    close(f.ci_ub_beta, case["ci_ub"], "ci_ub")
    close([f.QM, f.QM_pval, f.Q, f.Q_pval], [case["QM"], case["QMp"], case["QE"], case["QEp"]])
    close([f.I2, f.H2], [case["I2"], case["H2"]], "I2/H2")
    close(reg.R2, case["R2"], "R2")
    pr = reg.predict(case["newx"])
    close(pr.pred, case["pred"], "pred")
    close(pr.se, case["pred_se"], "pred se")
    close([pr.ci_lb, pr.ci_ub], [case["pred_ci_lb"], case["pred_ci_ub"]], "pred ci")
    if case["method"] == "FE":  # metafor gives no PI for FE models; ours equals the CI (tau²=0)
        assert case["pred_pi_lb"] == []
        close([pr.pi_lb, pr.pi_ub], [pr.ci_lb, pr.ci_ub], "FE pi")
    else:
        close([pr.pi_lb, pr.pi_ub], [case["pred_pi_lb"], case["pred_pi_ub"]], "pred pi")
    table = reg.table()
    assert [row["name"] for row in table] == ["intrcpt", d["x_name"]]
    json.dumps(reg.to_dict(), allow_nan=False)


def test_regression_bad_names_and_newmods():
    d = DATA["datasets"]["bcg"]
    with pytest.raises(ValueError, match="names: expected 1 moderator name"):
        meta_regression(d["yi"], d["vi"], d["x"], ["a", "b"])
    reg = meta_regression(d["yi"], d["vi"], d["x"], ["ablat"])
    with pytest.raises(ValueError, match="newmods: expected finite values"):
        reg.predict([np.nan])
