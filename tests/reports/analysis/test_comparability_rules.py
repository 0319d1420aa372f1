"""Comparability rules (reports/analysis/rules.py, issue 11): small libraries built in tmp_path
where each rule must include or exclude one arm, and the exclusion carries the rule's id."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from minimal_study import write_library

from reports.analysis import analyse
from reports.analysis.rules import (
    ae_failure,
    arm_diseases,
    binary_failure,
    effective_phase,
    group_failures,
)
from reports.plan import Group, Outcome, Plan


def _src() -> dict:
    return {"location": "abstract"}


def study(sid: str, *, cls: str = "ici", n: int = 100, phase: str | None = None,
          line: str = "first", disease: list[str] | None = None, design: str = "rct",
          orr: tuple[int, str] | None = (20, "recist_1.1"),
          ae: list[tuple[str, str, int]] = ()) -> dict:
    """One study file (one arm ``a``) as a dict: ORR events and criteria, AEs (grade,
    attribution, count)."""
    doc = {"schema_version": 1, "id": sid,
           "citation": {"title": "T", "authors": [f"{sid.capitalize()} A"], "journal": "J",
                        "year": 2020},
           "design": design, "setting": {"disease": disease or ["advanced"], "line": line},
           "arms": [{"id": "a", "label": "A", "treatment_class": cls, "n": n, "source": _src()}],
           "outcomes": {"binary": [], "adverse_events": []},
           "curation": {"extracted_by": "test"}}
    if phase:
        doc["phase"] = phase
    if orr:
        doc["outcomes"]["binary"].append({"endpoint": "orr", "arm": "a", "criteria": orr[1],
                                          "events": orr[0], "total": n, "source": _src()})
    for grade, attribution, count in ae:
        doc["outcomes"]["adverse_events"].append(
            {"term": "any", "grade": grade, "attribution": attribution, "arm": "a",
             "count": count, "total": n, "source": _src()})
    return doc


def library(tmp_path: Path, docs: list[dict]) -> list:
    return write_library(tmp_path, docs)


def plan(group: dict, outcome: dict | None = None) -> Plan:
    return Plan(title="t", index={"study": "index", "arm": "a"},
                groups=[{"id": "g", "label": "G", "treatment_classes": ["ici"], **group}],
                outcomes=[outcome or {"id": "orr", "label": "ORR", "kind": "proportion",
                                      "endpoint": "orr"}],
                moderators=[], sensitivity={"exclude_overlapping": True})


def run(tmp_path: Path, docs: list[dict], group: dict, outcome: dict | None = None):
    index = study("index", cls="rt+ici", n=108, orr=(81, "not_reported"),
                  ae=[("3+", "not_reported", 33)], disease=["metastatic"])
    records = library(tmp_path, [index, *docs])
    result = analyse(records, plan(group, outcome), survival=False)
    (a,) = result.comparisons
    used = {s for s, _ in a.used_ids}
    rules = {e.study: e.rule for e in a.exclusions}
    return a, used, rules


def test_phase_2_3_counts_as_phase_3_unless_the_plan_says_otherwise(tmp_path):
    docs = [study("p3", phase="3"), study("p23", phase="2/3"), study("p2", phase="2")]
    a, used, rules = run(tmp_path, docs, {"phases": ["3"]})
    assert used == {"p3", "p23"} and rules == {"p2": "phase"}
    a, used, rules = run(tmp_path / "b", docs, {"phases": ["3"], "phase_2_3": "2"})
    assert used == {"p3"} and rules == {"p23": "phase", "p2": "phase"}
    reason = next(e.reason for e in a.exclusions if e.study == "p23")
    assert "2/3" in reason and "3" in reason


def test_min_phase_and_missing_phase(tmp_path):
    docs = [study("p3", phase="3"), study("p23", phase="2/3"), study("p12", phase="1/2"),
            study("nophase")]
    _, used, rules = run(tmp_path, docs, {"min_phase": "3"})
    assert used == {"p3", "p23"}
    assert rules == {"p12": "min_phase", "nophase": "min_phase"}
    _, used, _ = run(tmp_path / "b", docs, {"min_phase": "2"})
    assert used == {"p3", "p23", "p12"}


def test_line_rule(tmp_path):
    docs = [study("first"), study("second", line="second"), study("mixed", line="mixed")]
    _, used, rules = run(tmp_path, docs, {"lines": ["first"]})
    assert used == {"first"} and rules == {"second": "line", "mixed": "line"}


def test_design_rule(tmp_path):
    docs = [study("trial"), study("cohort", design="retrospective_cohort")]
    _, used, rules = run(tmp_path, docs, {"designs": ["rct"]})
    assert used == {"trial"} and rules == {"cohort": "design"}


def test_disease_settings_include_and_exclude(tmp_path):
    docs = [study("met", disease=["metastatic"]), study("unres", disease=["unresectable"]),
            study("adv_pvtt", disease=["advanced", "pvtt"]),
            study("oligo", disease=["recurrent", "locally_advanced"])]
    _, used, rules = run(tmp_path, docs, {"diseases": ["metastatic", "recurrent", "advanced"],
                                          "exclude_diseases": ["locally_advanced"]})
    assert used == {"met", "adv_pvtt"}
    assert rules == {"unres": "disease", "oligo": "exclude_disease"}


def test_an_arm_disease_overrides_the_study_setting():
    record = SimpleNamespace(study=SimpleNamespace(setting=SimpleNamespace(
        disease=["metastatic"], line="first"), design="rct", phase="3"))
    g = Group(id="g", label="G", treatment_classes=["ici"], diseases=["metastatic"],
              exclude_diseases=["oligometastatic"])
    plain = SimpleNamespace(treatment_class="ici")
    oligo = SimpleNamespace(treatment_class="ici", disease=["oligometastatic"])
    assert arm_diseases(record, plain) == ["metastatic"]
    assert arm_diseases(record, oligo) == ["oligometastatic"]
    assert group_failures(record, plain, g) == []
    assert [f.rule for f in group_failures(record, oligo, g)] == ["disease", "exclude_disease"]


def test_treatment_class_is_silent_other_rules_are_listed(tmp_path):
    docs = [study("tki", cls="tki"), study("ici2", line="second")]
    _, used, rules = run(tmp_path, docs, {"lines": ["first"]})
    assert used == set() and rules == {"ici2": "line"}  # the TKI arm is simply not a candidate


AE = {"id": "ae", "label": "AE", "kind": "adverse_event", "endpoint": "ae",
      "grades": ["3+", "3-4"]}


def test_ae_attribution_follows_the_index_unstated_counts_as_all_cause(tmp_path):
    docs = [study("allc", ae=[("3+", "all_cause", 40)]),
            study("unst", ae=[("3-4", "not_reported", 45)]),
            study("trae", ae=[("3+", "treatment_related", 20)]),
            study("irae", ae=[("3+", "immune_related", 10)]),
            study("both", ae=[("3+", "treatment_related", 20), ("3+", "all_cause", 50)])]
    a, used, rules = run(tmp_path, docs, {}, AE)
    assert used == {"allc", "unst", "both"}
    assert rules == {"trae": "attribution", "irae": "attribution"}
    both = a.arms.set_index("study").loc["both"]
    assert both["events"] == 50  # the all-cause row of the arm, not the treatment-related one


def test_ae_attribution_as_a_list_and_grade_band(tmp_path):
    docs = [study("trae", ae=[("3+", "treatment_related", 20)]),
            study("allc", ae=[("3+", "all_cause", 40)]),
            study("g3", ae=[("3", "treatment_related", 15)])]
    _, used, rules = run(tmp_path, docs, {}, {**AE, "attributions": ["treatment_related"]})
    assert used == {"trae"} and rules == {"allc": "attribution", "g3": "grade"}


def test_response_criteria_exclude_when_the_plan_narrows_them(tmp_path):
    docs = [study("rec", orr=(20, "recist_1.1")), study("mrec", orr=(30, "mrecist"))]
    outcome = {"id": "orr", "label": "ORR", "kind": "proportion", "endpoint": "orr",
               "criteria": ["recist_1.1", "not_reported"]}
    _, used, rules = run(tmp_path, docs, {}, outcome)
    assert used == {"rec"} and rules == {"mrec": "criteria"}
    _, used, rules = run(tmp_path / "b", docs, {})  # the default accepts every criterion
    assert used == {"rec", "mrec"} and rules == {}


def test_response_unit_and_denominator_rules_read_the_new_schema_fields():
    o = Outcome(id="orr", label="ORR", kind="proportion", endpoint="orr",
                denominators=["itt", "not_reported"])
    base = {"criteria": "recist_1.1"}
    assert binary_failure(SimpleNamespace(**base), o) is None  # defaults: patient, not reported
    lesion = binary_failure(SimpleNamespace(**base, response_unit="lesion"), o)
    assert lesion is not None and lesion.rule == "response_unit"
    unclear = binary_failure(SimpleNamespace(**base, response_unit="unclear"), o)
    assert unclear is not None and unclear.rule == "response_unit"
    measurable = binary_failure(SimpleNamespace(**base, denominator="measurable_disease"), o)
    assert measurable is not None and measurable.rule == "denominator"
    assert binary_failure(SimpleNamespace(**base, denominator="itt"), o) is None
    anything = Outcome(id="orr", label="ORR", kind="proportion", endpoint="orr")
    assert binary_failure(SimpleNamespace(**base, denominator="evaluable"), anything) is None


def test_ae_failure_prefers_no_rule_when_grade_and_attribution_fit():
    o = Outcome(**AE)
    row = SimpleNamespace(grade="3+", attribution="all_cause")
    assert ae_failure(row, o, {"all_cause", "not_reported"}) is None
    assert ae_failure(row, o, None) is None


@pytest.mark.parametrize("phase,as_,want", [("2/3", "3", "3"), ("2/3", "2", "2"),
                                            ("1/2", "3", "2"), ("3", "2", "3"),
                                            (None, "3", None)])
def test_effective_phase(phase, as_, want):
    g = Group(id="g", label="G", treatment_classes=["ici"], phase_2_3=as_)
    assert effective_phase(phase, g) == want


def test_overlapping_cohorts_keep_the_largest_arm_in_the_main_analysis(tmp_path):
    small = study("small", n=60, orr=(20, "recist_1.1"))
    large = study("large", n=90, orr=(25, "recist_1.1"))
    large["related"] = [{"study": "small", "relation": "overlapping_cohort"}]
    other = study("other", n=80, orr=(15, "recist_1.1"))
    a, used, rules = run(tmp_path, [small, large, other], {})
    assert used == {"large", "other"} and rules == {"small": "overlap"}
    reason = next(e.reason for e in a.exclusions if e.study == "small")
    assert "large" in reason
    assert a.overlap is not None and a.overlap.dropped_ids == ("small",)
    assert a.overlap.comparison.benchmark.k == 3 and a.comparison.benchmark.k == 2


def test_plan_rejects_an_unknown_rule_value_with_its_line(tmp_path):
    from reports.plan import DEFAULT_PLAN, PlanError, load_plan

    text = DEFAULT_PLAN.read_text()
    old = "    diseases: [metastatic, recurrent, advanced]"
    line = text.splitlines().index(old) + 1
    path = tmp_path / "plan.yaml"
    path.write_text(text.replace(old, "    diseases: [metastatic, martian]", 1)
                    .replace("    attributions: index", "    attributions: [sometimes]", 1))
    with pytest.raises(PlanError) as info:
        load_plan(path)
    msgs = [i.format() for i in info.value.issues]
    assert any(f":{line}:" in m and "diseases" in m for m in msgs), msgs
    assert any("attributions" in m for m in msgs), msgs
