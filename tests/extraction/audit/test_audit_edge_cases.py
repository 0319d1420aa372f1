"""Regression tests for the second audit review (/tmp/rev2-audit-findings.md, findings 3, 4, 13,
14, 15, 16, 17 and 21b); each test names the finding it pins."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from audit_helpers import CASES, CLEAN, audit_file, line_of, mutate
from typer.testing import CliRunner

from extraction import load_study
from extraction.audit import audit_paths, build_trail, diff_records, load_extraction
from extraction.audit.intervals import p_below, p_not_below
from extraction.audit.proportions import agresti_coull, jeffreys, logit
from extraction.audit.trail import csv_safe
from reports.cli import app

FIXTURES = Path(__file__).resolve().parents[2] / "reference" / "fixtures"
CURVES = CASES / "curves"
LIBRARY = CASES / "library" / "lib2020.yaml"


def run(*args: str):
    return CliRunner().invoke(app, list(args))


# --- finding 3: --trail to a folder or an unwritable path ----------------------------------------

def test_f3_trail_to_a_folder_exits_2_with_one_line(tmp_path):
    result = run("audit", str(CLEAN), "--trail", str(tmp_path))
    assert result.exit_code == 2
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.stderr.strip() == (f"hccmeta audit: --trail: {tmp_path}: expected a file path, "
                                     "got a folder")


def test_f3_trail_below_a_file_exits_2_with_one_line(tmp_path):
    blocker = tmp_path / "plain.txt"
    blocker.write_text("x", encoding="utf-8")
    target = blocker / "trail.csv"
    result = run("audit", str(CLEAN), "--trail", str(target))
    assert result.exit_code == 2
    assert isinstance(result.exception, SystemExit)  # no traceback
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(f"hccmeta audit: --trail: {target}: expected a writable file path, "
                           "got ")


# --- finding 4 (formula injection) and 21b (integers as floats) in the trail CSV -----------------

def _trail_rows(tmp_path: Path, study: Path) -> list[dict[str, str]]:
    out = tmp_path / "trail.csv"
    result = run("audit", str(study), "--trail", str(out))
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))


def test_f4_trail_csv_neutralises_a_formula_in_a_quote(tmp_path):
    evil = '=HYPERLINK("http://evil.example","30.0%")'
    path, _ = mutate(tmp_path, 'label: "Table 2"}\n    - endpoint: cr',
                     f'label: "Table 2", quote: {json.dumps(evil)}}}\n    - endpoint: cr')
    rows = {r["field"]: r for r in _trail_rows(tmp_path, path)}
    assert rows["outcomes.binary[0].events"]["quote"] == "'" + evil
    # the trail itself keeps the quote as written (reports escape for their own format)
    trail = build_trail([load_study(path)], [])
    assert {r.quote for r in trail.rows if r.field == "outcomes.binary[0].events"} == {evil}


@pytest.mark.parametrize(("cell", "safe"), [
    ("=1+2", "'=1+2"), ("+A1", "'+A1"), ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"), ("\r=x", "'\r=x"), ("-0.5", "-0.5"), ("+1e-3", "+1e-3"),
    ("<0.001", "<0.001"), ("NE", "NE"), ("a=b", "a=b"), (-0.5, -0.5), (81, 81), (True, True),
])
def test_f4_csv_safe_prefixes_formula_starts_and_keeps_plain_numbers(cell, safe):
    assert csv_safe(cell) == safe


def test_f21b_trail_csv_writes_counts_as_integers(tmp_path):
    rows = {r["field"]: r for r in _trail_rows(tmp_path, CLEAN)}
    assert rows["outcomes.binary[0].events"]["value"] == "30"
    assert rows["arms[0].n"]["value"] == "100"
    assert rows["outcomes.binary[0].percent"]["value"] == "30.0"
    assert rows["contrasts[0].p_value"]["value"] == "0.004"
    frame = build_trail([load_study(CLEAN)], []).to_frame()
    events = frame.loc[frame.field == "outcomes.binary[0].events", "value"].item()
    assert events == 30 and isinstance(events, int)


# --- finding 13: the same trial name in two unlinked files ---------------------------------------

def _trial_file(folder: Path, study_id: str, name: str, extra: str = "") -> Path:
    text = LIBRARY.read_text(encoding="utf-8")
    text = (text.replace("id: lib2020", f"id: {study_id}")
            .replace("doi: 10.9999/dup.2020", f"doi: 10.9999/{study_id}")
            .replace("trial_ids: [NCT00000002]", f"trial_name: {json.dumps(name)}")
            .replace('"Hospital X, Test City"', json.dumps(f"Hospital {study_id}")))
    text = text.replace("curation:", extra + "curation:")
    path = folder / f"{study_id}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _trial_findings(folder: Path) -> set[tuple[str, int, str]]:
    result = audit_paths([folder])
    assert not result.issues, [i.format() for i in result.issues]
    return {(Path(f.file).name, f.line, f.field) for f in result.findings
            if f.check == "duplicate-trial"}


def test_f13_same_trial_name_in_unlinked_files_is_a_warning(tmp_path):
    a = _trial_file(tmp_path, "alpha2020", "IMbrave150")
    b = _trial_file(tmp_path, "beta2022", "imbrave-150 ")
    _trial_file(tmp_path, "gamma2021", "IMbrave050")
    line_a = line_of(a.read_text(encoding="utf-8"), "trial_name:")
    line_b = line_of(b.read_text(encoding="utf-8"), "trial_name:")
    assert _trial_findings(tmp_path) == {("alpha2020.yaml", line_a, "citation.trial_name"),
                                         ("beta2022.yaml", line_b, "citation.trial_name")}
    result = audit_paths([tmp_path])
    (first,) = [f for f in result.findings if f.check == "duplicate-trial"
                and f.file.endswith("alpha2020.yaml")]
    assert first.severity == "warning" and "trial name 'IMbrave150' also in" in first.message


def test_f13_linked_or_chained_files_of_one_trial_are_not_warned(tmp_path):
    link = "related:\n  - study: {0}\n    relation: {1}\n"
    _trial_file(tmp_path, "primary2018", "KEYNOTE-224")
    _trial_file(tmp_path, "update2022", "KEYNOTE-224", link.format("primary2018",
                                                                  "updated_analysis_of"))
    _trial_file(tmp_path, "cohort2022", "Keynote 224", link.format("primary2018", "same_trial"))
    # update2022 and cohort2022 are joined through primary2018 only
    assert _trial_findings(tmp_path) == set()
    _trial_file(tmp_path, "stray2023", "KEYNOTE224")
    assert {name for name, _, _ in _trial_findings(tmp_path)} == {
        "primary2018.yaml", "update2022.yaml", "cohort2022.yaml", "stray2023.yaml"}


# --- finding 14: one CSV reader for the audit and the reconstruction -----------------------------

def _curve_case(tmp_path: Path, file: str, old: str, new: str) -> tuple[Path, str]:
    shutil.copytree(CURVES, tmp_path / "case")
    target = tmp_path / "case" / file
    text = target.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
    target.write_text(text.replace(old, new), encoding="utf-8")
    study = tmp_path / "case" / "curve2020.yaml"
    return study, study.read_text(encoding="utf-8")


def _km_message(path: Path, kind: str) -> str:
    from extraction.km import KMInputError, read_curve_csv, read_risk_csv

    with pytest.raises(KMInputError) as caught:
        (read_curve_csv if kind == "curve" else read_risk_csv)(path)
    exc = caught.value
    return f":{exc.line}: {exc.field}: {exc.message}" if exc.line else f"{exc.field}: {exc.message}"


@pytest.mark.parametrize(("old", "new"), [
    ("0.4132,0.9833", "0.4132,nan"),
    ("0.4132,0.9833", "nan,0.9833"),
    ("0.4132,0.9833", "0.4132,inf"),
    ("0.4132,0.9833", "-inf,0.9833"),
])
def test_f14_non_finite_curve_rows_are_refused_like_reconstruct(tmp_path, old, new):
    study, text = _curve_case(tmp_path, "km/curve2020_os_a.csv", old, new)
    findings = audit_file(study)
    csv_path = study.parent / "km" / "curve2020_os_a.csv"
    expected = "km/curve2020_os_a.csv" + _km_message(csv_path, "curve")
    reads = [f for f in findings if f.check == "curve-read"]
    assert [(f.severity, f.line, f.message) for f in reads] == [
        ("error", line_of(text, "# curve-a-file"), expected)]
    # an inf no longer makes the audit guess a percent scale (no curve-range on a proportion curve)
    assert not [f for f in findings if f.check == "curve-range"]


def test_f14_risk_file_refused_by_reconstruct_is_a_curve_read_error(tmp_path):
    # non-increasing, whole numbers, increasing times: only make_risk_table's n >= 0 rule fails
    study, text = _curve_case(tmp_path, "km/curve2020_os_b_risk.csv", "36,0", "36,-1")
    findings = audit_file(study)
    expected = "km/curve2020_os_b_risk.csv" + _km_message(
        study.parent / "km" / "curve2020_os_b_risk.csv", "risk")
    assert [(f.check, f.line, f.message) for f in findings if f.severity == "error"] == [
        ("curve-read", line_of(text, "# risk-b"), expected)]


@pytest.mark.parametrize("content", [
    "time;survival\n0;1\n2,5;0,75\n",   # semicolons with decimal commas: both readers accept
    "0 1.0\n5 0.8\n10 0.5\n",           # whitespace, no header
    "months,surv\n0,100\n5,80\n10,50\n",  # percent
])
def test_f14_audit_accepts_what_reconstruct_reads(tmp_path, content):
    from extraction.km import read_curve_csv

    study, _ = _curve_case(tmp_path, "km/curve2020_os_a.csv", "0.4132,0.9833", "0.4132,0.9833")
    csv_path = study.parent / "km" / "curve2020_os_a.csv"
    csv_path.write_text(content, encoding="utf-8")
    read_curve_csv(csv_path)  # the reconstruction reads it
    assert [f.format() for f in audit_file(study) if f.check.startswith("curve")] == []


# --- finding 15: p '>0.05' although the CI excludes 1 -------------------------------------------

@pytest.mark.parametrize(("text", "not_below"), [
    (">0.05", True), ("≥0.05", True), (">=0.05", True), (">0.04", False), ("0.05", False),
    ("0.06", True), ("<0.05", False),
    ("0.1", False),  # 0.05 <= p < 0.15: the box's edge equal to alpha is left unflagged (as before)
])
def test_f15_p_not_below_alpha_treats_the_strict_bound_as_excluded(text, not_below):
    assert p_not_below(text, 0.05) is not_below


@pytest.mark.parametrize(("text", "below"), [
    ("<0.05", True), ("≤0.05", True), ("<=0.05", True), ("<0.06", False), ("0.05", False),
    ("0.04", True), (">0.01", False),
])
def test_f15_p_below_alpha_treats_the_strict_bound_as_reached(text, below):
    assert p_below(text, 0.05) is below


def test_f15_p_greater_than_alpha_with_a_ci_excluding_1_is_a_p_direction_error(tmp_path):
    path, text = mutate(tmp_path, "p_value: 0.004  # hr-p", 'p_value: ">0.05"  # hr-p')
    got = [(f.check, f.severity, f.line) for f in audit_file(path) if f.field.endswith("p_value")]
    assert got == [("p-direction", "error", line_of(text, "# hr-p"))]


def test_f15_p_below_alpha_with_a_ci_containing_1_is_a_p_direction_error(tmp_path):
    path, text = mutate(tmp_path, "ci_upper: 0.89  # hr-ci-upper\n    p_value: 0.004",
                        'ci_upper: 1.20  # hr-ci-upper\n    p_value: "<0.05"')
    got = {(f.check, f.severity, f.line) for f in audit_file(path)
           if f.field.endswith("p_value")}
    assert ("p-direction", "error", line_of(text, 'p_value: "<0.05"')) in got


# --- finding 16: p-values in hccmeta diff --------------------------------------------------------

def _pair(tmp_path: Path, a_p: str, b_p: str) -> tuple[Path, Path]:
    paths = []
    for side, p in (("a", a_p), ("b", b_p)):
        (tmp_path / side).mkdir()
        path, _ = mutate(tmp_path / side, "p_value: 0.004  # hr-p", f"p_value: {p}  # hr-p")
        paths.append(path)
    return paths[0], paths[1]


def test_f16_diff_reports_and_counts_a_textual_p_value_disagreement(tmp_path):
    a, b = _pair(tmp_path, '"<0.001"', '"<0.01"')
    result = diff_records(load_extraction(a), load_extraction(b))
    same = diff_records(load_extraction(a), load_extraction(a))
    assert [d.key for d in result.differences] == ["contrasts[os/hr/a/b].p_value"]
    assert result.numeric_total == same.numeric_total  # the p-value is a numeric field
    assert result.numeric_identical == result.numeric_total - 1
    out = run("diff", "--numbers-only", str(a), str(b))
    assert out.exit_code == 1
    line = line_of(a.read_text(encoding="utf-8"), "# hr-p")
    assert out.stdout.splitlines() == [
        f"{a}:{line} vs {b}:{line}: contrasts[os/hr/a/b].p_value: '<0.001' vs '<0.01'",
        "by field: p_value 0/1",
        f"agreement: {result.numeric_identical}/{result.numeric_total} numeric fields "
        f"identical ({100 * result.agreement:.1f}%)"]


@pytest.mark.parametrize(("a_p", "b_p"), [("0.03", '"0.03"'), ('"<=0.05"', '"≤0.05"'),
                                          ("0.03", '"=0.03"'), ('"< 0.001"', '"<0.001"')])
def test_f16_diff_compares_p_values_as_the_schema_reads_them(tmp_path, a_p, b_p):
    a, b = _pair(tmp_path, a_p, b_p)
    out = run("diff", str(a), str(b))
    assert out.exit_code == 0, out.stdout
    total = diff_records(load_extraction(a), load_extraction(b)).numeric_total
    assert out.stdout.splitlines()[-1] == (f"agreement: {total}/{total} numeric fields "
                                           "identical (100.0%)")
    assert out.stdout.splitlines()[:-1] == [
        line for line in out.stdout.splitlines()[:-1] if line.startswith("categorical fields:")]


# --- finding 17: logit, Agresti-Coull and Jeffreys proportion CIs --------------------------------

def test_f17_logit_agresti_coull_jeffreys_against_r():
    ref = json.loads((FIXTURES / "audit_proportion_ci_more.json").read_text())
    assert len(ref["cases"]) == 12
    for case in ref["cases"]:
        x, n, level = case["x"], case["n"], case["level"]
        got = logit(x, n, level)
        if case["logit"] is None:
            assert got is None
        else:  # closed form in both: agreement to rounding (1e-14 on proportions)
            assert got == pytest.approx(case["logit"], abs=1e-14)
        assert agresti_coull(x, n, level) == pytest.approx(case["agresti_coull"], abs=1e-14)
        # R qbeta and scipy betaincinv are separate iterative inversions, each ~1e-15 relative;
        # 1e-12 leaves room without hiding a wrong parameterisation (errors would be > 1e-3)
        assert jeffreys(x, n, level) == pytest.approx(case["jeffreys"], abs=1e-12)


def _orr(tmp_path: Path, lower: str, upper: str) -> tuple[Path, str]:
    return mutate(tmp_path, "events: 30  # orr-a-events\n      total: 100\n      percent: 30.0"
                  "  # orr-a-percent\n      ci_lower: 21.2  # orr-a-ci-lower\n      ci_upper: 40.0",
                  "events: 81  # orr-a-events\n      total: 108\n      percent: 75.0"
                  f"  # orr-a-percent\n      ci_lower: {lower}  # orr-a-ci-lower\n"
                  f"      ci_upper: {upper}")


def test_f17_a_logit_ci_is_accepted(tmp_path):
    # 81/108, logit 95% CI 66.0-82.3 (R: plogis(qlogis(.75) + c(-1, 1) * 1.96 / sqrt(20.25)))
    path, _ = _orr(tmp_path, "66.0", "82.3")
    assert [f.format() for f in audit_file(path) if f.check == "binary-ci"] == []


def test_f17_unmatched_ci_is_printed_as_written(tmp_path):
    path, text = _orr(tmp_path, "66.0", "83.3")
    (finding,) = [f for f in audit_file(path) if f.check == "binary-ci"]
    assert finding.line == line_of(text, "# orr-a-ci-lower")
    assert finding.message.startswith("expected the CI (66.0, 83.3) of 81/108 to match a common "
                                      "method, got none: ")
    assert "logit 66.0-82.3" in finding.message
    assert "Agresti-Coull 66.0-82.3" in finding.message and "Jeffreys 66.2-82.4" in finding.message
