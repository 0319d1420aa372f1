"""meta.comparison and meta.ipd_comparison against R (metafor 3.8.1, survival 3.5.3).

Fixture: tests/reference/fixtures/comparison.json from tests/reference/r/comparison.R (synthetic
data). Tolerances: 1e-6 relative for quantities that are closed-form given tau² (R fitted with
threshold 1e-12, so tau² agrees to ~1e-9 and everything downstream to well under 1e-6);
1e-5 for the Cox SEs (Newton iterations of two implementations); 1e-8 for KM/RMST
(closed form).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from meta import effects
from meta.adjusted import adjusted_benchmark
from meta.comparison import compare
from meta.ipd_comparison import ArmIPD, km_summary, one_stage_cox, two_stage

FIX = Path(__file__).parents[2] / "reference" / "fixtures"
REF = json.loads((FIX / "comparison.json").read_text())
PLO = REF["plo"]


@pytest.fixture(scope="module")
def plo_table():
    return effects.proportions(PLO["xi"], PLO["ni"], "PLO")


def test_index_effect_size_against_escalc(plo_table):
    idx = effects.proportions([PLO["x0"]], [PLO["n0"]], "PLO")
    assert idx.yi[0] == pytest.approx(PLO["index_yi"], rel=1e-12)
    assert idx.vi[0] == pytest.approx(PLO["index_vi"], rel=1e-12)


@pytest.mark.parametrize("row", PLO["by_method"], ids=[r["method"] for r in PLO["by_method"]])
def test_comparison_per_estimator_against_metafor(plo_table, row):
    c = compare(plo_table.yi, plo_table.vi, PLO["index_yi"], PLO["index_vi"], "PLO",
                method=row["method"], test="z")
    b, d = c.benchmark, c.difference
    for name in ("estimate", "se", "ci_lb", "ci_ub", "pi_lb", "pi_ub", "Q"):
        assert getattr(b, name) == pytest.approx(row[name], rel=1e-6, abs=1e-9), name
    assert b.tau2 == pytest.approx(row["tau2"], rel=1e-6, abs=1e-10)
    assert np.allclose(b.weights_pct, row["weights_pct"], rtol=1e-6)
    assert d.estimate == pytest.approx(row["diff"], rel=1e-6)
    assert d.se == pytest.approx(row["diff_se"], rel=1e-6)
    assert d.stat == pytest.approx(row["diff_stat"], rel=1e-6)
    assert d.pval == pytest.approx(row["diff_pval"], rel=1e-5, abs=1e-15)
    assert (d.ci_lb, d.ci_ub) == pytest.approx((row["diff_ci_lb"], row["diff_ci_ub"]), rel=1e-6)
    assert c.benchmark_bt[0] == pytest.approx(row["bt_estimate"], rel=1e-6)
    assert c.pi_bt == pytest.approx((row["bt_pi_lb"], row["bt_pi_ub"]), rel=1e-6)


def test_knha_comparison_against_metafor(plo_table):
    row = PLO["knha"]
    c = compare(plo_table.yi, plo_table.vi, PLO["index_yi"], PLO["index_vi"], "PLO",
                method="REML", test="knha")
    assert c.benchmark.se == pytest.approx(row["se"], rel=1e-6)
    assert (c.benchmark.pi_lb, c.benchmark.pi_ub) == pytest.approx(
        (row["pi_lb"], row["pi_ub"]), rel=1e-6)
    assert c.difference.pval == pytest.approx(row["diff_pval"], rel=1e-5)
    assert c.difference.df == len(PLO["xi"]) - 1


def test_position_against_prediction_interval(plo_table):
    c = compare(plo_table.yi, plo_table.vi, PLO["index_yi"], PLO["index_vi"], "PLO")
    row = next(r for r in PLO["by_method"] if r["method"] == "REML")
    expected = ("above" if PLO["index_yi"] > row["pi_ub"] else
                "below" if PLO["index_yi"] < row["pi_lb"] else "within")
    assert c.position == expected


def test_case_mix_adjustment_against_metafor_predict(plo_table):
    """The case-mix benchmark (meta.adjusted, the one meta-regression comparison) equals
    metafor's rma(yi, vi, mods = ~ pvtt) and predict(newmods = pvtt0)."""
    c = adjusted_benchmark(plo_table.yi, plo_table.vi, {"pvtt": PLO["pvtt"]},
                           PLO["index_yi"], PLO["index_vi"], {"pvtt": PLO["pvtt0"]}, draws=200)
    ref = PLO["metareg"]
    assert c.done
    assert c.slopes[0].estimate == pytest.approx(ref["slope"], rel=1e-6)
    assert c.slopes[0].se == pytest.approx(ref["slope_se"], rel=1e-6)
    assert c.predicted == pytest.approx(ref["pred"], rel=1e-6)
    assert c.se == pytest.approx(ref["pred_se"], rel=1e-6)
    assert PLO["index_yi"] - c.predicted == pytest.approx(ref["diff"], rel=1e-6)


def test_case_mix_adjustment_refused_with_few_studies(plo_table):
    pvtt = np.array(PLO["pvtt"], float)
    pvtt[:4] = np.nan
    few = adjusted_benchmark(plo_table.yi, plo_table.vi, {"pvtt": pvtt}, PLO["index_yi"],
                             PLO["index_vi"], {"pvtt": 63.9}, min_k=5)
    missing = adjusted_benchmark(plo_table.yi, plo_table.vi, {"ehs": PLO["pvtt"]},
                                 PLO["index_yi"], PLO["index_vi"], {"ehs": float("nan")})
    assert not few.done and "3 arm(s) report pvtt" in few.reason
    assert not missing.done and "index study does not report ehs" in missing.reason


def test_median_without_index_variance_against_metafor():
    m = REF["med"]
    table = effects.median_survival(m["median"], m["lower"], m["upper"])
    c = compare(table.yi, table.vi, float(np.log(m["index_median"])), None, "MED")
    assert c.difference is None
    assert c.benchmark.estimate == pytest.approx(m["estimate"], rel=1e-6)
    assert (c.benchmark.pi_lb, c.benchmark.pi_ub) == pytest.approx((m["pi_lb"], m["pi_ub"]),
                                                                   rel=1e-6)
    assert c.ratio_bt[0] == pytest.approx(m["ratio"], rel=1e-6)
    assert np.isnan(c.ratio_bt[1])


@pytest.fixture(scope="module")
def ipd():
    frame = pd.read_csv(FIX / "comparison_ipd.csv")
    return {arm: ArmIPD(arm, part["time"].to_numpy(), part["event"].to_numpy(), "simulated")
            for arm, part in frame.groupby("arm")}


def test_km_summary_against_survival(ipd):
    ref = REF["ipd"]
    for arm, want in ref["per_arm"].items():
        got = km_summary(ipd[arm].time, ipd[arm].event, ref["tau"], ref["landmark"])
        assert got.rmst == pytest.approx(want["rmst"], rel=1e-8)
        assert np.sqrt(got.rmst_var) == pytest.approx(want["rmst_se"], rel=1e-8)
        assert got.surv == pytest.approx(want["surv"], rel=1e-8)
        assert np.sqrt(got.surv_var) == pytest.approx(want["surv_se"], rel=1e-8)


def test_two_stage_rmst_against_survival_and_metafor(ipd):
    ref = REF["ipd"]
    ts = two_stage(ipd["index"], [ipd["h1"], ipd["h2"], ipd["h3"]], ref["tau"],
                   ref["landmark"])
    assert ts.rmst.benchmark.estimate == pytest.approx(ref["rmst_pooled"], rel=1e-6)
    assert ts.rmst.benchmark.se == pytest.approx(ref["rmst_pooled_se"], rel=1e-6)
    assert ts.rmst.difference.estimate == pytest.approx(ref["rmst_diff"], rel=1e-6)
    assert ts.rmst.difference.se == pytest.approx(ref["rmst_diff_se"], rel=1e-6)


def test_one_stage_cox_model_based_against_coxph(ipd):
    # Default variance is model-based (review finding 1): R coxph without cluster.
    ref = REF["ipd"]
    cox = one_stage_cox([ipd["index"]], [ipd["h1"], ipd["h2"], ipd["h3"]])
    assert np.log(cox.hr) == pytest.approx(ref["cox_model_coef"], rel=1e-6)
    assert cox.se_log_hr == pytest.approx(ref["cox_model_se"], rel=1e-5)
    assert cox.pval == pytest.approx(ref["cox_model_pval"], rel=1e-4)
    assert not cox.robust and cox.variance == "model"
    assert "ignores between-study heterogeneity" in cox.note
    # The clustered SE R gives for one index cluster is far smaller (0.056 vs 0.154 here):
    # the downward bias this default avoids.
    assert ref["cox_robust_se"] < 0.5 * ref["cox_model_se"]


def test_one_stage_cox_robust_refused_with_one_index_arm(ipd):
    with pytest.raises(ValueError, match="biased downwards"):
        one_stage_cox([ipd["index"]], [ipd["h1"], ipd["h2"], ipd["h3"]], variance="robust")
    with pytest.raises(ValueError, match="variance"):
        one_stage_cox([ipd["index"]], [ipd["h1"]], variance="sandwich")


def test_one_stage_cox_robust_two_index_arms_against_coxph_cluster(ipd):
    ref = REF["ipd"]
    assert ref["cox2_index_arms"] == ["index", "h1"]
    cox = one_stage_cox([ipd["index"], ipd["h1"]], [ipd["h2"], ipd["h3"]], variance="robust")
    assert np.log(cox.hr) == pytest.approx(ref["cox2_coef"], rel=1e-6)
    assert cox.robust and cox.variance == "robust" and "optimistic" in cox.note
    assert cox.se_log_hr == pytest.approx(ref["cox2_robust_se"], rel=1e-5)
    model = one_stage_cox([ipd["index"], ipd["h1"]], [ipd["h2"], ipd["h3"]])
    assert model.se_log_hr == pytest.approx(ref["cox2_model_se"], rel=1e-5)
