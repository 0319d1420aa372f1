"""The predictive side of the index-vs-benchmark comparison, against metafor 3.8.1
(tests/reference/r/comparison_predictive.R -> fixtures/comparison_predictive.json):
the predictive test includes tau², the position uses the prediction interval widened by the
index's sampling variance, and a PFT index is back-transformed with its own n."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from meta.comparison import compare
from meta.effects import proportions

FIXTURE = json.loads((Path(__file__).resolve().parents[1] / "reference" / "fixtures" /
                      "comparison_predictive.json").read_text())
DATA = FIXTURE["data"]
REL = 1e-6  # metafor's REML converged to 1e-12 in the fixture; ours to 1e-10


@pytest.mark.parametrize("test", ["z", "knha"])
def test_predictive_test_and_observed_interval_against_metafor(test):
    ref = FIXTURE["plo"][test]
    bench = proportions(DATA["xi"], DATA["ni"], "PLO")
    index = proportions([DATA["index_xi"]], [DATA["index_ni"]], "PLO")
    c = compare(bench.yi, bench.vi, float(index.yi[0]), float(index.vi[0]), "PLO", test=test)
    assert c.benchmark.tau2 == pytest.approx(ref["tau2"], rel=REL)
    assert c.predictive.stat == pytest.approx(ref["pred_z"], rel=REL)
    assert c.predictive.pval == pytest.approx(ref["pred_pval"], rel=REL)
    lb, ub = (float(np.log(p / (1 - p))) for p in c.observed_pi_bt)
    assert (lb, ub) == pytest.approx((ref["observed_lb"], ref["observed_ub"]), rel=REL)
    # the observed interval is wider than metafor's prediction interval by exactly v0
    assert lb < ref["pi_lb"] and ub > ref["pi_ub"]
    assert c.position == ("within" if lb <= ref["index_yi"] <= ub else "outside")
    assert "widened" in c.position_basis
    # the test against the average study is unchanged (tau² not included)
    assert c.difference.pval < c.predictive.pval


def test_unknown_index_variance_keeps_the_plain_prediction_interval():
    bench = proportions(DATA["xi"], DATA["ni"], "PLO")
    c = compare(bench.yi, bench.vi, 3.0, None, "PLO")
    assert c.predictive is None and c.difference is None
    assert c.observed_pi_bt == pytest.approx(c.pi_bt)
    assert c.position == "above" and "error-free" in c.position_basis


def test_pft_index_is_back_transformed_with_its_own_n():
    ref = FIXTURE["pft"]
    bench = proportions(DATA["xi"], DATA["ni"], "PFT")
    c = compare(bench.yi, bench.vi, ref["index_yi"], 0.002, "PFT", ni=DATA["ni"],
                index_ni=DATA["index_ni"])
    assert c.index_bt[0] == pytest.approx(ref["index_bt"], rel=1e-9)  # 81/108 = 0.75
    assert c.benchmark_bt[0] == pytest.approx(ref["pooled_bt"], rel=REL)
    with pytest.raises(ValueError, match="index_ni"):
        compare(bench.yi, bench.vi, ref["index_yi"], 0.002, "PFT", ni=DATA["ni"])
