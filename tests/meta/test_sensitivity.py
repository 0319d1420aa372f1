"""meta.sensitivity against metafor leave1out / influence / cumul and rma over all estimators
(fixture metafor_bias.json)."""

from __future__ import annotations

import numpy as np
import pytest
from _fixture_io import load_fixture

from meta.sensitivity import by_estimator, cumulative, influence, leave1out

REF = load_fixture("metafor_bias")
# 1e-6 relative (R threshold 1e-12 vs ours 1e-10; observed <= 1e-8). tau2 and I2 at the zero
# boundary are tiny positive numbers (~1e-12) in either program: absolute tolerance 1e-9 / 1e-7
# (I2 in percent) there.
RTOL = 1e-6
ATOL = {"tau2": 1e-9, "tau2_del": 1e-9, "I2": 1e-7, "H2": 1e-9, "ci_lb": 1e-9, "ci_ub": 1e-9,
        "estimate": 1e-12, "zval": 1e-9}
SETS = sorted(REF["sets"])
METHODS = ("REML", "FE", "DL")


def _close(frame, ref, mapping):
    for col, key in mapping.items():
        if len(ref[key]) == 0:  # metafor leaves tau2/I2 columns out of FE results
            continue
        np.testing.assert_allclose(frame[col].to_numpy(float), ref[key], rtol=RTOL,
                                   atol=ATOL.get(col, 0.0), err_msg=col)


def test_fixture_grid_cannot_shrink():
    assert len(SETS) >= 6
    assert any(len(REF["sets"][n]["yi"]) == 2 for n in SETS)
    assert len(REF["sets"]["hackshaw"]["REML"]["influence"]["rstudent"]) == 37
    assert len(REF["sets"]["bcg"]["estimators"]) == 9


@pytest.mark.parametrize("name", SETS)
@pytest.mark.parametrize("method", METHODS)
def test_leave1out_against_metafor(name, method):
    s = REF["sets"][name]
    frame = leave1out(s["yi"], s["vi"], method=method)
    cols = ("estimate", "se", "zval", "pval", "ci_lb", "ci_ub", "Q", "tau2", "I2", "H2")
    _close(frame, s[method]["leave1out"], {**{c: c for c in cols}, "Q_pval": "Qp"})
    assert (frame["k"] == len(s["yi"]) - 1).all()


@pytest.mark.parametrize("name", [n for n in SETS if len(REF["sets"][n]["yi"]) >= 3])
@pytest.mark.parametrize("method", METHODS)
def test_influence_against_metafor(name, method):
    s = REF["sets"][name]
    frame = influence(s["yi"], s["vi"], method=method)
    ref = s[method]["influence"]
    _close(frame, ref, {c: c for c in ref})


@pytest.mark.parametrize("name", SETS)
@pytest.mark.parametrize("method", METHODS)
def test_cumulative_against_metafor(name, method):
    s = REF["sets"][name]
    frame = cumulative(s["yi"], s["vi"], order=s["key"], method=method)
    ref = s[method]["cumul"]
    _close(frame, ref, {c: c for c in ref})
    assert list(frame["order"]) == sorted(s["key"])


@pytest.mark.parametrize("name", SETS)
def test_every_estimator_against_metafor(name):
    s = REF["sets"][name]
    frame = by_estimator(s["yi"], s["vi"]).set_index("method")
    for method, ref in s["estimators"].items():
        for col in ("estimate", "se", "ci_lb", "ci_ub", "pval", "tau2", "I2", "Q"):
            assert frame.loc[method, col] == pytest.approx(
                ref[col], rel=RTOL, abs=ATOL.get(col, 0.0)), (method, col)


def test_cumulative_knha_first_step_is_reported_not_raised():
    s = REF["sets"]["bcg"]
    frame = cumulative(s["yi"], s["vi"], order=s["key"], test="knha")
    assert np.isnan(frame["estimate"].iloc[0]) and "knha" in frame["note"].iloc[0]
    assert frame["estimate"].iloc[1:].notna().all()


def test_bad_input():
    with pytest.raises(ValueError, match="at least 2"):
        leave1out([0.1], [0.1])
    with pytest.raises(ValueError, match="at least 3"):
        influence([0.1, 0.2], [0.1, 0.1])
    with pytest.raises(ValueError, match="order"):
        cumulative([0.1, 0.2], [0.1, 0.1], order=[1])
    with pytest.raises(ValueError, match="study"):
        leave1out([0.1, 0.2], [0.1, 0.1], study=["a"])
