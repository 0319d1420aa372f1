"""`hccmeta report --out` never destroys anything but an earlier report (review finding: it used
to replace any path, the study library included), file-system errors exit 2 in one line, curve
CSVs are hashed into the reproducibility stamp, and the summary gives the index arm's n."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reports.build import MARKER, ReportError, build_report
from reports.cli import app

STUDIES = Path(__file__).parents[2] / "studies"


def _library(tmp_path: Path) -> Path:
    lib = tmp_path / "lib"
    lib.mkdir()
    for sid in ("zhai2025", "kim2024", "chen2023"):
        shutil.copy(STUDIES / f"{sid}.yaml", lib / f"{sid}.yaml")
    return lib


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_report_refuses_to_replace_the_study_library(tmp_path):
    lib = _library(tmp_path)
    before = _snapshot(lib)
    for out in (lib, lib / "report", tmp_path):
        result = CliRunner().invoke(app, ["report", "--studies", str(lib), "--out", str(out)])
        assert result.exit_code == 2, result.output
        assert "outside the study library" in result.output
        assert "Traceback" not in result.output
    assert _snapshot(lib) == before


def test_report_refuses_a_file_and_a_foreign_folder(tmp_path):
    lib = _library(tmp_path)
    a_file = tmp_path / "notes.txt"
    a_file.write_text("keep me")
    foreign = tmp_path / "thesis"
    foreign.mkdir()
    (foreign / "chapter1.tex").write_text("keep me too")
    for out, words in ((a_file, "got an existing file"), (foreign, "other entries")):
        with pytest.raises(ReportError, match=words):
            build_report(lib, None, out)
    assert a_file.read_text() == "keep me"
    assert (foreign / "chapter1.tex").read_text() == "keep me too"


def test_an_earlier_report_or_an_empty_folder_is_replaced(tmp_path):
    lib = _library(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    first = build_report(lib, None, out)
    assert (out / MARKER).is_file() and first.pdf.is_file()
    (out / "stale.txt").write_text("left by an earlier build")  # a report folder (has MARKER)
    build_report(lib, None, out)
    assert not (out / "stale.txt").exists() and (out / "report.pdf").is_file()


def test_unwritable_out_is_one_line_exit_2(tmp_path):
    lib = _library(tmp_path)
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where a folder is needed")
    result = CliRunner().invoke(app, ["report", "--studies", str(lib), "--out",
                                      str(blocker / "sub")])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "expected a writable output folder" in result.output


def test_curve_csvs_are_in_the_stamp_and_index_n_is_the_index_arm(tmp_path):
    lib = _library(tmp_path)
    (lib / "km").mkdir()
    curve = lib / "km" / "kim_os.csv"
    curve.write_text("time,survival\n0,1\n6,0.8\n12,0.6\n18,0.45\n")
    text = (lib / "kim2024.yaml").read_text()
    text = text.replace("\ncuration:", "\ncurves:\n  - endpoint: os\n    arm: nivo_ebrt\n"
                        "    file: km/kim_os.csv\n    source: {location: figure, label: "
                        "Figure 2}\ncuration:", 1)
    (lib / "kim2024.yaml").write_text(text)
    first = build_report(lib, None, tmp_path / "a")
    html = first.html.read_text()
    assert "kim_os.csv" in html and "n = 108" in html
    curve.write_text("time,survival\n0,1\n6,0.8\n12,0.6\n18,0.20\n")
    second = build_report(lib, None, tmp_path / "b")
    digest = "input digest"
    assert html.split(digest)[1][:40] != second.html.read_text().split(digest)[1][:40]


def test_links_to_study_files_are_url_encoded(tmp_path):
    lib = tmp_path / "my lib#1"
    lib.mkdir()
    for sid in ("zhai2025", "kim2024"):
        shutil.copy(STUDIES / f"{sid}.yaml", lib / f"{sid}.yaml")
    result = build_report(lib, None, tmp_path / "out")
    html = result.html.read_text()
    assert 'href="../my%20lib%231/zhai2025.yaml#L' in html
    assert 'href="../my lib#1/' not in html
