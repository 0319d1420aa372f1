"""Survival benchmarks from reconstructed IPD in the report (issue 10, report bullets):
reports/analysis/ipd_benchmark.py, reports/survival_benchmark_section.py.

A small library (the index study and two sorafenib trials whose IPD files are in studies/ipd/)
must give exactly meta.survival's numbers on the same arrays; the bundled library's sorafenib
group must hold the 13 sorafenib arms with IPD, SEARCH's arm excluded with its recorded conflict.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml

from extraction import load_ipd, load_paths
from meta.survival import group_survival
from reports.analysis import analyse
from reports.analysis.rules import group_failures
from reports.build import build_report
from reports.plan import Group, load_plan

ROOT = Path(__file__).parents[2]
STUDIES = ROOT / "studies"
TRIALS = ("cheng2009_asiapacific", "llovet2008_sharp")

PLAN = """title: "two IPD arms"
index:
  study: zhai2025
  arm: rt_ici
groups:
  - id: sorafenib
    label: "Sorafenib arms"
    treatment_classes: [tki]
    lines: [first]
    arm_labels: ['sorafenib\\b.*']
outcomes:
  - id: os_median
    label: "Median overall survival"
    kind: median
    endpoint: os
    measure: MED
sensitivity:
  estimators: [REML, DL]
"""


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """The index study and two sorafenib trials with their IPD, built into a report."""
    tmp = tmp_path_factory.mktemp("ipdlib")
    lib = tmp / "studies"
    (lib / "ipd").mkdir(parents=True)
    for sid in ("zhai2025", *TRIALS):
        shutil.copy(STUDIES / f"{sid}.yaml", lib / f"{sid}.yaml")
        for entry in yaml.safe_load((STUDIES / f"{sid}.yaml").read_text()).get("ipd", []):
            shutil.copy(STUDIES / entry["file"], lib / entry["file"])
    (tmp / "plan.yaml").write_text(PLAN)
    result = build_report(lib, tmp / "plan.yaml", tmp / "out")
    return lib, tmp, result


def test_two_ipd_arms_give_meta_survival_numbers(small):
    lib, _, result = small
    records, _ = load_paths([lib])
    bench = next(b for s in result.analysis.survival for b in s.benchmarks
                 if b.endpoint == "os")
    assert {a.study for a in bench.arms} == set(TRIALS)
    assert all(a.arm == "sorafenib" for a in bench.arms)
    arrays = {}
    for rec in records:
        for entry in rec.study.ipd:
            if rec.id in TRIALS and entry.arm == "sorafenib":
                label = next(a.label for a in bench.arms if a.study == rec.id)
                arrays[label] = load_ipd(rec, entry)
    ix = bench.index
    assert ix is not None and ix.median == 17.0 and ix.kind == "approximate"
    assert ix.lower < 17.0 < ix.upper
    want = group_survival(arrays, index_median=17.0, index_interval=(ix.lower, ix.upper))
    got = bench.result
    assert got is not None
    for p, q in zip((got.benchmark.median, *got.benchmark.landmarks, got.benchmark.rmst),
                    (want.benchmark.median, *want.benchmark.landmarks, want.benchmark.rmst),
                    strict=True):
        assert p.statistic == q.statistic and p.k == q.k
        np.testing.assert_allclose([p.estimate, p.ci_lb, p.ci_ub, p.pi_lb, p.pi_ub],
                                   [q.estimate, q.ci_lb, q.ci_ub, q.pi_lb, q.pi_ub], rtol=1e-12)
    np.testing.assert_allclose(got.curve.surv, want.curve.surv, rtol=1e-12)
    assert got.position.position == want.position.position
    assert got.position.n_longer == want.position.n_longer


def test_groups_with_ipd_get_real_curves_and_no_exponential_picture(small):
    _, tmp, result = small
    surv = result.context["survival"]
    (block,) = surv["benchmarks"]
    assert block["figure"] == "figures/km_os_sorafenib.svg"
    assert (tmp / "out" / block["figure"]).exists()
    assert "No exponential curve is drawn" in block["caption"]
    assert not (tmp / "out" / "figures" / "km_os_approximate.svg").exists()
    assert all("os_approximate" not in f["figure"] for f in surv["figures"])
    assert len(block["arm_rows"]) == 2
    assert [r[0] for r in block["pooled_rows"]][:2] == ["KM median, mo", "S(6)"]
    svg = (tmp / "out" / block["figure"]).read_text()
    assert "ASSUMPTION" not in svg and "pooled curve (2 arms" in svg
    html = (tmp / "out" / "report.html").read_text()
    assert "Sorafenib arms: overall survival" in html
    assert "pointwise random-effects" in html  # the pooled curve's method, stated


def test_results_json_carries_the_survival_benchmark(small):
    _, tmp, result = small
    bench = next(b for s in result.analysis.survival for b in s.benchmarks
                 if b.endpoint == "os")
    data = json.loads((tmp / "out" / "results.json").read_text())
    (rec,) = [b for b in data["survival_benchmarks"] if b["endpoint"] == "os"]
    assert rec["group"] == "sorafenib"
    assert {a["study"] for a in rec["arms_used"]} == set(TRIALS)
    stats = [p["statistic"] for p in rec["pooled"]]
    assert stats == ["median", "S(6)", "S(12)", "S(18)", "S(24)", "RMST(24)"]
    assert rec["index"]["interval"] == "approximate"
    pos = bench.result.position
    assert rec["index_position"]["time"] == 17.0
    # SHARP's follow-up ends at 16 months: one arm evaluable at 17, no pooled position
    assert (rec["index_position"]["position"], rec["index_position"]["n_evaluable"]) == (
        pos.position, pos.n_evaluable)
    assert rec["pooled"][1]["estimate"] == pytest.approx(bench.result.benchmark.landmarks[0]
                                                         .estimate, rel=1e-12)
    assert len(rec["per_arm"]) == 2 and "rmst(24)" in rec["per_arm"][0]


@pytest.fixture(scope="module")
def bundled(bundled_records):
    plan, _ = load_plan()
    return analyse(bundled_records, plan)


def test_sorafenib_group_has_13_ipd_arms_and_excludes_search_with_its_conflict(bundled):
    os_benchmarks = next(s for s in bundled.survival if s.endpoint == "os").benchmarks
    sor = next(b for b in os_benchmarks if b.group.id == "sorafenib")
    assert len(sor.arms) == 13
    assert all(a.arm.startswith("sorafenib") for a in sor.arms)
    search = [e for e in sor.excluded if e.study == "zhu2015_search"]
    assert [(e.arm, e.rule) for e in search] == [("sorafenib_placebo", "ipd_conflict")]
    assert "swap" in search[0].reason or "arm sizes" in search[0].reason
    # IMbrave150: the updated analysis is compared, the earlier file carries the IPD
    imb = next(a for a in sor.arms if "imbrave150" in a.study)
    assert (imb.study, imb.ipd_study) == ("cheng2022_imbrave150", "finn2020_imbrave150")
    assert sor.result is not None and sor.result.benchmark.arms[0].n > 0


def test_tki_group_is_first_line_only(bundled):
    for a in bundled.comparisons:
        if a.group.id in ("tki", "sorafenib"):
            assert not {"bruix2017_resorce", "abououalfa2018_celestial"} & {
                s for s, _ in a.used_ids}
    os_benchmarks = next(s for s in bundled.survival if s.endpoint == "os").benchmarks
    tki = next(b for b in os_benchmarks if b.group.id == "tki")
    assert not {"bruix2017_resorce", "abououalfa2018_celestial"} & {a.study for a in tki.arms}
    assert {"kudo2018_reflect", "cainap2015_light"} <= {a.study for a in tki.arms}


def test_arm_labels_rule_matches_whole_label_case_insensitively(bundled_records):
    records = bundled_records
    g = Group(id="s", label="S", treatment_classes=["tki"], arm_labels=["sorafenib\\b.*"])
    rec = next(r for r in records if r.id == "kudo2018_reflect")
    sor, lenva = rec.study.arm("sorafenib"), rec.study.arm("lenvatinib")
    assert group_failures(rec, sor, g) == []
    (fail,) = group_failures(rec, lenva, g)
    assert fail.rule == "arm_label" and "Lenvatinib" in fail.reason


def test_a_bad_arm_labels_pattern_is_a_plan_error():
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="expected a regular expression"):
        Group(id="s", label="S", treatment_classes=["tki"], arm_labels=["sorafenib("])
