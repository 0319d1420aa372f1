"""meta.effects against metafor escalc (fixture metafor_effects.json) and bad-input checks."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from _fixture_io import load_fixture

from meta.effects import generic, median_survival, proportions, ratios

REF = load_fixture("metafor_effects")
# escalc values are closed-form: agreement to 1e-12 relative is expected; 1e-10 leaves room
# for libm differences in asin/log only.
RTOL = 1e-10


def test_fixture_grid_cannot_shrink():
    assert len(REF["xi"]) >= 10
    assert 0 in REF["xi"] and any(x == n for x, n in zip(REF["xi"], REF["ni"], strict=True))
    assert set(REF["proportions"]) == {"PLO", "PFT", "PAS", "PR"}
    assert len(REF["ilogit"]["x"]) >= 7 and len(REF["ipft_hm"]["x"]) >= 9
    assert len(REF["ratio"]["est"]) >= 4 and len(REF["median"]["est"]) >= 3
    assert len(REF["median_events"]["events"]) >= 3
    assert len(REF["median_asymmetry"]["est"]) >= 3


@pytest.mark.parametrize("measure", ["PLO", "PFT", "PAS", "PR"])
def test_proportions_against_metafor_escalc(measure):
    tab = proportions(REF["xi"], REF["ni"], measure)
    ref = REF["proportions"][measure]
    np.testing.assert_allclose(tab.yi, ref["yi"], rtol=RTOL, atol=1e-14)
    np.testing.assert_allclose(tab.vi, ref["vi"], rtol=RTOL)
    assert tab.measure == measure and tab.k == len(REF["xi"])


def test_continuity_correction_recorded_only_for_zero_and_all_events():
    tab = proportions(REF["xi"], REF["ni"], "PLO")
    extreme = [x in (0, n) for x, n in zip(REF["xi"], REF["ni"], strict=True)]
    assert [bool(n) for n in tab.notes] == extreme
    assert [c > 0 for c in tab.extra["cc"]] == extreme
    assert "0.5 added" in tab.notes[0]
    pas = proportions(REF["xi"], REF["ni"], "PAS")
    assert not any(pas.notes) and not any(pas.extra["cc"])


def test_correction_targets_against_metafor():
    tab = proportions(REF["xi"], REF["ni"], "PLO", to="all")
    np.testing.assert_allclose(tab.yi, REF["plo_to_all"]["yi"], rtol=RTOL)
    np.testing.assert_allclose(tab.vi, REF["plo_to_all"]["vi"], rtol=RTOL)
    for key, measure, to in (("plo_if0all_subset", "PLO", "if0all"),
                             ("pr_none_subset", "PR", "none")):
        idx = [i - 1 for i in REF[key]["idx"]]
        sub = proportions([REF["xi"][i] for i in idx], [REF["ni"][i] for i in idx], measure,
                          to=to)
        np.testing.assert_allclose(sub.yi, REF[key]["yi"], rtol=RTOL)
        np.testing.assert_allclose(sub.vi, REF[key]["vi"], rtol=RTOL)


def test_ratio_se_from_ci_and_pvalue_against_r():
    r = REF["ratio"]
    tab = ratios(r["est"], r["lower"], r["upper"], measure="HR")
    np.testing.assert_allclose(tab.yi, r["yi"], rtol=RTOL)
    np.testing.assert_allclose(tab.sei, r["sei95"], rtol=RTOL)
    tab90 = ratios(r["est"], r["lower"], r["upper"], level=90)
    np.testing.assert_allclose(tab90.sei, r["sei90"], rtol=RTOL)
    tabp = ratios(r["est"], pval=r["pval"])
    np.testing.assert_allclose(tabp.sei, r["sei_from_p"], rtol=RTOL)
    assert tabp.extra["se_source"] == ("pval",) * 4


def test_ratio_asymmetry_reported_and_missing_info_excluded():
    tab = ratios([0.5, 0.8, 1.0, 1.2], [0.25, 0.6, None, None], [1.0, 0.95, None, None],
                 pval=[None, None, 0.5, None], study=["a", "b", "c", "d"])
    assert tab.study == ("a", "b")
    assert tab.extra["ci_asymmetry"][0] == pytest.approx(0.0, abs=1e-12)
    assert tab.extra["ci_asymmetry"][1] > 0.1 and "asymmetric" in tab.notes[1]
    reasons = {e.study: e.reason for e in tab.excluded}
    assert "z = 0" in reasons["c"] and "neither" in reasons["d"]


def test_median_survival_from_ci_and_from_events():
    m = REF["median"]
    tab = median_survival(m["est"], m["lower"], m["upper"])
    np.testing.assert_allclose(tab.yi, m["yi"], rtol=RTOL)
    np.testing.assert_allclose(tab.sei, m["sei"], rtol=RTOL)
    tab2 = median_survival([10.0, 8.0, None, 6.0], [7.0, None, None, 4.0], [14.0, None, None, None],
                           events=[None, 64, 30, None], study=list("abcd"))
    assert tab2.study == ("a", "b")
    assert "approximate" in tab2.notes[1] and tab2.extra["se_source"] == ("ci", "events")
    reasons = {e.study: e.reason for e in tab2.excluded}
    assert "not reached" in reasons["c"] and "no complete CI" in reasons["d"]


def test_median_se_from_events_against_r_km_median_formula():
    # var(log KM median) = 1/(d ln²2), not 1/d (statistics review finding 3).
    r = REF["median_events"]
    tab = median_survival([9.0] * len(r["events"]), events=r["events"])
    np.testing.assert_allclose(tab.sei, r["sei"], rtol=RTOL)
    assert all("approximate" in n for n in tab.notes)
    assert np.isnan(tab.extra["ci_asymmetry"]).all()


def test_median_ci_asymmetry_recorded_and_noted_against_r():
    # A Brookmeyer–Crowley CI need not be symmetric on the log scale (review finding 9):
    # 3.7 [3.1, 3.7] (median at the upper bound) is 100% asymmetric and gets a note.
    r = REF["median_asymmetry"]
    tab = median_survival(r["est"], r["lower"], r["upper"], study=list("abc"))
    np.testing.assert_allclose(tab.extra["ci_asymmetry"], r["asym"], rtol=RTOL)
    np.testing.assert_allclose(tab.sei, r["sei"], rtol=RTOL)
    assert r["asym"][0] == 1 and r["asym"][1] < 0.1 < r["asym"][2]
    assert "asymmetric on the log scale (100% of its width)" in tab.notes[0]
    assert "SE approximated from the CI width" in tab.notes[0]
    assert tab.notes[1] == "" and "(26% of its width)" in tab.notes[2]
    strict = median_survival(r["est"], r["lower"], r["upper"], asymmetry_tolerance=0.01)
    assert all(strict.notes)


def test_generic_with_vi_or_sei():
    a = generic([0.1, -0.2], [0.04, 0.09])
    b = generic([0.1, -0.2], sei=[0.2, 0.3])
    np.testing.assert_allclose(a.vi, b.vi, rtol=1e-15)
    frame = b.to_frame()
    assert list(frame.columns[:6]) == ["study", "yi", "vi", "sei", "measure", "note"]


def test_effect_table_is_frozen():
    tab = generic([0.1, -0.2], [0.04, 0.09])
    with pytest.raises(dataclasses.FrozenInstanceError):
        tab.measure = "X"  # type: ignore[misc]
    with pytest.raises(ValueError):
        tab.yi[0] = 3.0


@pytest.mark.parametrize(("call", "needle"), [
    (lambda: proportions([5], [4]), "events[0] (study 1): expected at most total"),
    (lambda: proportions([-1], [4]), "events[0]"),
    (lambda: proportions([1.5], [4]), "events[0]"),
    (lambda: proportions([1], [0]), "total[0]"),
    (lambda: proportions([np.nan], [4]), "events[0]: expected a finite number"),
    (lambda: proportions([1], [4], "XX"), "measure"),
    (lambda: proportions([1], [4], to="some"), "to:"),
    (lambda: proportions([1, 2], [4]), "total: expected 2 values"),
    (lambda: ratios([0.7], [0.8], [0.9]), "contains the estimate"),
    (lambda: ratios([0.8], [0.8], [0.8]), "positive width"),
    (lambda: ratios([-0.8], [0.5], [0.9]), "estimate[0]"),
    (lambda: ratios([0.8], pval=[0.0]), "pval[0]"),
    (lambda: ratios([0.8], [0.5], [0.9], level=120), "level"),
    (lambda: ratios([np.inf], [0.5], [0.9]), "estimate[0]"),
    (lambda: median_survival([5.0], [6.0], [9.0]), "contains the median"),
    (lambda: median_survival([5.0], events=[2.5]), "events[0]"),
    (lambda: generic([0.1], [0.0]), "vi[0]"),
    (lambda: generic([0.1], [0.1], sei=[0.3]), "exactly one"),
    (lambda: generic([0.1], [0.1], study=["a", "b"]), "study"),
])
def test_bad_input_names_the_argument(call, needle):
    with pytest.raises(ValueError) as err:
        call()
    assert needle in str(err.value)
