"""The deciding test over the index's plausible range, PI imprecision and the era-adjusted
benchmark (reports/analysis/calibrated.py, index.py, adjusted.py; issues 11 and 16), on small
libraries built in tmp_path."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from minimal_study import write_library

from reports.analysis import analyse
from reports.analysis.index import RangeKind, plausible_denominators
from reports.analysis.verdict import Position, ReasonCode, Verdict
from reports.plan import Plan
from reports.results_file import results

SRC = {"location": "abstract"}


def study(sid: str, *, n: int = 100, cls: str = "ici", year: int = 2020,
          orr: int | None = None, os: tuple[float, float | None, float | None] | None = None,
          enrolment: tuple[str, str] | None = None, follow_up: float | None = None) -> dict:
    """One single-arm study file: ORR events of ``n``, OS median with optional CI (months)."""
    doc: dict = {"schema_version": 1, "id": sid,
                 "citation": {"title": "T", "authors": [f"{sid.capitalize()} A"],
                              "journal": "J", "year": year},
                 "design": "single_arm_trial", "setting": {"disease": ["advanced"],
                                                           "line": "first"},
                 "arms": [{"id": "a", "label": "A", "treatment_class": cls, "n": n,
                           "source": dict(SRC)}],
                 "outcomes": {"binary": [], "time_to_event": []},
                 "curation": {"extracted_by": "test"}}
    if orr is not None:
        doc["outcomes"]["binary"].append({"endpoint": "orr", "arm": "a",
                                          "criteria": "recist_1.1", "events": orr, "total": n,
                                          "source": dict(SRC)})
    if os is not None:
        m, lo, hi = os
        row = {"endpoint": "os", "arm": "a", "median": m, "source": dict(SRC)}
        if lo is not None:
            row.update(ci_lower=lo, ci_upper=hi)
        doc["outcomes"]["time_to_event"].append(row)
    if enrolment:
        doc["enrolment"] = {"start": enrolment[0], "end": enrolment[1], "source": dict(SRC)}
    if follow_up:
        doc["followup"] = [{"median": follow_up, "unit": "months", "source": dict(SRC)}]
    return doc


def library(tmp_path: Path, docs: list[dict]) -> list:
    return write_library(tmp_path, docs)


def plan(outcome: dict, **extra: object) -> Plan:
    return Plan(title="t", index={"study": "index", "arm": "a"},
                groups=[{"id": "g", "label": "G", "treatment_classes": ["ici"]}],
                outcomes=[outcome], moderators=[], decision_draws=1000, **extra)


ORR = {"id": "orr", "label": "ORR", "kind": "proportion", "endpoint": "orr"}
OS = {"id": "os", "label": "OS", "kind": "median", "endpoint": "os", "measure": "MED"}


def run(tmp_path: Path, docs: list[dict], outcome: dict, **extra: object):
    result = analyse(library(tmp_path, docs), plan(outcome, **extra), survival=False)
    (a,) = result.comparisons
    return result, a


OS_ARMS = [study(f"s{i}", n=200, os=(m, round(m * 0.85, 2), round(m * 1.18, 2)))
           for i, m in enumerate((9.0, 10.0, 10.5, 11.0, 9.5, 10.2))]


def test_the_index_range_turns_a_verdict_inconclusive(tmp_path: Path) -> None:
    # a median without CI: tested at the fewest, central and most plausible events; with few
    # events (short follow-up) the index's interval is wide and the test does not reject, with
    # the most events it does
    index = study("index", n=80, os=(22.0, None, None), follow_up=9.0)
    _, a = run(tmp_path, [index, *OS_ARMS], OS)
    r = a.index_interval
    assert r.kind is RangeKind.MEDIAN_EVENTS and len(r.scenarios) == 3
    assert r.scenarios[0].events < r.scenarios[1].events < r.scenarios[2].events
    d = a.decision_test
    assert d.verdicts[0] == "within" and d.verdicts[-1] == "above", d.verdicts
    assert a.verdict is Verdict.INCONCLUSIVE
    codes = [x.code for x in a.reasons]
    assert codes[:2] == [ReasonCode.DECISION_TEST, ReasonCode.INDEX_RANGE]
    # never "above the PI" unless it holds at every plausible value
    assert a.position is not Position.ABOVE
    assert a.fragility is None  # only decisive verdicts get a fragility


def test_a_clear_difference_holds_over_the_range_and_has_a_fragility(tmp_path: Path) -> None:
    index = study("index", n=200, os=(30.0, None, None), follow_up=30.0)
    _, a = run(tmp_path, [index, *OS_ARMS], OS)
    assert set(a.decision_test.verdicts) == {"above"}
    assert a.verdict is Verdict.MORE_FAVOURABLE
    assert a.fragility_patients is not None and a.fragility_patients >= 1
    assert a.fragility.verdict_after == "within"


def test_an_assumed_denominator_is_tried_at_each_plausible_one(tmp_path: Path) -> None:
    assert plausible_denominators("75.0", 108, 0.9) == [100, 104, 108]
    index = study("index", n=108, orr=81)
    b = index["outcomes"]["binary"][0]
    b.update(percent=75.0, denominator="not_reported",
             derived={"total": "ASSUMED: the cohort size"})
    arms = [study(f"s{i}", n=150, orr=e) for i, e in enumerate((30, 40, 35, 45, 38))]
    _, a = run(tmp_path, [index, *arms], ORR)
    assert a.index_interval.kind is RangeKind.DENOMINATOR
    assert [s.total for s in a.index_interval.scenarios] == [100, 104, 108]
    assert len(a.decision_test.tests) == 3


def test_fewer_than_five_arms_flag_the_prediction_interval(tmp_path: Path) -> None:
    index = study("index", n=100, orr=40)
    arms = [study(f"s{i}", n=120, orr=e) for i, e in enumerate((30, 42, 36))]
    _, a = run(tmp_path, [index, *arms], ORR)
    assert a.prediction.imprecise and "k = 3 < 5" in a.prediction.reasons
    assert any(x.code is ReasonCode.FEW_STUDIES for x in a.reasons)
    assert a.prediction.method == "metafor" and a.prediction.df is None
    _, h = run(tmp_path / "h", [index, *arms], ORR, prediction="higgins")
    assert h.prediction.method == "higgins" and h.prediction.df == 1  # t(k - 2)
    assert h.prediction.ub - h.prediction.lb > a.prediction.ub - a.prediction.lb


ERA_ARMS = [study(f"e{i}", n=150, orr=e, enrolment=(f"{y}-01", f"{y + 1}-12"))
            for i, (y, e) in enumerate(((2005, 12), (2008, 22), (2011, 36), (2014, 52),
                                        (2017, 70), (2019, 84)))]


def test_an_era_trend_moves_the_verdict(tmp_path: Path) -> None:
    # the arms' ORR rises steeply with their enrolment mid-point: the plain benchmark's
    # between-arm spread is wide and the index (enrolled 2020-2021) is within it; the trend
    # explains the spread, and against the benchmark of its era the index is above
    index = study("index", n=100, orr=80, enrolment=("2020-01", "2021-12"))
    _, a = run(tmp_path, [index, *ERA_ARMS], ORR)
    assert a.verdict is Verdict.NOT_DIFFERENT
    era = a.era_adjusted
    assert era.result.done and era.result.k == 6
    assert era.result.slopes[0].ci_lb > 0  # the trend
    assert era.result.R2 > 50
    assert era.verdict is Verdict.MORE_FAVOURABLE and era.changed
    assert era.result.index_x == (2021.0,)
    assert "enrolment_mid_year" in era.result.extrapolated  # 2021 > 2020.0, flagged
    assert era.ci_bt[0] < era.predicted_bt < era.ci_bt[1]
    assert era.pi_bt[0] <= era.ci_bt[0]


def test_results_json_holds_the_adjusted_benchmark_with_its_inputs(tmp_path: Path) -> None:
    index = study("index", n=100, orr=62, enrolment=("2020-01", "2021-12"))
    no_period = study("late", n=150, orr=80, year=2022)
    result, a = run(tmp_path, [index, *ERA_ARMS, no_period], ORR)
    data = json.loads(json.dumps(results(result), allow_nan=False))
    (rec,) = data["comparisons"]
    era = rec["era_adjusted"]
    assert era["done"] and era["k"] == 6 and era["dropped"] == ["Late 2022"]
    mids = [y + 1.0 for y in (2005, 2008, 2011, 2014, 2017, 2019)]
    assert np.allclose(era["inputs"]["x"], mids)
    assert len(era["inputs"]["yi"]) == 6 and era["inputs"]["index_x"] == [2021.0]
    assert era["verdict"] == a.era_adjusted.verdict.value
    assert {"predicted", "ci_lb", "pi_ub", "R2", "slopes", "extrapolated"} <= set(era)
    assert rec["decision_test"]["method"].startswith("Knapp–Hartung")
    assert rec["prediction_interval"]["imprecise"] is False
    # a missing period as a publication-year proxy: the arm is used and labelled
    _, b = run(tmp_path / "p", [index, *ERA_ARMS, no_period], ORR,
                     era_missing="publication_year", era_lag_years=3)
    assert b.era_adjusted.result.k == 7 and b.era_adjusted.proxies == ("Late 2022",)


def test_too_few_arms_with_the_covariate_is_one_line(tmp_path: Path) -> None:
    index = study("index", n=100, orr=62, enrolment=("2020-01", "2021-12"))
    arms = [*ERA_ARMS[:3], *(study(f"x{i}", n=150, orr=30 + i) for i in range(3))]
    _, a = run(tmp_path, [index, *arms], ORR)
    assert not a.era_adjusted.result.done
    assert "3 arm(s) report enrolment_mid_year" in a.era_adjusted.result.reason


def test_adjusted_pi_r2_and_joint_extrapolation_are_flagged_like_the_plain_ones(
        tmp_path: Path) -> None:
    # statistics review, finding 2: the era-adjusted benchmark's prediction interval carries
    # the plain one's imprecision flag (residual tau² = 0 here: the trend explains the spread),
    # an undefined pseudo-R² is never shown as 0%, and the joint extrapolation check is shown
    from reports.analysis.calibrated import pi_imprecision
    from reports.context import adjusted_text

    index = study("index", n=100, orr=80, enrolment=("2020-01", "2021-12"))
    result, a = run(tmp_path, [index, *ERA_ARMS], ORR)
    era = a.era_adjusted
    r = era.result
    assert r.tau2 == 0 and era.pi_imprecise == pi_imprecision(r.k, r.tau2) == ("tau² = 0",)
    text = adjusted_text(a, era)
    assert "* (imprecise: tau² = 0)" in text
    assert not r.extrapolated_jointly and "JOINTLY" not in text  # 2021 is near the arms
    rec = results(result)["comparisons"][0]["era_adjusted"]
    assert rec["pi_imprecise"] == ["tau² = 0"] and rec["extrapolated_jointly"] is False
    assert rec["leverage"] == r.leverage < rec["leverage_max_arms"]
    # arms with one and the same rate: no heterogeneity to explain, so no R² (not 0%)
    flat = [study(f"f{i}", n=150, orr=45, enrolment=(f"{y}-01", f"{y + 1}-12"))
            for i, y in enumerate((2005, 2008, 2011, 2014, 2017, 2019))]
    late = study("index", n=100, orr=80, enrolment=("2035-01", "2036-12"))
    result, b = run(tmp_path / "flat", [late, *flat], ORR)
    r = b.era_adjusted.result
    assert r.done and r.R2 is None
    assert results(result)["comparisons"][0]["era_adjusted"]["R2"] is None
    text = adjusted_text(b, b.era_adjusted)
    assert "R² not defined" in text and "R² 0%" not in text
    # far beyond the arms' era: outside their joint region too
    assert r.extrapolated_jointly and r.leverage > r.leverage_max
    assert "EXTRAPOLATED JOINTLY" in text
