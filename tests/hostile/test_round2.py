"""Adversarial round 2 (plan options, IPD, report --index, plan new, pool --forest, diff pairing):
the defects it found, one test each."""

from __future__ import annotations

import os
import re

from hostile_helpers import ROOT, run

GEN = "study,yi,sei\nLee 2021,-0.36,0.12\nCruz 2019,-0.11,0.20\nKim 2020,-0.2,0.15\n"


def test_plan_new_refuses_a_file_in_the_study_library(tmp_path, monkeypatch):
    # `plan new studies/p.yaml` wrote a plan into the library: every later validate/report then
    # failed on it as a study file (19 errors "expected a known field")
    (tmp_path / "studies").mkdir()
    monkeypatch.chdir(tmp_path)
    result = run("plan", "new", "studies/p.yaml")
    assert result.exit_code == 2, result.output
    assert "study library" in result.stderr
    assert not (tmp_path / "studies" / "p.yaml").exists()


def test_pool_forest_refuses_a_path_in_the_study_library(tmp_path, monkeypatch):
    # `pool --forest studies/ipd/f.svg` wrote the figure into the study library
    (tmp_path / "studies" / "ipd").mkdir(parents=True)
    (tmp_path / "g.csv").write_text(GEN, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = run("pool", "--csv", "g.csv", "--measure", "GEN", "--forest", "studies/ipd/f.svg")
    assert result.exit_code == 2, result.output
    assert "study library" in result.stderr
    assert os.listdir(tmp_path / "studies" / "ipd") == []


def test_pool_forest_still_writes_elsewhere(tmp_path):
    (tmp_path / "g.csv").write_text(GEN, encoding="utf-8")
    result = run("pool", "--csv", tmp_path / "g.csv", "--measure", "GEN",
                 "--forest", tmp_path / "f.svg")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "f.svg").stat().st_size > 0


def test_a_catastrophic_arm_label_regex_is_refused_not_run(tmp_path):
    # arm_labels ['(.*)*x$'] hung `hccmeta report` (exponential backtracking on a 76-character
    # arm label; > 2 minutes, no message)
    import subprocess
    import sys

    text = (ROOT / "reports" / "plans" / "default.yaml").read_text(encoding="utf-8")
    text = text.replace("arm_labels: ['sorafenib\\b.*']", "arm_labels: ['(.*)*x$']")
    assert "(.*)*x$" in text
    plan = tmp_path / "plan.yaml"
    plan.write_text(text, encoding="utf-8")
    code = "import sys; from reports.cli import main; sys.argv[0] = 'hccmeta'; main()"
    result = subprocess.run([sys.executable, "-c", code, "report", "--plan", str(plan),
                             "--out", str(tmp_path / "out")], cwd=ROOT, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 2, result.stderr
    assert "arm_labels" in result.stderr
    assert "Traceback" not in result.stderr


def test_index_with_an_empty_arm_is_refused(tmp_path):
    # `--index zhai2025:` (arm left empty) built the report with exit 0 as if no arm was named
    result = run("report", "--out", tmp_path / "out", "--index", "zhai2025:")
    assert result.exit_code == 2, result.output
    assert "STUDY:ARM" in result.stderr
    assert not (tmp_path / "out").exists()


def test_diff_reports_a_value_the_yaml_layer_dropped(tmp_path):
    # diff skipped the YAML layer's findings: a bidi override in an optional field (notes) was
    # dropped and the files compared "100% identical" with exit 0; in `id` it was reported as
    # "expected text, got nothing (null)"
    text = (ROOT / "studies" / "kim2024.yaml").read_text(encoding="utf-8")
    other = tmp_path / "kim2024_b.yaml"
    text = re.sub(r"(?m)^notes: .*$", 'notes: "x\u202e y"', text)
    assert "\u202e" in text
    other.write_text(text, encoding="utf-8")
    result = run("diff", ROOT / "studies" / "kim2024.yaml", other)
    assert result.exit_code == 2, result.output
    assert "bidirectional" in result.output + result.stderr


def test_an_empty_attributions_list_is_refused(tmp_path):
    # `attributions: []` matched no arm: every AE comparison became not_compared (exit 0) and the
    # report read "the index's are compared with ones [rule attribution]"
    text = (ROOT / "reports" / "plans" / "default.yaml").read_text(encoding="utf-8")
    text = re.sub(r"(?m)^(\s+attributions:) index\b", r"\1 []", text)
    assert "attributions: []" in text
    plan = tmp_path / "plan.yaml"
    plan.write_text(text, encoding="utf-8")
    result = run("report", "--plan", plan, "--out", tmp_path / "out")
    assert result.exit_code == 2, result.output
    assert "attributions" in result.stderr
    assert not (tmp_path / "out").exists()


def test_pool_forest_never_overwrites_its_input_csv(tmp_path):
    # a CSV named data.svg given as both --csv and --forest was replaced by the figure (exit 0)
    data = tmp_path / "data.svg"
    data.write_text(GEN, encoding="utf-8")
    result = run("pool", "--csv", data, "--measure", "GEN", "--forest", data)
    assert result.exit_code == 2, result.output
    assert data.read_text(encoding="utf-8") == GEN
