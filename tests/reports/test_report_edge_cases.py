"""Regression tests for the report reviewers' findings (R7, R8, F7-F11, F19-F21).

Each test is named for its finding. Expected numbers are computed here independently (scipy's
normal quantiles, the study files' own text), never copied from a report.
"""

from __future__ import annotations

import math
import re
import shutil
from pathlib import Path

import pytest
from pdf_reading import pdf_text
from scipy import stats
from typer.testing import CliRunner

from extraction import load_paths
from reports import fmt, references, render
from reports.analysis.data import outcome_data, replaced_by, superseded
from reports.analysis.groups import analyse_group, effect_sizes
from reports.build import build_report
from reports.cli import app
from reports.context import SCALES, methods, robustness_text, summary_line
from reports.figures.forest_frame import MARK, forest_frame, study_interval
from reports.plan import DEFAULT_PLAN, PlanError, load_plan
from reports.sections import audit_rows, studies_table

ROOT = Path(__file__).resolve().parents[2]
STUDIES = ROOT / "studies"


@pytest.fixture(scope="module")
def bundled(bundled_records):
    records = bundled_records
    plan, _ = load_plan()
    datas = [outcome_data(records, plan, o) for o in plan.outcomes]
    return records, plan, datas


def _outcome(plan, oid):
    return next(o for o in plan.outcomes if o.id == oid)


def _group(plan, gid):
    return next(g for g in plan.groups if g.id == gid)


def _library(tmp_path: Path, ids: list[str], external: bool = True) -> Path:
    lib = tmp_path / "studies"
    lib.mkdir()
    for sid in ids:
        shutil.copy(STUDIES / f"{sid}.yaml", lib / f"{sid}.yaml")
    if external:
        (lib / "external").mkdir()
        shutil.copy(references.reference_file(STUDIES), references.reference_file(lib))
    return lib


# R8: a forest column headed "95% CI" never shows a 90% CI ------------------------------------


def test_r8_kim2024_os_90pct_ci_is_re_expressed_at_95pct_and_marked(bundled):
    _, plan, datas = bundled
    outcome = _outcome(plan, "os_median")
    data = datas[plan.outcomes.index(outcome)]
    row = data.frame[data.frame["study"] == "kim2024"].iloc[0]
    assert (row["median"], row["ci_lower"], row["ci_upper"], row["ci_level"]) == (
        15.2, 10.8, 19.6, 90)  # studies/kim2024.yaml, "15.2 (90% CI 10.8–19.6)"
    # independent: SE of log median from the 90% CI, then median * exp(±z95 SE)
    se = (math.log(19.6) - math.log(10.8)) / (2 * stats.norm.ppf(0.95))
    z95 = stats.norm.ppf(0.975)
    want = (15.2, 15.2 * math.exp(-z95 * se), 15.2 * math.exp(z95 * se))
    arms, _ = effect_sizes(data.frame[data.frame["study"] == "kim2024"], outcome, 95.0)
    got = study_interval(arms.iloc[0], "MED", "median", 95.0)
    assert got == pytest.approx(want, rel=1e-9)  # same formula, float round-off only
    assert fmt.est_ci(*got) == "15.2 [10.7, 21.7]"  # the reviewer's figures
    a = analyse_group(data, _group(plan, "rt_ici"), plan)
    frame = forest_frame(a, a.comparison.benchmark if a.comparison else None, "Zhai 2025",
                         None, [], plan.level, plan.subgroup_by)
    kim = frame[frame["label"].str.startswith("Kim 2024")].iloc[0]
    assert kim["right"] == f"15.2 [10.7, 21.7]{MARK}"
    notes = frame[frame["kind"] == "note"]["label"].tolist()
    assert any(n.startswith(MARK) and "from the published 90% CI" in n for n in notes), notes


def test_r8_a_ci_at_the_plan_level_is_shown_as_published_and_unmarked(bundled):
    _, plan, datas = bundled
    outcome = _outcome(plan, "os_median")
    data = datas[plan.outcomes.index(outcome)]
    arms, _ = effect_sizes(data.frame[~data.frame["is_index"]], outcome, 95.0)
    at95 = arms[(arms["ci_level"] == 95) & arms["ci_lower"].notna()]
    assert len(at95) >= 3
    for _, r in at95.iterrows():
        assert study_interval(r, "MED", "median", 95.0) == (r["median"], r["ci_lower"],
                                                           r["ci_upper"])
    # at a 90% plan level the same rows are re-expressed (and Kim's 90% CI is shown as is)
    kim = arms[arms["study"] == "kim2024"].iloc[0]
    assert study_interval(kim, "MED", "median", 90.0) == (15.2, 10.8, 19.6)
    r = at95[at95["study"] == "abououalfa2022_himalaya"].iloc[0]  # a CI symmetric on the log scale
    assert study_interval(r, "MED", "median", 90.0)[1] > r["ci_lower"]


# F7: counts derived from a percent have an appendix row ---------------------------------------


def test_f7_events_derived_from_percent_get_a_derived_audit_row(tmp_path):
    lib = _library(tmp_path, ["zhai2025", "kim2024"], external=False)
    path = lib / "zhai2025.yaml"
    text = path.read_text()
    for line in ("      events: 81\n", "      count: 33\n"):
        assert line in text
        text = text.replace(line, "", 1)
    text = re.sub(r"(?m)^        (events|count): \"(75\.0|30\.6)% of 108.*\n", "", text)
    path.write_text(text)
    records, issues = load_paths([lib])
    assert not issues, [i.format() for i in issues]
    plan, _ = load_plan()
    percent_line = {n: text.splitlines().index(f"      percent: {n}") + 1
                    for n in ("75.0", "30.6")}
    for oid, name, pct, want in (("orr", "events", "75.0", 81), ("ae_g3", "count", "30.6", 33)):
        data = outcome_data(records, plan, _outcome(plan, oid))
        rows = [r for r in audit_rows([data], tmp_path / "out") if "zhai2025" in r["where"]]
        derived = [r for r in rows if r["field"].endswith(f".{name}")]
        assert len(derived) == 1, rows
        row = derived[0]
        assert want == round(float(pct) * 108 / 100)  # the count the report uses
        assert row["value"] == str(want)
        assert row["where"] == f"zhai2025.yaml:{percent_line[pct]}"
        assert f"{name} = round({pct}% × 108) = {want}" in row["derived"]
        assert row["status"] == "derived by the report"
        assert any(r["field"].endswith(".percent") and r["value"] == pct for r in rows)


# R7: superseded studies: the note says what they are used for ---------------------------------


def test_r7_superseded_note_lists_exactly_the_outcomes_the_old_analysis_is_used_for(bundled):
    records, plan, datas = bundled
    _, notes = studies_table(records, datas, plan)
    gone = superseded(records)
    assert {"abououalfa2022_himalaya", "finn2020_imbrave150"} <= set(gone)
    for old, newer in gone.items():
        used = [d.outcome.label for d in datas
                if not d.frame.empty and old in set(d.frame["study"])]
        note = next(n for n in notes if n.startswith(f"studies/{old}.yaml") or
                    f"/{old}.yaml is superseded" in n)
        if used:
            assert "not pooled" not in note
            assert (f"used only for outcomes that {newer} does not report for the same arm "
                    f"(here: {', '.join(used)})") in note
        else:
            assert note.endswith("not pooled.")
    assert any("Objective response rate" in n for n in notes if "abououalfa2022" in n)
    assert any("Disease control rate" in n for n in notes if "finn2020" in n)
    text = " ".join(methods(plan, []))
    assert "Superseded analyses and" not in text
    assert "used only for outcomes that the later one does not report" in text


# F9 / F10 / F11: the plan ---------------------------------------------------------------------


def _plan_file(tmp_path: Path, old: str, new: str) -> Path:
    text = DEFAULT_PLAN.read_text()
    assert old in text
    path = tmp_path / "plan.yaml"
    path.write_text(text.replace(old, new, 1))
    return path


def test_f9_duplicate_outcome_and_group_ids_are_rejected_with_their_line(tmp_path):
    path = _plan_file(tmp_path, "  - id: dcr", "  - id: orr")
    with pytest.raises(PlanError) as info:
        load_plan(path)
    line = DEFAULT_PLAN.read_text().splitlines().index("  - id: dcr") + 1
    assert [i.format() for i in info.value.issues] == [
        f"{path}:{line}:9: outcomes[1].id: expected a unique id, got 'orr' again "
        "(also outcomes[0].id)"]
    path = _plan_file(tmp_path, "  - id: tki", "  - id: rt_ici")
    with pytest.raises(PlanError) as info:
        load_plan(path)
    line = DEFAULT_PLAN.read_text().splitlines().index("  - id: tki") + 1
    assert any(m.format().startswith(f"{path}:{line}:9: groups[2].id: expected a unique id")
               for m in info.value.issues)


def test_f10_unknown_reference_id_exits_2_located_at_the_plan_line(tmp_path):
    path = _plan_file(tmp_path, "    references: [cui2025_rt_ici]", "    references: [nope]")
    line = path.read_text().splitlines().index("    references: [nope]") + 1
    res = CliRunner().invoke(app, ["report", "--plan", str(path), "--out",
                                   str(tmp_path / "out")])
    assert res.exit_code == 2, res.output
    assert (f"{path}:{line}:18: groups[0].references[0]: expected one of cui2025_rt_ici, "
            "tang2019_ici, ici_hcc_12studies_2021") in res.output
    assert "got 'nope'" in res.output and "Traceback" not in res.output
    assert not (tmp_path / "out").exists()


def test_f10_check_plan_accepts_the_default_plan_and_skips_a_library_without_the_file():
    plan, doc = load_plan()
    assert references.check_plan(plan, doc, "p", references.load(STUDIES)) == []
    bad = plan.model_copy(update={"groups": [plan.groups[0].model_copy(
        update={"references": ["nope"]})]})
    assert references.check_plan(bad, doc, "p", references.ReferenceLibrary()) == []
    assert len(references.check_plan(bad, doc, "p", references.load(STUDIES))) == 1


def test_f11_empty_estimator_list_is_rejected(tmp_path):
    path = _plan_file(tmp_path, "  estimators: [FE, DL, REML, ML, PM, HS, SJ, EB, HE]",
                      "  estimators: []")
    with pytest.raises(PlanError) as info:
        load_plan(path)
    assert any("sensitivity.estimators: expected at least 1 item, got 0" in i.format()
               for i in info.value.issues)


def test_f11_robustness_claim_names_only_what_was_checked(bundled):
    _, plan, datas = bundled
    outcome = _outcome(plan, "orr")
    data = datas[plan.outcomes.index(outcome)]
    group = _group(plan, "tki")  # ORR vs TKI arms: the verdict holds under each of these
    seen = 0
    for estimators, inference in ((["DL"], ["z"]), (["DL", "PM"], ["z"]), ([], ["z", "knha"]),
                                  ([], ["z"])):
        sens = plan.sensitivity.model_copy(update={"estimators": estimators,
                                                   "inference": inference})
        p = plan.model_copy(update={"sensitivity": sens})
        a = analyse_group(data, group, p)
        assert a.comparison is not None and a.comparison.difference is not None
        text = robustness_text(a)
        assert "all 0" not in text and "all 1 " not in text
        if text.startswith("; the verdict holds"):
            seen += 1
            assert ("Knapp–Hartung" in text) == ("knha" in inference)
            if estimators == ["DL"]:
                assert "the tau² estimator DL" in text
            if len(estimators) == 2:
                assert "all 2 tau² estimators" in text
        if not estimators and inference == ["z"]:
            assert text == ""
        assert "every tau² estimator" not in " ".join(methods(p, []))
        assert summary_line(a) is not None
    assert seen == 3


# F19: one name per scale; whitespace normalised once for PDF and HTML --------------------------


def test_f19_scale_names_and_u2028_are_the_same_in_pdf_and_html(tmp_path):
    lib = _library(tmp_path, ["zhai2025", "kim2024", "chen2023"])
    path = lib / "zhai2025.yaml"
    text = path.read_text()
    old = "a real-world study of 108 patients"
    assert old in text
    path.write_text(text.replace(old, "a real-world\u2028study of 108 patients", 1))
    plan = _plan_file(tmp_path, "    measure: PLO", "    measure: PFT")  # ORR as Freeman–Tukey
    result = build_report(lib, plan, tmp_path / "out")
    scales = [o["scale"] for o in result.context["outcomes"]]
    assert set(scales) <= set(SCALES.values()) and SCALES["PFT"] in scales
    html = result.html.read_text()
    pdf = pdf_text(result.pdf)
    assert "\u2028" not in html and old in html and old in pdf
    for scale in {o["scale"] for o in result.context["outcomes"]}:
        assert f"Analysis scale: {scale}." in html and f"Analysis scale: {scale}." in pdf
    # F21 + F8 on the same build: one numbering, reference numbers traced to their lines
    ref_rows = result.context["audit"]["references"]
    assert [r["id"] for r in ref_rows] == [f"R{i + 1}" for i in range(len(ref_rows))]
    assert ref_rows and all(re.fullmatch(r"published_pooled\.yaml:\d+", r["where"])
                            for r in ref_rows)
    assert "re-expressed from the published 90% CI" in pdf


def test_f19_plain_text_is_the_one_normaliser_of_both_templates():
    assert render.plain_text("a\u2028b\u2029c\t d\ne") == "a b c d e"
    assert render.typst_escape("a\u2028b") == "a b"
    html = render._env_html().from_string("{{ x }}").render(x="<a>\u2028b")
    assert html == "&lt;a&gt; b"


# F8: reference values trace to file:line ------------------------------------------------------


def test_f8_every_reference_number_shown_has_a_located_appendix_row(tmp_path):
    library = references.load(STUDIES)
    plan, _ = load_plan()
    lines = references.reference_file(STUDIES).read_text().splitlines()
    outcome, group = _outcome(plan, "orr"), _group(plan, "rt_ici")
    refs = references.for_group(library, outcome, group)
    assert [r["line"].id for r in refs] == ["cui2025_rt_ici"]
    rows = references.audit_rows(refs, outcome, library, tmp_path)
    by_field = {r["field"]: r for r in rows}
    base = "references[0]"
    want = {f"{base}.pooled.orr.value": "0.544", f"{base}.pooled.orr.ci95[0]": "0.468",
            f"{base}.pooled.orr.ci95[1]": "0.620", f"{base}.patients": "633",
            f"{base}.studies": "16"}
    assert {k: by_field[k]["value"] for k in want} == want
    for row in rows:
        n = int(row["where"].split(":")[1])
        assert row["value"] in lines[n - 1], (row, lines[n - 1])
        assert row["href"].endswith(f"published_pooled.yaml#L{n}")
    # I² from the meta-analysis' heterogeneity block (Tang 2019) and per item (12 studies)
    group = _group(plan, "ici_1l_phase3")
    refs = references.for_group(library, outcome, group)
    rows = references.audit_rows(refs, outcome, library, tmp_path)
    i2 = {r["field"]: r["value"] for r in rows if r["field"].endswith("I2")}
    assert i2 == {"references[1].heterogeneity.I2": "0.0",
                  "references[2].pooled.orr.I2": "56.2"}
    assert all("id" not in r for r in rows)  # F21: numbered once, by the build


# F20: one unit function; one superseded rule --------------------------------------------------


def test_f20_units_come_from_one_function():
    assert (fmt.unit("median"), fmt.unit_suffix("median")) == ("months", " months")
    assert (fmt.unit("proportion"), fmt.unit_suffix("landmark")) == ("%", "%")
    pattern = re.compile(r"""["' ]*months["'] if .*kind == "median" else ["']%""")
    offenders = [p.name for p in (ROOT / "reports").glob("*.py")
                 if p.name != "survival_section.py" and pattern.search(p.read_text())]
    assert offenders == []


def test_f20_replaced_by_is_the_rule_outcome_data_applies(bundled):
    records, plan, datas = bundled
    finn = next(r for r in records if r.id == "finn2020_imbrave150")
    assert replaced_by(records, finn, "atezo_bev", lambda r, a: True) == "cheng2022_imbrave150"
    assert replaced_by(records, finn, "atezo_bev", lambda r, a: False) is None
    assert replaced_by(records, finn, "no_such_arm", lambda r, a: True) is None
    cheng = next(r for r in records if r.id == "cheng2022_imbrave150")
    assert replaced_by(records, cheng, "atezo_bev", lambda r, a: True) is None
    orr = datas[[o.id for o in plan.outcomes].index("orr")]
    dcr = datas[[o.id for o in plan.outcomes].index("dcr")]
    assert any(e.label.startswith("Finn 2020") and e.rule == "superseded"
               and e.reason == "superseded by cheng2022_imbrave150"
               for e in orr.excluded)  # the update reports ORR: the old one is not used
    assert "finn2020_imbrave150" in set(dcr.frame["study"])  # the update has no DCR
