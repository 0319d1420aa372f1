"""meta.subgroups against R metafor 3.8.1 (fixtures/metafor_rma_subgroups.json, made by
tests/reference/r/metafor_rma_subgroups.R with threshold/tol 1e-12).

RTOL = 1e-6 relative as in test_model_against_metafor.py: both sides converge far tighter
(1e-10 vs 1e-12 in tau²), so only round-off and 15-digit JSON remain; ATOL = 1e-10 for exact
zeros (tau² truncated at 0).
"""

from __future__ import annotations

import json

import pytest
from _fixture_io import assert_close, load_fixture

from meta.subgroups import subgroup_analysis

DATA = load_fixture("metafor_rma_subgroups")
close = assert_close


def test_subgroup_grid_cannot_shrink():
    assert len(DATA["subgroups"]) >= 16
    assert DATA["metafor_version"] == "3.8.1"


@pytest.mark.parametrize("case", DATA["subgroups"], ids=[c["id"] for c in DATA["subgroups"]])
def test_subgroups_against_metafor(case):
    d = DATA["datasets"][case["data"]]
    res = subgroup_analysis(d["yi"], d["vi"], d["group"], method=case["method"],
                            test=case["test"])
    assert list(res.levels) == case["levels"]
    com = case["common"]
    close(res.tau2_common, com["tau2"], "common tau2")
    close(res.QM, com["QM"], "QM")
    close(res.QM_pval, com["QMp"], "QMp")
    close(res.mixed.Q, com["QE"], "QE")
    close([g.estimate for g in res.common], com["estimates"], "cell estimates")
    close([g.se for g in res.common], com["se"], "cell se")
    close([g.ci_lb for g in res.common], com["ci_lb"], "cell ci_lb")
    close([g.ci_ub for g in res.common], com["ci_ub"], "cell ci_ub")
    for ref in case["separate"]:
        fit = res.separate[ref["group"]]
        assert fit.k == ref["k"]
        close([fit.estimate, fit.se, fit.tau2, fit.ci_lb, fit.ci_ub, fit.Q],
              [ref["estimate"], ref["se"], ref["tau2"], ref["ci_lb"], ref["ci_ub"], ref["QE"]],
              ref["group"])
    close(res.Q_between, case["between"]["Q"], "Q between")
    assert res.Q_between_df == case["between"]["df"]
    close(res.Q_between_pval, case["between"]["pval"], "p between")
    json.dumps(res.to_dict(), allow_nan=False)


def test_subgroup_bad_groups_are_named():
    d = DATA["datasets"]["bcg"]
    with pytest.raises(ValueError, match="groups: expected one label per study"):
        subgroup_analysis(d["yi"], d["vi"], d["group"][:-1])
    with pytest.raises(ValueError, match="groups: need at least 2 subgroups"):
        subgroup_analysis(d["yi"], d["vi"], ["a"] * len(d["yi"]))
    with pytest.raises(ValueError, match="groups: label missing"):
        subgroup_analysis(d["yi"], d["vi"], [None, *d["group"][1:]])
