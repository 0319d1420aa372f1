"""Era / case-mix adjusted benchmark against metafor 3.8.1 (tests/reference/r/adjusted_benchmark.R
-> fixtures/adjusted_benchmark.json): a moderator with missing values, k = 5, an extrapolated
prediction (z and Knapp–Hartung), plus the bubble-plot frame and a small library in which adding
an era trend changes the verdict."""

from __future__ import annotations

import numpy as np
import pytest

from meta.adjusted import adjusted_benchmark, bubble_frame, midpoint_year
from tests.meta._fixture_io import assert_close, load_fixture

FIX = load_fixture("adjusted_benchmark")
DATA = FIX["data"]
LABELS = [f"arm{i + 1}" for i in range(len(DATA["yi"]))]
PVTT = [np.nan if v is None else v for v in DATA["pvtt"]]
INDEX_YI, INDEX_VI = float(np.log(17.0)), 0.025


def _check(adj, ref):
    assert adj.done and adj.k == ref["k"]
    assert_close([s.estimate for s in adj.slopes], ref["beta"][1:], "slopes")
    assert_close([s.se for s in adj.slopes], ref["se"][1:], "slope se")
    assert_close([s.ci_lb for s in adj.slopes], ref["ci_lb"][1:], "slope ci_lb")
    assert_close([s.ci_ub for s in adj.slopes], ref["ci_ub"][1:], "slope ci_ub")
    assert_close([s.pval for s in adj.slopes], ref["pval"][1:], "slope pval")
    assert_close(adj.tau2, ref["tau2"], "tau2", atol=1e-9)
    assert_close(adj.R2, ref["R2"], "R2", atol=1e-6)
    assert_close(adj.QM, ref["QM"], "QM")
    for ours, theirs in (("predicted", "pred"), ("se", "pred_se"), ("ci_lb", "pred_ci_lb"),
                         ("ci_ub", "pred_ci_ub"), ("pi_lb", "pred_pi_lb"),
                         ("pi_ub", "pred_pi_ub")):
        assert_close(getattr(adj, ours), ref[theirs], ours)


def test_moderator_with_missing_values_drops_and_lists_the_arms():
    ref = FIX["cases"]["missing"]
    adj = adjusted_benchmark(DATA["yi"], DATA["vi"], {"year": DATA["year"], "pvtt": PVTT},
                             INDEX_YI, INDEX_VI, {"year": 2019.9, "pvtt": 63.9}, labels=LABELS)
    _check(adj, ref)
    assert adj.dropped == tuple(f"arm{i}" for i in ref["dropped"])  # R indices are 1-based
    assert set(adj.arms).isdisjoint(adj.dropped) and len(adj.arms) == ref["k"]
    assert adj.extrapolated == ("year", "pvtt")  # both beyond the arms' ranges


def test_k5_inside_the_range():
    ref = FIX["cases"]["k5"]
    adj = adjusted_benchmark(DATA["yi"][:5], DATA["vi"][:5], {"year": DATA["year"][:5]},
                             INDEX_YI, INDEX_VI, {"year": 2008.0})
    _check(adj, ref)
    assert adj.extrapolated == ()
    short = adjusted_benchmark(DATA["yi"][:5], DATA["vi"][:5], {"year": DATA["year"][:5]},
                               INDEX_YI, INDEX_VI, {"year": 2008.0}, min_k=6)
    assert not short.done and "at least 6" in short.reason and short.k == 5


@pytest.mark.parametrize("case,test", [("extrapolated", "z"), ("extrapolated_knha", "knha")])
def test_extrapolated_prediction_is_flagged(case, test):
    ref = FIX["cases"][case]
    adj = adjusted_benchmark(DATA["yi"], DATA["vi"], {"year": DATA["year"]}, INDEX_YI,
                             INDEX_VI, {"year": 2019.9}, test=test)
    _check(adj, ref)
    assert adj.extrapolated == ("year",)
    assert adj.covariate_range == ((min(DATA["year"]), max(DATA["year"])),)


def test_bubble_frame_carries_arms_line_and_index():
    adj = adjusted_benchmark(DATA["yi"], DATA["vi"], {"year": DATA["year"]}, INDEX_YI,
                             INDEX_VI, {"year": 2019.9})
    fr = bubble_frame(adj, points=30)
    assert list(fr.arms.columns) == ["arm", "x", "y", "weight", "size"]
    assert fr.arms["weight"].sum() == pytest.approx(100.0)
    assert fr.arms["size"].max() == pytest.approx(1.0)
    assert fr.line["x"].iloc[-1] == pytest.approx(2019.9)  # the line reaches the index
    assert fr.line["fit"].iloc[-1] == pytest.approx(adj.predicted, rel=1e-12)
    assert fr.line["pi_lb"].iloc[-1] == pytest.approx(adj.pi_lb, rel=1e-12)
    assert bool(fr.index["extrapolated"].iloc[0])
    undone = adjusted_benchmark(DATA["yi"][:3], DATA["vi"][:3], {"year": DATA["year"][:3]},
                                INDEX_YI, INDEX_VI, {"year": 2019.9})
    with pytest.raises(ValueError, match="did not run"):
        bubble_frame(undone)


def test_an_era_trend_moves_the_verdict():
    # arms whose log median rises 5% a year, tightly around the trend; the index (enrolled
    # later) sits on the trend line: above the plain benchmark, within the era-adjusted one
    years = np.array([2006.0, 2007.5, 2009.0, 2010.5, 2012.0, 2013.5, 2015.0, 2016.5])
    noise = np.array([.02, -.02, .01, -.01, .02, -.02, 0, .01])
    yi = np.log(8.0) + 0.05 * (years - 2006) + noise
    vi = np.full(years.size, 0.004)
    index_yi = float(np.log(8.0) + 0.05 * 16)
    plain_only = adjusted_benchmark(yi, vi, {"year": years}, index_yi, 0.004, {"year": 2022.0})
    assert plain_only.verdict_plain == "above"
    assert plain_only.verdict_adjusted == "within"
    assert plain_only.verdict_changed and plain_only.extrapolated == ("year",)
    flat = adjusted_benchmark(yi - 0.05 * (years - 2006), vi, {"year": years},
                              float(np.log(8.0)), 0.004, {"year": 2022.0})
    assert not flat.verdict_changed  # no trend, no change


def test_midpoint_and_bad_input():
    assert midpoint_year(2018, 1, 2021, 12) == pytest.approx(2020.0)
    with pytest.raises(ValueError, match="enrolment"):
        midpoint_year(2021, 1, 2018, 1)
    with pytest.raises(ValueError, match="index_covariates"):
        adjusted_benchmark(DATA["yi"], DATA["vi"], {"year": DATA["year"]}, 0.0, 0.1, {})
    res = adjusted_benchmark(DATA["yi"], DATA["vi"], {"year": DATA["year"]}, 0.0, 0.1,
                             {"year": float("nan")})
    assert not res.done and "does not report" in res.reason
