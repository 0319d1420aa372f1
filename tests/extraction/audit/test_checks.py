"""Every per-file check: the clean study passes, and one mutated value fails at the right line.

The clean study (cases/clean/clean2020.yaml) is built so that each check has data to look at; a
mutation changes one value and the test asserts the check id, severity and line of the finding.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from audit_helpers import CLEAN, audit_file, line_of, mutate

from extraction.audit import CHECKS

# (check id, severity, old text, new text, anchor of the line where the finding must be)
MUTATIONS = [
    ("percent-count", "error", "percent: 30.0  # orr-a-percent", "percent: 31.0  # orr-a-percent",
     "# orr-a-percent"),
    ("percent-grim", "error", "percent: 45.0  # ecog0", "percent: 45.5  # ecog0", "# ecog0"),
    ("percent-count-assumed", "warning", "percent: 10.0  # thrombo", "percent: 12.0  # thrombo",
     "# thrombo-percent"),
    ("count-within", "error", "events: 60  # os-a-events", "events: 160  # os-a-events",
     "# os-a-events"),
    ("count-within", "warning", "total: 100  # neutro-total", "total: 120  # neutro-total",
     "# neutro-total"),
    ("arms-sum", "error", "count: 120  # male-all", "count: 121  # male-all", "# male-all-count"),
    ("arms-total", "warning", "denominator: 200  # hbv", "denominator: 190  # hbv",
     "# hbv-all-denominator"),
    ("subgroup-sum", "error", "events: 10  # cr-a", "events: 11  # cr-a", "# orr-a-events"),
    ("subgroup-sum", "error", "events: 10  # cr-a", "events: 11  # cr-a", "# dcr-a-events"),
    ("subgroup-sum", "error", "events: 30  # pd-a", "events: 45  # pd-a", "# pd-a-events"),
    ("category-sum", "error", "count: 70  # bclc-c", "count: 75  # bclc-c", "# bclc-c-a-count"),
    ("ae-nesting", "error", "count: 5  # neutro", "count: 45  # neutro", "# neutro-count"),
    ("estimate-in-ci", "error", "ci_lower: 21.2  # orr", "ci_lower: 31.2  # orr",
     "# orr-a-percent"),
    ("binary-ci", "warning", "ci_lower: 21.2  # orr", "ci_lower: 22.5  # orr",
     "# orr-a-ci-lower"),
    ("ci-log-symmetry", "warning", "ci_upper: 0.89  # hr", "ci_upper: 0.99  # hr",
     "# hr-ci-upper"),
    ("p-ci", "warning", "p_value: 0.004  # hr", "p_value: 0.02  # hr", "# hr-p"),
    ("p-direction", "error", "p_value: 0.004  # hr", "p_value: 0.20  # hr", "# hr-p"),
    ("median-ci", "error", "median: 18.0  # os-a", "median: 23.0  # os-a", "# os-a-median"),
    ("median-ci", "error", "median: 18.0  # os-a", "median: NE  # os-a", "# os-a-ci-upper"),
    ("median-ci", "error", "ci_lower: 10.0", "ci_lower: NE", "ci_lower: NE"),
    ("median-followup", "warning", "median: 20.0  # fu-median\n    range_upper: 40.0  # fu",
     "median: 12.0  # fu-median\n    range_upper: 15.0  # fu", "# os-a-median"),
    ("median-followup", "info", "median: 20.0  # fu", "median: 17.0  # fu", "# os-a-median"),
    ("landmark-followup", "warning", "range_upper: 40.0  # fu", "range_upper: 20.0  # fu",
     "# os-a-lm24-time"),
    ("landmark-monotone", "error", "percent: 40.0  # os-a-lm24", "percent: 75.0  # os-a-lm24",
     "75.0  # os-a-lm24"),
    ("median-landmark", "error", "percent: 40.0  # os-a-lm24", "percent: 55.0  # os-a-lm24",
     "# os-a-median"),
    ("unverified", "warning", "verified: true}  # thrombo", "verified: false}  # thrombo",
     "# thrombo-percent"),
]


def test_clean_study_has_no_errors_or_warnings():
    findings = audit_file(CLEAN)
    assert [f.format() for f in findings if f.severity != "info"] == []


def test_every_per_file_check_has_a_failing_mutation():
    per_file = {k for k, s in CHECKS.items() if s.family in {
        "percents", "counts", "intervals", "proportions", "survival"}} | {"unverified"}
    assert per_file <= {m[0] for m in MUTATIONS}


@pytest.mark.parametrize(("check", "severity", "old", "new", "anchor"), MUTATIONS,
                         ids=[f"{m[0]}-{i}" for i, m in enumerate(MUTATIONS)])
def test_mutation_is_reported_at_its_line(tmp_path, check, severity, old, new, anchor):
    path, text = mutate(tmp_path, old, new)
    findings = audit_file(path)
    expected = line_of(text, anchor)
    got = {(f.check, f.severity, f.line) for f in findings}
    assert (check, severity, expected) in got, "\n".join(f.format() for f in findings)
    assert all(f.file == str(path) for f in findings)


def test_percent_message_names_the_counts_that_print_as_the_percent(tmp_path):
    path, _ = mutate(tmp_path, "percent: 30.0  # orr-a-percent", "percent: 30.5  # orr-a-percent")
    [finding] = [f for f in audit_file(path) if f.check == "percent-count"]
    assert "30/100 = 30.00%" in finding.message
    assert "no count of 100 prints as 30.5%" in finding.message
    assert finding.field == "outcomes.binary[0].percent"
    assert dict(finding.numbers) == {"percent": 30.5, "events": 30, "total": 100}
    assert finding.related == ("outcomes.binary[0].events", "outcomes.binary[0].total")


def test_truncated_percent_is_a_warning_not_an_error(tmp_path):
    # 3/14 = 21.428...%: rounds to 21.43, truncates to 21.42 (as some papers print it)
    path, text = mutate(tmp_path, "count: 5  # neutro-count\n      total: 100  # neutro-total",
                        "count: 3  # neutro-count\n      total: 14\n      percent: 21.42")
    found = [f for f in audit_file(path) if f.check == "percent-count"]
    assert [(f.severity, f.line) for f in found] == [("warning", line_of(text, "21.42"))]


def test_grim_with_a_derived_denominator_is_a_warning(tmp_path):
    path, text = mutate(tmp_path, "count: 5  # neutro-count\n",
                        "percent: 46.37  # neutro-count\n")
    [found] = [f for f in audit_file(path) if f.check == "percent-grim"]
    assert (found.severity, found.line) == ("warning", line_of(text, "46.37"))
    assert "total is derived" in found.message


def test_percent_given_in_yaml_as_integer_has_zero_decimals(tmp_path):
    # 61/100 prints as 61 with no decimals, so percent: 61 for count 61 is consistent
    path, _ = mutate(tmp_path, "percent: 60.0\n    denominator: 100\n    source: {location: "
                     "table, label: \"Table 1\"}\n  - characteristic: male\n    arm: b",
                     "percent: 60\n    denominator: 100\n    source: {location: "
                     "table, label: \"Table 1\"}\n  - characteristic: male\n    arm: b")
    assert [f for f in audit_file(path) if f.check.startswith("percent")] == []


def test_every_check_id_is_exercised_by_some_audit_test():
    here = Path(__file__).resolve().parent
    sources = "".join(p.read_text(encoding="utf-8") for p in here.glob("test_*.py"))
    untested = [c for c in CHECKS if f'"{c}"' not in sources]
    assert untested == []
