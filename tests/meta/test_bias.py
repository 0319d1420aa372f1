"""meta.bias against metafor regtest / trimfill (fixture metafor_bias.json)."""

from __future__ import annotations

import numpy as np
import pytest
from _fixture_io import load_fixture

from meta.bias import egger_test, funnel_data, trimfill

REF = load_fixture("metafor_bias")
# 1e-6 relative: R's fits used threshold 1e-12, ours 1e-10; the remaining differences are
# Fisher-scoring convergence (observed <= 1e-9). Closed-form quantities agree to ~1e-13.
RTOL = 1e-6
SETS3 = sorted(n for n, s in REF["sets"].items() if len(s["yi"]) >= 3)
METHODS = ("REML", "FE", "DL")


def test_fixture_grid_cannot_shrink():
    sets = REF["sets"]
    assert set(sets) >= {"bcg", "hackshaw", "hackshaw_neg", "homog", "small3", "k2"}
    assert len(sets["bcg"]["yi"]) == 13 and len(sets["hackshaw"]["yi"]) == 37
    sides = {sets[n][m]["trimfill"]["side"] for n in SETS3 for m in METHODS}
    assert sides == {"left", "right"}
    k0s = {sets[n][m]["trimfill"]["k0"] for n in SETS3 for m in METHODS}
    assert 0 in k0s and max(k0s) >= 7
    assert sets["homog"]["REML"]["fit"]["tau2"] == 0
    assert {REF["trimfill_ties"][t]["k0"] for t in ("a", "b")} == {0, 1}


@pytest.mark.parametrize("name", SETS3)
def test_egger_lm_against_metafor_regtest(name):
    s = REF["sets"][name]
    ref = s["REML"]["regtest_lm"]
    e = egger_test(s["yi"], s["vi"], model="lm")
    got = [e.stat, e.pval, e.limit_estimate, e.limit_ci_lb, e.limit_ci_ub, e.slope]
    want = [ref[k] for k in ("stat", "pval", "est", "ci_lb", "ci_ub", "slope")]
    np.testing.assert_allclose(got, want, rtol=RTOL)
    assert e.df == ref["df"] == len(s["yi"]) - 2


@pytest.mark.parametrize("name", SETS3)
@pytest.mark.parametrize("method", METHODS)
def test_egger_rma_sei_against_metafor_regtest(name, method):
    s = REF["sets"][name]
    ref = s[method]["regtest_rma"]
    e = egger_test(s["yi"], s["vi"], model="rma", method=method)
    got = [e.stat, e.pval, e.limit_estimate, e.limit_ci_lb, e.limit_ci_ub, e.slope]
    want = [ref[k] for k in ("stat", "pval", "est", "ci_lb", "ci_ub", "slope")]
    np.testing.assert_allclose(got, want, rtol=RTOL, atol=1e-12)
    assert e.df is None


@pytest.mark.parametrize("name", SETS3)
@pytest.mark.parametrize("method", METHODS)
def test_trimfill_against_metafor(name, method):
    s = REF["sets"][name]
    ref = s[method]["trimfill"]
    tf = trimfill(s["yi"], s["vi"], method=method)
    assert (tf.k0, tf.side) == (ref["k0"], ref["side"])
    assert tf.se_k0 == pytest.approx(ref["se_k0"], rel=RTOL)
    # metafor lists observed then imputed studies, as here
    np.testing.assert_allclose(tf.yi, ref["yi"], rtol=RTOL, atol=1e-12)
    np.testing.assert_allclose(tf.vi, ref["vi"], rtol=RTOL)
    assert tf.filled.tolist() == ref["fill"]
    f, r = tf.fit, ref["fit"]
    np.testing.assert_allclose([f.estimate, f.se, f.ci_lb, f.ci_ub, f.pval],
                               [r[k] for k in ("estimate", "se", "ci_lb", "ci_ub", "pval")],
                               rtol=RTOL)
    # tau2 at the boundary is ~1e-12 in either program: absolute tolerance there
    assert f.tau2 == pytest.approx(r["tau2"], rel=RTOL, abs=1e-9)
    assert tf.to_dict()["k"] == len(ref["yi"])


def test_trimfill_side_can_be_forced():
    s = REF["sets"]["hackshaw"]
    tf = trimfill(s["yi"], s["vi"], side="right")
    assert tf.side == "right" and tf.k0 >= 0
    with pytest.raises(ValueError, match="side"):
        trimfill(s["yi"], s["vi"], side="up")


def test_small_k_rejected():
    s = REF["sets"]["k2"]
    with pytest.raises(ValueError, match="at least 3"):
        egger_test(s["yi"], s["vi"])
    with pytest.raises(ValueError, match="at least 3"):
        trimfill(s["yi"], s["vi"])
    with pytest.raises(ValueError, match="different precision"):
        egger_test([0.1, 0.2, 0.3], [0.04, 0.04, 0.04])
    with pytest.raises(ValueError, match="model"):
        egger_test([0.1, 0.2, 0.3], [0.04, 0.05, 0.06], model="glm")


def test_funnel_frame_holds_points_and_pseudo_ci_lines():
    s = REF["sets"]["bcg"]
    est = REF["sets"]["bcg"]["REML"]["fit"]["estimate"]
    frame = funnel_data(s["yi"], s["vi"], est, n_lines=5)
    pts = frame[frame.kind == "study"]
    lines = frame[frame.kind == "pseudo_ci"]
    np.testing.assert_allclose(pts.sei, np.sqrt(s["vi"]))
    assert len(lines) == 5 and lines.sei.iloc[0] == 0 and lines.sei.iloc[-1] == pts.sei.max()
    np.testing.assert_allclose(lines.ci_ub - est, 1.959963984540054 * lines.sei, rtol=1e-12)
    tf = trimfill(s["yi"], s["vi"])
    frame2 = funnel_data(tf.yi, tf.vi, tf.fit.estimate, filled=tf.filled)
    assert (frame2.kind == "filled").sum() == tf.k0


@pytest.mark.parametrize("name", ["a", "b"])
def test_trimfill_ties_get_average_ranks_as_metafor(name):
    ref = REF["trimfill_ties"][name]
    tf = trimfill(ref["yi"], ref["vi"], method="FE", side="left")
    assert tf.k0 == ref["k0"]
    assert tf.se_k0 == pytest.approx(ref["se_k0"], rel=RTOL)
    assert tf.fit.estimate == pytest.approx(ref["estimate"], rel=RTOL)
    assert tf.fit.se == pytest.approx(ref["se"], rel=RTOL)
