"""Reported numbers versus attached patient-level data (ipd-* checks), and the IPD loader.

cases/ipd/ipd2020.yaml reports the N, events, KM median with CI, 12-month survival and Cox HR of
its own simulated IPD (make_ipd.py), so every check passes; each mutation breaks one number and
the finding must appear at that number's line. A change inside the tolerance must not.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from audit_helpers import CASES, audit_file, line_of
from minimal_study import MINIMAL_STUDY
from typer.testing import CliRunner

from extraction import load_study
from extraction.audit.findings import CHECKS
from extraction.ipd import IpdInputError, load_ipd, parse_ipd_text, read_ipd_csv
from meta.survival import kaplan_meier, median_survival
from reports.cli import app

CASE = CASES / "ipd"
STUDY = "ipd2020.yaml"


def _copy(tmp_path: Path, old: str = "", new: str = "") -> tuple[Path, str]:
    shutil.copytree(CASE, tmp_path / "case", ignore=shutil.ignore_patterns("*.py"))
    study = tmp_path / "case" / STUDY
    text = study.read_text(encoding="utf-8")
    if old:
        assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
        text = text.replace(old, new)
        study.write_text(text, encoding="utf-8")
    return study, text


def _value(text: str, anchor: str) -> str:
    line = text.splitlines()[line_of(text, anchor) - 1]
    return line.split("#")[0].split(":")[-1].strip().rstrip("}").strip()


def _ipd_findings(study: Path):
    """The ipd-* findings (other families judge the mutated numbers too)."""
    return [f for f in audit_file(study) if f.check.startswith("ipd-")]


def test_clean_ipd_case_passes_every_check(tmp_path):
    study, _ = _copy(tmp_path)
    assert [f.format() for f in audit_file(study)] == []


def test_ipd_checks_are_in_the_catalogue_and_listed():
    ids = {"ipd-n", "ipd-events", "ipd-median", "ipd-median-ci", "ipd-landmark", "ipd-hr"}
    assert ids <= set(CHECKS)
    assert CHECKS["ipd-n"].severity == "error"
    listed = CliRunner().invoke(app, ["audit", "--list-checks"]).output
    assert all(i in listed for i in ids)


def _mutated(text: str, anchor: str, new_value: str) -> tuple[str, str]:
    line = text.splitlines()[line_of(text, anchor) - 1]
    old = _value(text, anchor)
    return line, line.replace(f": {old}", f": {new_value}", 1)


FAILING = [
    ("ipd-n", "error", "# exp-n", "82"),
    ("ipd-n", "error", "# ctl-n", "81"),  # fewer rows; more (79) is refused by validate
    ("ipd-events", "warning", "# exp-events", "44"),
    ("ipd-median", "warning", "# exp-median", "14.0"),
    ("ipd-median", "warning", "# ctl-median", "NE"),
    ("ipd-median-ci", "warning", "# exp-ci-lower", "7.0"),
    ("ipd-median-ci", "warning", "# exp-ci-upper", "25.0"),
    ("ipd-landmark", "warning", "# exp-landmark", "60.0"),
    ("ipd-hr", "warning", "# hr-estimate", "0.62"),
]


@pytest.mark.parametrize(("check", "severity", "anchor", "value"), FAILING,
                         ids=[f"{c}-{i}" for i, (c, *_) in enumerate(FAILING)])
def test_disagreement_with_the_ipd_is_reported_at_the_reported_number(tmp_path, check, severity,
                                                                     anchor, value):
    _, text = _copy(tmp_path)
    old, new = _mutated(text, anchor, value)
    shutil.rmtree(tmp_path / "case")
    study, text = _copy(tmp_path, old, new)
    findings = _ipd_findings(study)
    got = {(f.check, f.severity, f.line) for f in findings}
    assert (check, severity, line_of(text, anchor)) in got, "\n".join(f.format() for f in findings)
    assert {f.check for f in findings} == {check}, "\n".join(f.format() for f in findings)


PASSING = [  # within the stated tolerances: no finding
    ("# exp-events", lambda v: str(int(v) + 1)),  # max(1, 2% of D)
    ("# exp-median", lambda v: f"{float(v) * 1.04:.1f}"),  # 5% of the median
    ("# exp-ci-upper", lambda v: f"{float(v) * 1.04:.1f}"),
    ("# exp-landmark", lambda v: f"{float(v) + 2.5:.1f}"),  # 3 percentage points
    ("# hr-estimate", lambda v: f"{float(v) * 1.04:.2f}"),  # |log ratio| <= 0.05
]


@pytest.mark.parametrize(("anchor", "change"), PASSING, ids=[a for a, _ in PASSING])
def test_rounding_and_reconstruction_tolerance_is_not_a_finding(tmp_path, anchor, change):
    _, text = _copy(tmp_path)
    old, new = _mutated(text, anchor, change(_value(text, anchor)))
    assert old != new
    shutil.rmtree(tmp_path / "case")
    study, _ = _copy(tmp_path, old, new)
    assert [f.format() for f in _ipd_findings(study)] == []


def test_recorded_conflict_turns_the_n_error_into_a_warning(tmp_path):
    _, text = _copy(tmp_path)
    old, new = _mutated(text, "# exp-n", "82")
    conflict = ("conflicts:\n  - about: arm size of the IPD versus the paper\n"
                "    fields: [\"arms[0].n\"]\n    values: [\"82\", \"80\"]\n"
                "    sources: [{location: abstract}]\ncuration:")
    shutil.rmtree(tmp_path / "case")
    study, text = _copy(tmp_path, old, new)
    study.write_text(text.replace("curation:", conflict), encoding="utf-8")
    findings = audit_file(study)
    assert [(f.check, f.severity) for f in findings if f.check.startswith("ipd")] == [
        ("ipd-n", "warning")]
    assert "recorded as conflicts[0]" in findings[0].message or any(
        "recorded as conflicts[0]" in f.message for f in findings)


def test_load_ipd_returns_the_arm_rows_as_arrays():
    record = load_study(CASE / STUDY)
    time, event = load_ipd(record, record.study.ipd[0])
    table = read_ipd_csv(CASE / "ipd" / "ipd2020_os.csv")
    expected = [t for t, a in zip(table.time, table.arm or (), strict=True) if a == "exp"]
    assert time.dtype == float and event.dtype.kind == "i"
    assert time.tolist() == expected and time.size == record.study.arm("exp").n
    fit = median_survival(kaplan_meier(time, event))
    assert round(fit.estimate, 1) == record.study.outcomes.time_to_event[0].median


@pytest.mark.parametrize(("text", "where"), [
    ("", ":1: expected a header"),
    ("time,status\n1,1\n", ":1: header: expected time,event"),
    ("time,event\n1,1\n-2,0\n", ":3: time: expected a finite number of months >= 0, got '-2'"),
    ("time,event\nnan,1\n", ":2: time: expected a finite number"),
    ("time,event\n1,2\n", ":2: event: expected 0 (censored) or 1 (event), got '2'"),
    ("time,event\n1,1,a\n", ":2: row: expected 2 columns"),
    ("time,event,arm\n1,1,\n", ":2: arm: expected an arm label"),
    ("time,event\n", ":1: expected at least one patient row"),
])
def test_bad_ipd_csv_is_refused_with_its_line(text, where):
    with pytest.raises(IpdInputError) as err:
        parse_ipd_text(text, "x.csv")
    assert str(err.value).startswith("x.csv" + where.split(":", 2)[0] + ":"), str(err.value)
    assert where in str(err.value)


def test_load_ipd_refuses_a_changed_file(tmp_path):
    study, _ = _copy(tmp_path)
    csv = tmp_path / "case" / "ipd" / "ipd2020_os.csv"
    csv.write_text(csv.read_text(encoding="utf-8") + "1.00,0,exp\n", encoding="utf-8")
    record = load_study(CASE / STUDY)  # validated before the change
    record = type(record)(record.study, study, record.shown, record.document)
    with pytest.raises(IpdInputError, match="sha256: expected"):
        load_ipd(record, record.study.ipd[0])


def test_validate_reports_a_changed_ipd_file_at_its_sha256_line(tmp_path):
    study, text = _copy(tmp_path)
    csv = tmp_path / "case" / "ipd" / "ipd2020_os.csv"
    csv.write_bytes(csv.read_bytes().replace(b"\n", b"\r\n"))
    result = CliRunner().invoke(app, ["validate", str(study)])
    assert result.exit_code == 2
    lines = [ln for ln in result.output.splitlines() if "sha256" in ln]
    sha_lines = [i for i, ln in enumerate(text.splitlines(), start=1) if "sha256:" in ln]
    assert [int(ln.split(":")[1]) for ln in lines] == sha_lines


def test_an_arm_cannot_have_both_a_curve_and_ipd(tmp_path):
    study, text = _copy(tmp_path)
    curve = ("curves:\n  - endpoint: os\n    arm: exp\n    file: ipd/ipd2020_os.csv\n"
             "    source: {location: figure, label: Figure 2}\nipd:")
    study.write_text(text.replace("ipd:\n", curve + "\n", 1), encoding="utf-8")
    result = CliRunner().invoke(app, ["validate", str(study)])
    assert result.exit_code == 2
    assert "expected either a digitized curve or IPD for 'exp' os, got both" in result.output


def test_ipd_sizes_of_the_simulated_case_are_what_the_file_reports():
    record = load_study(CASE / STUDY)
    sizes = [load_ipd(record, e)[0].size for e in record.study.ipd]
    assert sizes == [a.n for a in record.study.arms]
    assert int(np.sum(load_ipd(record, record.study.ipd[1])[1])) == \
        record.study.outcomes.time_to_event[1].events


def test_schema_exports_the_ipd_and_comparability_fields():
    from extraction.scaffold import scaffold
    from extraction.schema import json_schema

    schema = json_schema()
    assert "ipd" in schema["properties"]
    ipd = schema["$defs"]["Ipd"]
    assert {"file", "arm_in_file", "reconstructed_from", "reconstructed_by", "method",
            "citation", "sha256"} <= set(ipd["properties"])
    binary = schema["$defs"]["BinaryOutcome"]["properties"]
    assert binary["denominator"]["default"] == "not_reported"
    assert binary["response_unit"]["default"] == "patient"
    assert "oligometastatic" in str(schema["$defs"]["Arm"]["properties"]["disease"])
    text = scaffold("new2024")
    assert "# ipd:" in text and "denominator:" in text and "response_unit:" in text


def test_comparability_fields_are_optional_and_validate(tmp_path):
    plain = tmp_path / "plain2025.yaml"
    plain.write_text(MINIMAL_STUDY.format(id="plain2025"), encoding="utf-8")
    study = load_study(plain).study
    assert study.arms[0].disease is None
    text = MINIMAL_STUDY.format(id="annot2025").replace(
        "    n: 108\n", "    n: 108\n    disease: [oligometastatic, recurrent]\n").replace(
        "curation:", "outcomes:\n  binary:\n    - endpoint: orr\n      arm: a\n"
        "      criteria: recist_1.1\n      percent: 75.0\n      denominator: evaluable\n"
        "      response_unit: lesion\n      source: {location: abstract}\ncuration:")
    annotated = tmp_path / "annot2025.yaml"
    annotated.write_text(text, encoding="utf-8")
    study = load_study(annotated).study
    assert study.arms[0].disease == ["oligometastatic", "recurrent"]
    orr = study.outcomes.binary[0]
    assert (orr.denominator, orr.response_unit) == ("evaluable", "lesion")


def test_one_ipd_entry_per_arm_and_endpoint(tmp_path):
    study, text = _copy(tmp_path)
    start = text.index("ipd:\n") + len("ipd:\n")
    first = text[start:text.index("  - endpoint: os\n    arm: ctl", start)]
    study.write_text(text.replace("ipd:\n", "ipd:\n" + first, 1), encoding="utf-8")
    result = CliRunner().invoke(app, ["validate", str(study)])
    assert result.exit_code == 2
    assert "ipd[1].arm: expected one IPD entry per arm and endpoint, got 'exp' os again (ipd[0])" \
        in result.output


def test_arms_named_collects_one_label_across_a_folder(tmp_path):
    from extraction.ipd import arms_named

    (tmp_path / "sharp_llovet2008_fig2a.csv").write_text(
        "time,event,arm\n1.5,1,sorafenib\n2,0,placebo\n3.25,0,sorafenib\n")
    (tmp_path / "reflect_kudo2018_fig2.csv").write_text("time,event,arm\n4,1,lenvatinib\n")
    (tmp_path / "one_arm_x2020.csv").write_text("time,event\n5,1\n")
    (tmp_path / "notes.txt").write_text("not a CSV")
    arms = arms_named(tmp_path, "sorafenib")
    assert list(arms) == ["sharp"]
    time, event = arms["sharp"]
    assert time.tolist() == [1.5, 3.25] and event.tolist() == [1, 0]
    assert time.dtype == float and event.dtype.kind == "i"
    assert arms_named(tmp_path, "nivolumab") == {}
    (tmp_path / "broken_x2021.csv").write_text("time,event,arm\n-1,1,sorafenib\n")
    with pytest.raises(IpdInputError, match=r"broken_x2021\.csv:2: time"):
        arms_named(tmp_path, "sorafenib")
