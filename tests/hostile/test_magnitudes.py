"""Issue 15: absurd magnitudes and zero times are located errors with documented limits (n = 10^28
and a median of 10^307 years validated; a median or CI bound of 0 crashed the report)."""

from __future__ import annotations

import pytest
from hostile_helpers import run, study_text, write_study

from extraction.schema_common import MAX_COUNT, MAX_MONTHS

TTE = """\
outcomes:
  time_to_event:
    - endpoint: os
      arm: a
      unit: {unit}
      median: {median}
      ci_lower: {lower}
      landmarks:
        - time: {lm}
          percent: 50
      source:
        location: abstract
"""


def _validate(tmp_path, text):
    path = write_study(tmp_path, text=text)
    result = run("validate", path)
    return path, result


def test_limits_are_documented_and_sane():
    assert MAX_COUNT == 10_000_000 and MAX_MONTHS == 1200


@pytest.mark.parametrize("n", ["10000000000000000000000000000", "10000001"])
def test_huge_n_is_a_located_error(tmp_path, n):
    path, result = _validate(tmp_path, study_text().replace("n: 108", f"n: {n}"))
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert f"{path}:13:8: arms[0].n: expected a number <= 10000000" in result.stdout, result.stdout


@pytest.mark.parametrize("field,values", [
    ("median", dict(unit="years", median="1.0e+307", lower=1, lm=1)),
    ("median", dict(unit="months", median=1201, lower=1, lm=1)),
    ("landmarks[0].time", dict(unit="weeks", median=5, lower=1, lm=100000)),
    ("median", dict(unit="months", median=0, lower=1, lm=1)),
    ("ci_lower", dict(unit="months", median=3, lower=0.0, lm=1)),
])
def test_absurd_or_zero_times_are_located_errors(tmp_path, field, values):
    path, result = _validate(tmp_path, study_text(tail=TTE.format(**values)))
    assert result.exit_code == 2 and "Traceback" not in result.output, result.output
    assert f"outcomes.time_to_event[0].{field}: expected" in result.stdout, result.stdout
    assert result.stdout.startswith(f"{path}:"), result.stdout


def test_sane_times_in_years_validate(tmp_path):
    _, result = _validate(tmp_path, study_text(tail=TTE.format(unit="years", median=2.5,
                                                               lower=1.5, lm=1)))
    assert result.exit_code == 0, result.output
