"""Issue 15, lost files: ``report --out`` replaces only an earlier hccmeta report (recognised by
its marker), and ``schema --out`` / ``audit --trail`` never write into the library or over their
own input."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hostile_helpers import STUDIES, run, write_study

from reports.build import MARKER, ReportError, check_out


@pytest.mark.parametrize("content", ["figures", "report.pdf", "report.html"])
def test_report_out_with_only_report_named_files_is_not_replaced(tmp_path, content):
    out = tmp_path / "out"
    out.mkdir()
    (out / content).mkdir() if content == "figures" else (out / content).write_text("mine")
    with pytest.raises(ReportError, match="earlier hccmeta report"):
        check_out(out, tmp_path / "lib")
    (out / MARKER).write_text("")
    check_out(out, tmp_path / "lib")  # an earlier report: may be replaced


def test_report_out_holding_the_plan_is_refused(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / MARKER).write_text("")
    plan = out / "plan.yaml"
    plan.write_text("x")
    with pytest.raises(ReportError, match="report's input"):
        check_out(out, tmp_path / "lib", (plan,))


def test_report_cli_keeps_a_users_pdf(tmp_path):
    lib = tmp_path / "lib"
    lib.mkdir()
    for sid in ("zhai2025", "kim2024"):
        shutil.copy(STUDIES / f"{sid}.yaml", lib)
    out = tmp_path / "out"
    out.mkdir()
    (out / "report.pdf").write_bytes(b"%PDF my own")
    result = run("report", "--studies", lib, "--out", out)
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert (out / "report.pdf").read_bytes() == b"%PDF my own"


def _library(tmp_path: Path) -> Path:
    lib = tmp_path / "studies"
    write_study(lib)
    return lib


def test_schema_out_refuses_a_study_file_and_the_library(tmp_path, monkeypatch):
    lib = _library(tmp_path)
    monkeypatch.chdir(tmp_path)
    study = lib / "x2020.yaml"
    before = study.read_text()
    for target in (study, lib / "schema.json", Path("studies/new.yaml")):
        result = run("schema", "--out", target)
        assert result.exit_code == 2, (target, result.output)
        assert len(result.stderr.strip().splitlines()) == 1 and "library" in result.stderr
    assert study.read_text() == before and not (lib / "schema.json").exists()


def test_audit_trail_refuses_its_input_and_the_library(tmp_path, monkeypatch):
    lib = _library(tmp_path)
    monkeypatch.chdir(tmp_path)
    study = lib / "x2020.yaml"
    before = study.read_text()
    elsewhere = tmp_path / "mine"
    write_study(elsewhere, sid="y2020")
    for args in (("audit", study, "--trail", study), ("audit", lib, "--trail", lib / "t.csv"),
                 ("audit", elsewhere / "y2020.yaml", "--trail", elsewhere / "y2020.yaml"),
                 ("audit", "--trail", "studies/trail.csv")):
        result = run(*args)
        assert result.exit_code == 2, (args, result.output)
        assert "Traceback" not in result.output
    assert study.read_text() == before and not (lib / "t.csv").exists()
    assert (elsewhere / "y2020.yaml").read_text().startswith("schema_version")
    ok = run("audit", study, "--trail", tmp_path / "trail.csv")
    assert ok.exit_code == 0 and (tmp_path / "trail.csv").is_file()


def test_audit_trail_refuses_a_digitized_curve_of_the_audited_study(tmp_path):
    folder = tmp_path / "mine"
    (folder / "km").mkdir(parents=True)
    curve = folder / "km" / "c.csv"
    curve.write_text("time,survival\n0,1\n6,0.8\n12,0.5\n")
    text = (STUDIES / "kim2024.yaml").read_text(encoding="utf-8").replace(
        "\ncuration:", "\ncurves:\n  - endpoint: os\n    arm: nivo_ebrt\n    file: km/c.csv\n"
        "    source: {location: figure, label: Figure 2}\ncuration:", 1)
    (folder / "kim2024.yaml").write_text(text, encoding="utf-8")
    result = run("audit", folder / "kim2024.yaml", "--trail", curve)
    assert result.exit_code == 2 and "input" in result.stderr, result.output
    assert curve.read_text().startswith("time,survival\n0,1")
