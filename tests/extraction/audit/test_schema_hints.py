"""Schema hints the audit honours: ``contrasts[].p_test`` and ``conflicts[].fields``."""

from __future__ import annotations

from pathlib import Path

import pytest
from audit_helpers import audit_file, line_of, mutate

from extraction import StudyFileError, load_study


def test_p_ci_applies_to_wald_and_unstated_p_values(tmp_path: Path):
    path, _ = mutate(tmp_path, "p_value: 0.004  # hr-p", "p_value: 0.02  # hr-p")
    assert [f.check for f in audit_file(path) if f.check == "p-ci"] == ["p-ci"]
    path, _ = mutate(tmp_path, "p_value: 0.004  # hr-p",
                        "p_value: 0.02  # hr-p\n    p_test: wald")
    assert [f.check for f in audit_file(path) if f.check == "p-ci"] == ["p-ci"]


def test_p_ci_is_skipped_for_a_log_rank_p(tmp_path: Path):
    path, _ = mutate(tmp_path, "p_value: 0.004  # hr-p",
                     "p_value: 0.02  # hr-p\n    p_test: log_rank")
    assert not [f for f in audit_file(path) if f.check == "p-ci"]


def test_conflict_fields_downgrade_errors_on_those_fields(tmp_path: Path):
    old = "percent: 30.0  # orr-a-percent"
    path, text = mutate(tmp_path, old, "percent: 31.0  # orr-a-percent")
    record = load_study(path)
    index = next(i for i, b in enumerate(record.study.outcomes.binary)
                 if record.line_of("outcomes", "binary", i, "percent")
                 == line_of(text, "# orr-a-percent"))
    errors = [f for f in audit_file(path) if f.check == "percent-count"]
    assert [f.severity for f in errors] == ["error"]
    conflict = (f"conflicts:\n  - about: ORR of arm a\n    fields: ['outcomes.binary[{index}]"
                ".percent']\n    values: ['30.0', '31.0']\n    sources:\n"
                "      - location: abstract\n")
    text = text.replace("curation:", conflict + "curation:", 1)
    path.write_text(text)
    errors = [f for f in audit_file(path) if f.check == "percent-count"]
    assert [f.severity for f in errors] == ["warning"]
    assert "conflicts[0]" in errors[0].message


def test_conflict_fields_must_name_existing_fields(tmp_path: Path):
    path, text = mutate(tmp_path, "p_value: 0.004  # hr-p", "p_value: 0.004  # hr-p")
    text = text.replace("curation:", "conflicts:\n  - about: x\n    fields: ['outcomes.binary[99]"
                        ".percent']\n    values: ['1', '2']\n    sources:\n"
                        "      - location: abstract\ncuration:", 1)
    path.write_text(text)
    with pytest.raises(StudyFileError) as info:
        load_study(path)
    (issue,) = info.value.issues
    assert issue.field == "conflicts[0].fields[0]"
    assert issue.line == line_of(text, "fields: ['outcomes.binary[99]")
