"""Digitized curves and risk tables, and reconstructed-versus-reported checks.

cases/curves/curve2020.yaml reports the median, events and Cox HR of the simulated patients
behind its digitized curves (make_curves.py), so it passes; each mutation breaks one thing.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from audit_helpers import CASES, audit_file, line_of

from extraction.audit.reconstruction import available, cox_hr_binary

CURVES = CASES / "curves"
STUDY = "curve2020.yaml"
FIXTURES = Path(__file__).resolve().parents[2] / "reference" / "fixtures"


def _copy(tmp_path: Path, file: str = STUDY, old: str = "", new: str = "") -> tuple[Path, str]:
    shutil.copytree(CURVES, tmp_path / "case")
    target = tmp_path / "case" / file
    text = target.read_text(encoding="utf-8")
    if old:
        assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
        target.write_text(text.replace(old, new), encoding="utf-8")
    study = tmp_path / "case" / STUDY
    return study, study.read_text(encoding="utf-8")


def test_clean_curves_pass_every_check(tmp_path):
    study, _ = _copy(tmp_path)
    assert [f.format() for f in audit_file(study)] == []


CSV_MUTATIONS = [
    ("curve-read", "error", "km/curve2020_os_a.csv", "0.4132,0.9833", "0.4132;x", "# curve-a-file"),
    ("curve-time", "error", "km/curve2020_os_a.csv", "0.0775,1.0000", "-0.0775,1.0000",
     "# curve-a-file"),
    ("curve-range", "error", "km/curve2020_os_a.csv", "time,survival\n0.0000,1.0000",
     "time,survival\n0.0000,1.2000", "# curve-a-file"),
    ("curve-monotone", "warning", "km/curve2020_os_a.csv", "0.4132,0.9833", "0.4132,0.9999\n"
     "0.4200,0.9000\n0.4300,0.9800", "# curve-a-file"),
    ("risk-monotone", "error", "km/curve2020_os_b_risk.csv", "12,16", "12,40", "# risk-b"),
    ("curve-read", "error", "km/curve2020_os_b_risk.csv", "12,16", "12", "# risk-b"),
    ("risk-start", "warning", STUDY, "[[0, 60], [6, 37]", "[[0, 58], [6, 37]", "# risk-a"),
    ("risk-monotone", "error", STUDY, "[12, 24]", "[12, 40]", "# risk-a"),
]


@pytest.mark.parametrize(("check", "severity", "file", "old", "new", "anchor"), CSV_MUTATIONS,
                         ids=[f"{m[0]}-{i}" for i, m in enumerate(CSV_MUTATIONS)])
def test_curve_mutation_is_reported_at_the_curve_line(tmp_path, check, severity, file, old, new,
                                                      anchor):
    study, text = _copy(tmp_path, file, old, new)
    findings = audit_file(study)
    got = {(f.check, f.severity, f.line) for f in findings}
    assert (check, severity, line_of(text, anchor)) in got, "\n".join(
        f.format() for f in findings)


needs_km = pytest.mark.skipif(not available(), reason="extraction.km not installed")


@needs_km
@pytest.mark.parametrize(("check", "old", "new", "anchor"), [
    ("km-median", "median: 11.1  # os-a-median", "median: 16.0  # os-a-median",
     "# os-a-median"),
    ("km-median", "median: 11.1  # os-a-median", "median: NE  # os-a-median", "# os-a-median"),
    ("km-events", "events: 43  # os-a-events", "events: 20  # os-a-events", "# curve-a-file"),
    ("km-hr", "estimate: 0.65  # hr-estimate\n    ci_lower: 0.43\n    ci_upper: 0.99",
     "estimate: 0.40  # hr-estimate\n    ci_lower: 0.26\n    ci_upper: 0.61", "# hr-estimate"),
])
def test_reconstruction_disagreeing_with_reported_numbers_is_a_warning(tmp_path, check, old,
                                                                      new, anchor):
    study, text = _copy(tmp_path, STUDY, old, new)
    findings = audit_file(study)
    got = {(f.check, f.severity, f.line) for f in findings}
    assert (check, "warning", line_of(text, anchor)) in got, "\n".join(
        f.format() for f in findings)


def test_cox_breslow_hr_against_r_survival():
    ref = json.loads((FIXTURES / "audit_cox.json").read_text())
    ipd = np.genfromtxt(FIXTURES / "audit_cox_ipd.csv", delimiter=",", names=True)
    hr = cox_hr_binary(ipd["time"], ipd["event"], ipd["group"])
    # Newton-Raphson to |step| < 1e-10 on beta; R converged with eps 1e-10: agree to 1e-8
    assert hr == pytest.approx(ref["hr_breslow"], rel=1e-8)


def test_cox_breslow_with_ties_against_hand_computation():
    # two tied events at t=1 (one per group) with 2 + 2 at risk, then one event at t=2 in group
    # 0 with 1 + 1 at risk. Breslow score: (1 - 2*2e^b/(2 + 2e^b)) + (0 - e^b/(1 + e^b))
    # = 1 - 3e^b/(1 + e^b) = 0  =>  e^b = 1/2.
    hr = cox_hr_binary([1, 1, 2, 3], [1, 1, 1, 0], [1, 0, 0, 1])
    assert hr == pytest.approx(0.5, abs=1e-9)
