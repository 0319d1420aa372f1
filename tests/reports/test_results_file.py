"""results.json / results.csv (reports/results_file.py), page 1 (reports/summary.py), the
reference-line rule (reports/analysis/refs.py), ``--index`` and ``plan new``."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reports.analysis.refs import classify
from reports.analysis.verdict import Verdict
from reports.cli import app
from reports.plan import Group, load_plan
from reports.summary import VERDICT_WORDS

ROOT = Path(__file__).parents[2]


@pytest.fixture
def bundled(bundled_report):
    result, text, html = bundled_report
    data = json.loads((result.out / "results.json").read_text())
    return result, text, html, data


def test_results_json_lists_every_comparison_with_its_arms_and_exclusions(bundled):
    result, _, _, data = bundled
    assert data["index"] == {"study": "zhai2025", "arm": "rt_ici"}
    assert data["alpha"] == pytest.approx(0.05)
    assert len(data["comparisons"]) == len(result.analyses)
    for rec, a in zip(data["comparisons"], result.analyses, strict=True):
        assert (rec["outcome"], rec["group"]) == (a.outcome.id, a.group.id)
        assert [(x["study"], x["arm"]) for x in rec["arms_used"]] == list(a.used_ids)
        assert [(x["study"], x["arm"], x["rule"]) for x in rec["arms_excluded"]] == [
            (e.study, e.arm, e.rule) for e in a.exclusions]
        assert all(x["reason"] for x in rec["arms_excluded"])
        assert rec["verdict"] == a.verdict.value
        c = a.comparison
        if c is None:
            assert "estimate" not in rec
            continue
        # metafor's names, analysis scale
        assert rec["k"] == c.benchmark.k and rec["estimate"] == pytest.approx(
            c.benchmark.estimate)
        for name in ("se", "ci_lb", "ci_ub", "tau2", "I2", "Q", "Q_pval"):
            got, want = rec[name], getattr(c.benchmark, name)
            assert (got is None and not math.isfinite(want)) or got == pytest.approx(want)
        assert rec["backtransformed"]["estimate"] == pytest.approx(c.benchmark_bt[0])
        assert len(rec["arms_used"]) == c.benchmark.k
        assert sum(x["weight_pct"] for x in rec["arms_used"]) == pytest.approx(100)
        if c.predictive is not None:
            assert rec["predictive"]["pval"] == pytest.approx(c.predictive.pval)
        if a.comparison_knha is not None:
            assert rec["knha"]["df"] == c.benchmark.k - 1


def test_results_json_records_the_bundled_comparability_changes(bundled):
    _, _, _, data = bundled
    by = {(r["outcome"], r["group"]): r for r in data["comparisons"]}
    ae = by[("ae_g3", "ici_1l_phase3")]
    assert ("yau2022_checkmate459", "nivolumab", "attribution") in {
        (x["study"], x["arm"], x["rule"]) for x in ae["arms_excluded"]}
    assert ae["backtransformed"]["estimate"] == pytest.approx(0.479, abs=0.001)  # issue 11
    orr = by[("orr", "ici_1l_phase3")]
    assert ("ren2021_orient32", "sint_bev") in {(x["study"], x["arm"])
                                                for x in orr["arms_used"]}  # phase 2/3
    rt = by[("orr", "rt_ici")]
    rules = {x["study"]: x["rule"] for x in rt["arms_excluded"]}
    assert rules["livercancer2024_sbrt_io"] == "disease" and "overlap" in rules.values()
    assert rt["overlap_sensitivity"]["k"] == rt["k"] + len(rt["overlap_sensitivity"]["dropped"])
    refs = {r["id"]: r["use"] for r in by[("orr", "ici_1l_phase3")]["references"]}
    assert refs == {"tang2019_ici": "context", "ici_hcc_12studies_2021": "context"}


def test_results_csv_has_one_row_per_comparison(bundled):
    result, _, _, data = bundled
    rows = list(csv.DictReader((result.out / "results.csv").open()))
    assert len(rows) == len(data["comparisons"])
    for row, rec in zip(rows, data["comparisons"], strict=True):
        assert row["verdict"] == rec["verdict"]
        assert row["arms_used"] == ";".join(f"{x['study']}/{x['arm']}"
                                            for x in rec["arms_used"])


def test_page_one_is_a_table_with_decisive_rows_first(bundled):
    result, text, html, _ = bundled
    page1 = result.context["page1"]
    rows = page1["rows"]
    assert rows and len(rows) == sum(a.comparison is not None for a in result.analyses)
    words = [r[-1] for r in rows]
    decisive = {VERDICT_WORDS[Verdict.MORE_FAVOURABLE], VERDICT_WORDS[Verdict.LESS_FAVOURABLE]}
    flags = [w in decisive for w in words]
    assert flags == sorted(flags, reverse=True)  # decisive rows first
    assert 1 <= len(page1["sentences"]) <= 5
    assert "Disease control rate" in page1["not_reported"]
    first_page = text[:text.index("Caveats")]
    assert "Verdict" in first_page and "Not reported by the index study" in first_page
    assert "Forest plot: Disease control rate" not in html  # no forest plot without the index
    assert "<table class=\"summary\">" in html


def test_context_references_are_listed_apart_and_not_drawn(bundled):
    result, _, _, _ = bundled
    group = next(o for o in result.context["outcomes"] if o["label"] == "Objective response rate")
    phase3 = next(g for g in group["groups"] if g["label"].startswith("First-line"))
    keys = [k for k, _ in phase3["kv"]]
    assert "Published reference (context, not drawn)" in keys
    assert "Published reference" not in keys


def test_reference_rule_matches_population_or_gives_context():
    free = Group(id="g", label="G", treatment_classes=["ici"], references=["a"])
    assert [u.use for u in classify(free)] == ["matched"]
    strict = Group(id="g", label="G", treatment_classes=["ici"], lines=["first"],
                   phases=["3"], references=["a", {"id": "b", "lines": ["first"],
                                                   "phases": ["2/3", "3"]},
                                             {"id": "c", "lines": ["mixed"], "phases": ["2"]}])
    uses = {u.id: u for u in classify(strict)}
    assert uses["a"].use == "context" and "not declared" in uses["a"].reason
    assert uses["b"].use == "matched"
    assert uses["c"].use == "context" and "mixed" in uses["c"].reason


def test_any_study_can_be_the_index(tmp_path):
    import shutil

    lib = tmp_path / "studies"
    lib.mkdir()
    for sid in ("zhai2025", "finn2020_imbrave150", "yau2022_checkmate459"):
        shutil.copy(ROOT / "studies" / f"{sid}.yaml", lib / f"{sid}.yaml")
    (lib / "ipd").mkdir()
    for name in ("imbrave150_finn2020_fig1a.csv", "checkmate-459_yau2019_figX.csv"):
        shutil.copy(ROOT / "studies" / "ipd" / name, lib / "ipd" / name)  # their patient data
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["report", "--index", "finn2020_imbrave150:atezo_bev",
                                   "--studies", str(lib), "--out", str(out)])
    assert res.exit_code == 0, res.output
    data = json.loads((out / "results.json").read_text())
    assert data["index"] == {"study": "finn2020_imbrave150", "arm": "atezo_bev"}
    for rec in data["comparisons"]:
        assert all(x["study"] != "finn2020_imbrave150" for x in rec["arms_used"])
    assert any(rec["arms_used"] for rec in data["comparisons"])
    assert "finn2020_imbrave150 (atezo_bev) against historical benchmarks" in (
        out / "report.html").read_text()
    bad = CliRunner().invoke(app, ["report", "--index", "finn2020_imbrave150:nope",
                                   "--studies", str(lib), "--out", str(out)])
    assert bad.exit_code == 2 and "--index: expected an arm of finn2020_imbrave150" in bad.output


def test_plan_new_writes_a_scaffold_that_loads_and_refuses_to_overwrite(tmp_path):
    path = tmp_path / "my_plan.yaml"
    res = CliRunner().invoke(app, ["plan", "new", str(path)])
    assert res.exit_code == 0, res.output
    plan, _ = load_plan(path)
    assert plan.index.study == "zhai2025" and plan.groups[0].diseases
    assert plan.outcomes[-1].attributions == "index"
    text = path.read_text()
    assert text.count("#") > 20  # commented
    again = CliRunner().invoke(app, ["plan", "new", str(path)])
    assert again.exit_code == 2 and "existing" in again.output
    assert path.read_text() == text


def test_the_readme_worked_example_is_a_valid_plan(tmp_path):
    import re

    text = (ROOT / "README.md").read_text()
    block = re.search(r"A worked example.*?```yaml\n(.*?)```", text, re.S)
    assert block is not None
    path = tmp_path / "worked.yaml"
    path.write_text(block.group(1))
    plan, _ = load_plan(path)
    assert plan.groups[0].phases == ["3"] and plan.outcomes[1].attributions == "index"
    (use,) = classify(plan.groups[0])
    assert use.use == "context"


def test_leave_one_out_equals_a_direct_compare_without_each_study(bundled):
    from meta.comparison import compare

    result, _, _, _ = bundled
    plan, _ = load_plan()
    checked = 0
    for a in result.analyses:
        if a.comparison is None or len(a.arms) < 3:
            assert a.leave_one_out == ()
            continue
        assert [r.omitted for r in a.leave_one_out] == list(a.arms["label"])
        for i, r in enumerate(a.leave_one_out):
            rest = a.arms.drop(a.arms.index[i])
            direct = compare(rest["yi"], rest["vi"], a.index_yi, a.index_vi, a.outcome.measure,
                             method=plan.estimator, test=plan.inference, level=plan.level)
            assert r.estimate == pytest.approx(direct.benchmark.estimate, rel=1e-6, abs=1e-9)
            assert r.tau2 == pytest.approx(direct.benchmark.tau2, rel=1e-5, abs=1e-8)
            if direct.predictive is not None:
                assert r.predictive.pval == pytest.approx(direct.predictive.pval, rel=1e-5)
                assert r.difference.pval == pytest.approx(direct.difference.pval, rel=1e-5)
            checked += 1
    assert checked >= 10


def test_results_json_gives_the_provenance_of_every_number_used(bundled):
    result, _, _, data = bundled
    rows = data["provenance"]
    assert len(rows) == len(result.analysis.provenance)
    used = {(x["study"]) for rec in data["comparisons"] for x in rec["arms_used"]}
    assert used <= {r["study"] for r in rows}
    for r in rows[:50]:
        lines = (ROOT / r["file"]).read_text().splitlines() if not Path(r["file"]).is_absolute() \
            else Path(r["file"]).read_text().splitlines()
        assert 1 <= r["line"] <= len(lines)
        key = r["field"].rsplit(".", 1)[-1].split("[")[0]
        assert key in lines[r["line"] - 1] or r["derived"], r


def test_the_calibrated_test_range_and_adjusted_benchmarks_are_rendered_and_written(bundled):
    from reports.context import hook_items
    from reports.results_file import comparison_record

    result, _, _, _ = bundled
    tested = [x for x in result.analyses if x.decision_test is not None]
    assert len(tested) >= 8
    for a in tested:
        labels = dict(hook_items(a))
        assert "Calibrated predictive test (decides)" in labels
        assert "Era-adjusted benchmark" in labels
        rec = comparison_record(a)
        assert rec["decision_test"]["method"] == a.decision_test.method
        assert rec["decision_test"]["pval"] == pytest.approx(a.decision_test.pval)
        assert len(rec["decision_test"]["scenarios"]) == len(a.index_interval.scenarios)
        assert rec["era_adjusted"]["covariate"] == "enrolment_mid_year"
        if a.verdict.decisive:
            assert rec["fragility_patients"] == a.fragility_patients
    medians = [a for a in tested if a.outcome.kind == "median"]
    assert medians and all(a.index_interval.kind.value == "median_events" for a in medians)
    assert all(len(dict(hook_items(a))["Index plausible range"]) > 0 for a in medians)


def test_imprecise_prediction_intervals_are_marked_on_page_one(bundled):
    from reports.summary import IMPRECISE, row

    result, _, _, _ = bundled
    marked = 0
    for a in result.analyses:
        c = a.comparison
        if c is None or c.benchmark.k < 2:
            continue
        want = c.benchmark.k < 5 or c.benchmark.tau2 == 0
        assert row(a)[4].endswith(IMPRECISE) == want, (a.outcome.id, a.group.id)
        marked += want
    assert marked >= 1
