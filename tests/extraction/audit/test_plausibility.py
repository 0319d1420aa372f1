"""Issue 15, silent wrong results that every schema rule let pass: ``percent: 0.75`` typed for 75%,
a median PFS above the median OS of the same arm, a landmark far beyond follow-up."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "hostile"))
from hostile_helpers import ORR, run, study_text, write_study

from extraction import load_study
from extraction.audit import audit_records

TTE = """\
followup:
  - median: {fu}
    source:
      location: abstract
outcomes:
  time_to_event:
    - endpoint: os
      arm: a
      median: {os}
      source:
        location: abstract
    - endpoint: pfs
      arm: a
      median: {pfs}
      landmarks:
        - time: {lm}
          percent: 20
      source:
        location: abstract
"""


def _checks(tmp_path, text, sid="x2020"):
    path = write_study(tmp_path, sid, text=text)
    return [f for f in audit_records([load_study(path)])
            if f.check in {"percent-fraction", "pfs-above-os", "landmark-far-followup"}], path


def test_a_proportion_typed_for_a_percent_is_a_finding_and_a_validate_hint(tmp_path):
    found, path = _checks(tmp_path, study_text(tail=ORR.format(percent=0.75)))
    assert [f.check for f in found] == ["percent-fraction"]
    assert "no whole count of n = 108 prints as 0.75%" in found[0].message
    assert "0.75 as a proportion is 75%" in found[0].message
    assert found[0].line == 23
    result = run("validate", path)
    assert result.exit_code == 0
    assert f"{path}:23: hint: outcomes.binary[0].percent: expected a percent" in result.stderr


def test_a_possible_small_percent_is_not_flagged(tmp_path):
    found, _ = _checks(tmp_path, study_text(tail=ORR.format(percent=0.9)))  # 1/108 = 0.93 -> 0.9
    assert found == []


def test_a_percent_far_below_the_endpoints_other_rates_is_a_finding(tmp_path):
    big = study_text().replace("n: 108", "n: 100000")
    for sid, pct in (("b2020", 30), ("c2020", 25)):
        write_study(tmp_path, sid, text=study_text(sid, tail=ORR.format(percent=pct)))
    write_study(tmp_path, "x2020", text=big + ORR.format(percent=0.75))
    result = run("audit", tmp_path)
    lines = [ln for ln in result.stdout.splitlines() if "percent-fraction" in ln]
    assert len(lines) == 1 and "every other orr rate in the library is >= 25%" in lines[0]


def test_pfs_above_os_and_landmark_far_beyond_followup(tmp_path):
    found, _ = _checks(tmp_path, study_text(tail=TTE.format(fu=6, os=10.2, pfs=14, lm=36)))
    assert sorted(f.check for f in found) == ["landmark-far-followup", "pfs-above-os"]
    clean, _ = _checks(tmp_path / "ok", study_text(tail=TTE.format(fu=20, os=10.2, pfs=10.2,
                                                                     lm=24)))
    assert clean == []
