"""Study files nobody checked are marked "single extraction" by the audit (issue 13)."""

from __future__ import annotations

from pathlib import Path

from audit_helpers import CLEAN, audit_file, line_of, mutate


def test_a_file_without_checked_by_is_a_single_extraction_at_its_curation_line():
    text = CLEAN.read_text(encoding="utf-8")
    assert "checked_by:" not in text
    [finding] = [f for f in audit_file(CLEAN) if f.check == "single-extraction"]
    assert finding.severity == "info"
    assert finding.line == line_of(text, "extracted_by:")
    assert "exclude_single_extraction" in finding.message


def test_a_checked_file_is_not_marked(tmp_path: Path):
    path, _ = mutate(tmp_path, "  extracted_by: test\n",
                     "  extracted_by: test\n  checked_by: second reviewer\n")
    assert not [f for f in audit_file(path) if f.check == "single-extraction"]
