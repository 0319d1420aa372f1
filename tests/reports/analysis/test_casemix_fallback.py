"""The case-mix moderator with a fallback characteristic ("PVTT or, where not reported,
macrovascular invasion"): per arm the value used and which characteristic it is, in the
analysis, the report's words and results.json; never a value the study files do not hold."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from minimal_study import write_library

from extraction.issues import StudyFileError
from reports.analysis import analyse
from reports.context import adjusted_text, caveats
from reports.plan import Moderator, Plan
from reports.results_file import results

SRC = {"location": "abstract"}
PVTT = {"id": "pvtt", "label": "PVTT or, where not reported, MVI (%)", "characteristic": "pvtt",
        "fallback": "macrovascular_invasion"}


def study(sid: str, orr: int, n: int = 150, **population: float) -> dict:
    """One single-arm ICI study with ORR ``orr`` of ``n`` and population percentages."""
    return {"schema_version": 1, "id": sid,
            "citation": {"title": "T", "authors": [f"{sid.capitalize()} A"], "journal": "J",
                         "year": 2020},
            "design": "single_arm_trial", "setting": {"disease": ["advanced"], "line": "first"},
            "arms": [{"id": "a", "label": "A", "treatment_class": "ici", "n": n,
                      "source": dict(SRC)}],
            "population": [{"characteristic": c, "percent": p, "source": dict(SRC)}
                           for c, p in population.items()],
            "outcomes": {"binary": [{"endpoint": "orr", "arm": "a", "criteria": "recist_1.1",
                                     "events": orr, "total": n, "source": dict(SRC)}],
                         "time_to_event": []},
            "curation": {"extracted_by": "test"}}


# two arms report PVTT, four only macrovascular invasion, one neither; the index reports PVTT
ARMS = [study("p1", 30, pvtt=10), study("p2", 45, pvtt=30),
        study("m1", 36, macrovascular_invasion=20), study("m2", 52, macrovascular_invasion=40),
        study("m3", 60, macrovascular_invasion=50, pvtt=45),  # both: PVTT is used
        study("m4", 66, macrovascular_invasion=60), study("none", 40)]
INDEX = study("index", 70, n=100, pvtt=55)
ORR = {"id": "orr", "label": "ORR", "kind": "proportion", "endpoint": "orr"}


def run(tmp_path: Path, moderator: dict):
    plan = Plan(title="t", index={"study": "index", "arm": "a"},
                groups=[{"id": "g", "label": "G", "treatment_classes": ["ici"]}],
                outcomes=[ORR], moderators=[moderator], decision_draws=300)
    result = analyse(write_library(tmp_path, [INDEX, *ARMS]), plan, survival=False)
    (a,) = result.comparisons
    (mix,) = a.casemix_adjusted
    return result, a, mix


def test_without_the_fallback_too_few_arms_report_pvtt(tmp_path: Path) -> None:
    _, _, mix = run(tmp_path, {k: v for k, v in PVTT.items() if k != "fallback"})
    assert not mix.result.done and "3 arm(s) report pvtt" in mix.result.reason
    assert mix.approximated == () and mix.fallback == ""


def test_the_fallback_fills_in_per_arm_and_says_which(tmp_path: Path) -> None:
    result, a, mix = run(tmp_path, PVTT)
    r = mix.result
    assert r.done and r.k == 6 and r.dropped == ("None 2020",)
    by_arm = dict(zip(r.arms, (x[0] for x in r.x), strict=True))
    # the values are the files' own: PVTT where reported (m3 has both), else MVI
    assert by_arm == {"P1 2020": 10, "P2 2020": 30, "M1 2020": 20, "M2 2020": 40,
                      "M3 2020": 45, "M4 2020": 60}
    assert dict(mix.sources) == {"P1 2020": "pvtt", "P2 2020": "pvtt",
                                 "M1 2020": "macrovascular_invasion",
                                 "M2 2020": "macrovascular_invasion", "M3 2020": "pvtt",
                                 "M4 2020": "macrovascular_invasion"}
    assert mix.approximated == ("M1 2020", "M2 2020", "M4 2020")
    assert mix.index_source == "pvtt" and r.index_x == (55.0,)
    text = adjusted_text(a, mix)
    assert "APPROXIMATION: macrovascular invasion" in text and "3 of the 6 arm(s)" in text
    assert "M4 2020" in text and "for the index" not in text
    rec = json.loads(json.dumps(results(result), allow_nan=False))["comparisons"][0]
    (js,) = rec["casemix_adjusted"]
    assert js["fallback"] == "macrovascular_invasion" and js["index_covariate_source"] == "pvtt"
    assert js["approximated"] == ["M1 2020", "M2 2020", "M4 2020"]
    assert {"arm": "M3 2020", "characteristic": "pvtt"} in js["covariate_sources"]
    assert js["inputs"]["x"] == [by_arm[x] for x in js["inputs"]["arms"]]


def test_the_approximation_is_a_caveat(tmp_path: Path) -> None:
    result, a, _ = run(tmp_path, PVTT)
    index = next(r for r in write_library(tmp_path / "i", [INDEX]) if r.id == "index")
    text = " ".join(caveats(index, result.plan, [a]))
    assert "Case-mix approximation" in text and "estimated in 1 comparison" in text
    _, b, _ = run(tmp_path / "n", {k: v for k, v in PVTT.items() if k != "fallback"})
    assert "Case-mix approximation" not in " ".join(caveats(index, result.plan, [b]))


def test_a_fallback_equal_to_the_characteristic_is_refused() -> None:
    with pytest.raises((StudyFileError, ValueError)):
        Moderator(id="x", label="X", characteristic="pvtt", fallback="pvtt")


def test_the_era_record_has_no_case_mix_source_fields(tmp_path: Path) -> None:
    result, _, _ = run(tmp_path, PVTT)
    rec = json.loads(json.dumps(results(result), allow_nan=False))["comparisons"][0]
    assert rec["era_adjusted"]["kind"] == "era" and "covariate_sources" not in rec["era_adjusted"]
