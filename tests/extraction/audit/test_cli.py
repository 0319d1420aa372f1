"""`hccmeta audit` (text/csv/json, --strict, exit codes) and `hccmeta diff` (double extraction)."""

from __future__ import annotations

import csv
import io
import json

import pytest
from audit_helpers import CASES, line_of
from typer.testing import CliRunner

from reports.cli import app

ERR = CASES / "errors" / "err2020.yaml"
A = CASES / "diff" / "a" / "diff2020.yaml"
B = CASES / "diff" / "b" / "diff2020.yaml"


def run(*args: str):
    return CliRunner().invoke(app, list(args))


def _orr_line() -> int:
    return line_of(ERR.read_text(encoding="utf-8"), "# orr-a-percent")


def test_audit_text_prints_one_located_line_per_finding():
    result = run("audit", str(ERR))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == (f"{ERR}:{_orr_line()}: error percent-count: outcomes.binary[0].percent: "
                        "expected 31.0% to equal events/total = 30/100 = 30.00% at the printed "
                        "precision; count(s) printing as 31.0% of 100: 31")
    assert len(lines) == 2 and " info derived: " in lines[1]
    assert "1 error(s), 0 warning(s), 1 info in 1 file(s)" in result.stderr


def test_audit_strict_exits_1_on_errors_and_0_when_clean():
    assert run("audit", "--strict", str(ERR)).exit_code == 1
    assert run("audit", "--strict", str(CASES / "clean")).exit_code == 0


def test_audit_csv_has_a_header_and_a_row_per_finding():
    result = run("audit", "--format", "csv", str(ERR))
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["check"] for r in rows] == ["percent-count", "derived"]
    first = rows[0]
    assert (first["line"], first["severity"], first["field"], first["study"]) == (
        str(_orr_line()), "error", "outcomes.binary[0].percent", "err2020")
    assert json.loads(first["numbers"]) == {"percent": 31.0, "events": 30, "total": 100}


def test_audit_json_is_a_list_of_findings():
    result = run("audit", "--format", "json", "--severity", "error", str(ERR))
    data = json.loads(result.stdout)
    assert [(d["check"], d["line"], d["severity"]) for d in data] == [
        ("percent-count", _orr_line(), "error")]
    assert data[0]["related"] == ["outcomes.binary[0].events", "outcomes.binary[0].total"]


def test_audit_invalid_file_prints_validation_errors_and_exits_2():
    result = run("audit", str(CASES / "invalid"))
    assert result.exit_code == 2
    assert result.stdout.startswith(f"{CASES / 'invalid' / 'bad2020.yaml'}:18:8: arms[0].n: "
                                    "expected a number >= 1, got 0")
    assert "Traceback" not in result.output


@pytest.mark.parametrize("args", [["--format", "xml"], ["--severity", "fatal"],
                                  ["missing_dir_xyz"]])
def test_audit_bad_arguments_exit_2_with_one_line(args):
    result = run("audit", *args, *([] if "missing" in args[0] else [str(ERR)]))
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_audit_writes_the_trail_csv(tmp_path):
    out = tmp_path / "trail.csv"
    result = run("audit", "--trail", str(out), str(ERR))
    assert result.exit_code == 0
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    row = next(r for r in rows if r["field"] == "outcomes.binary[0].percent")
    assert (row["raw"], row["status"], row["line"]) == ("31.0", "error", str(_orr_line()))


def test_audit_list_checks_names_every_check_id():
    from extraction.audit import CHECKS

    result = run("audit", "--list-checks")
    assert result.exit_code == 0
    assert {line.split()[0] for line in result.stdout.splitlines()} == set(CHECKS)


def test_diff_reports_each_difference_with_both_lines_and_the_agreement_rate():
    result = run("diff", str(A), str(B))
    assert result.exit_code == 1
    a_text, b_text = A.read_text(encoding="utf-8"), B.read_text(encoding="utf-8")
    lines = result.stdout.splitlines()
    title = line_of(a_text, "title:")
    assert lines.pop(0) == (f"{A}:{title} vs {B}:{title}: citation.title: 'A synthetic trial for "
                            "audit tests' vs 'A synthetic trial for audit tests (B)'")
    assert lines[0] == (f"{A}:{line_of(a_text, '# orr-a-events')} vs "
                        f"{B}:{line_of(b_text, '# orr-a-events')}: "
                        "outcomes.binary[orr/a/recist_1.1].events: 30 vs 31")
    assert lines[1] == (f"{A}:{line_of(a_text, '# orr-a-ci-lower')}: only in A: "
                        "outcomes.binary[orr/a/recist_1.1].ci_lower = 21.2")
    # arms swapped, extractor name, 0.0040 vs 0.004 and an explicit default: no difference.
    # numeric fields: 60 in A; B lacks ci_lower and adds ci_level (its default) -> 61 in all,
    # identical: all but events and ci_lower
    assert lines[2] == "by field: ci_lower 3/4, events 7/8"
    assert lines[3] == "categorical fields: 53/53 identical, Cohen's kappa 1.00"
    assert lines[-1] == "agreement: 59/61 numeric fields identical (96.7%)"
    assert len(lines) == 5
    numbers_only = run("diff", "--numbers-only", str(A), str(B)).stdout.splitlines()
    assert numbers_only == [line for line in lines if not line.startswith("categorical")]


def test_diff_of_identical_files_exits_0_with_full_agreement(tmp_path):
    copy = tmp_path / A.name  # a copy: the same file twice is refused (not a second extraction)
    copy.write_bytes(A.read_bytes())
    result = run("diff", str(A), str(copy))
    assert result.exit_code == 0
    assert result.stdout.splitlines() == ["categorical fields: 53/53 identical, Cohen's kappa 1.00",
                                          "agreement: 60/60 numeric fields identical (100.0%)"]


def test_diff_of_invalid_or_missing_file_exits_2():
    bad = run("diff", str(A), str(CASES / "invalid" / "bad2020.yaml"))
    assert bad.exit_code == 2 and "arms[0].n: expected a number >= 1, got 0" in bad.stdout
    missing = run("diff", str(A), "nope.yaml")
    assert missing.exit_code == 2 and "Traceback" not in missing.output
