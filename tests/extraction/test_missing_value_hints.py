"""Validation hints for the ways a newcomer writes "not estimable" or "not reported" (issue 13):
NA, N/A, n.r., not reached, a dash... each gets a hint that names NE or says to leave the field
out, at its line and column."""

from __future__ import annotations

import pytest
from minimal_study import MINIMAL_STUDY

from extraction import StudyFileError, load_study

TAIL = """outcomes:
  time_to_event:
    - endpoint: os
      arm: a
      median: {median}
      source: {{location: abstract}}
  binary:
    - endpoint: orr
      arm: a
      criteria: not_reported
      events: 10
      percent: {percent}
      source: {{location: abstract}}
"""


@pytest.mark.parametrize("spelling", ["NA", "N/A", "n.a.", "-", "not estimable", "NaN", "?"])
def test_not_estimable_spellings_get_the_ne_hint(tmp_path, spelling):
    path = tmp_path / "hint2024.yaml"
    path.write_text(MINIMAL_STUDY.format(id="hint2024")
                    + TAIL.format(median=f'"{spelling}"', percent=9.3), encoding="utf-8")
    with pytest.raises(StudyFileError) as caught:
        load_study(path)
    [issue] = caught.value.issues
    assert (issue.line, issue.field) == (22, "outcomes.time_to_event[0].median")
    assert "write NE where the paper says not reached" in issue.format()


@pytest.mark.parametrize("spelling", ["NR", "NA", "not reported", "n/a"])
def test_a_number_field_written_as_not_reported_says_leave_it_out(tmp_path, spelling):
    path = tmp_path / "hint2024.yaml"
    path.write_text(MINIMAL_STUDY.format(id="hint2024")
                    + TAIL.format(median=12.0, percent=f'"{spelling}"'), encoding="utf-8")
    with pytest.raises(StudyFileError) as caught:
        load_study(path)
    [issue] = caught.value.issues
    assert issue.field == "outcomes.binary[0].percent"
    assert "leave the field out where the paper does not report it" in issue.format()


@pytest.mark.parametrize("spelling", ["NR", "not reached", "NE"])
def test_nr_and_not_reached_are_read_as_ne(tmp_path, spelling):
    path = tmp_path / "hint2024.yaml"
    path.write_text(MINIMAL_STUDY.format(id="hint2024")
                    + TAIL.format(median=f'"{spelling}"', percent=9.3), encoding="utf-8")
    assert load_study(path).study.outcomes.time_to_event[0].median == "NE"
