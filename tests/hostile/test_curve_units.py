"""Issue 15: a curve's ``time_unit`` and ``survival_scale`` are applied at one place, on load, for
every consumer (the report read a curve digitized in weeks as months)."""

from __future__ import annotations

import shutil

import numpy as np
from hostile_helpers import STUDIES

from extraction import load_paths
from extraction.curve_units import curve_in_months
from reports.analysis.survival import reconstructed
from reports.plan import load_plan

MONTHS = [(0, 1.0), (3, 0.9), (6, 0.75), (9, 0.6), (12, 0.5), (18, 0.35), (24, 0.3)]
WEEKS_PER_MONTH = 52.1775 / 12


def _library(tmp_path, unit: str, scale: str, rows):
    lib = tmp_path / "lib"
    (lib / "km").mkdir(parents=True)
    for sid in ("zhai2025", "kim2024"):
        shutil.copy(STUDIES / f"{sid}.yaml", lib)
    (lib / "km" / "kim_os.csv").write_text(
        "time,survival\n" + "".join(f"{t},{s}\n" for t, s in rows), encoding="utf-8")
    text = (lib / "kim2024.yaml").read_text(encoding="utf-8")
    text = text.replace("\ncuration:", "\ncurves:\n  - endpoint: os\n    arm: nivo_ebrt\n"
                        f"    file: km/kim_os.csv\n    time_unit: {unit}\n"
                        f"    survival_scale: {scale}\n"
                        "    source: {location: figure, label: Figure 2}\ncuration:", 1)
    (lib / "kim2024.yaml").write_text(text, encoding="utf-8")
    records, issues = load_paths([lib])
    assert not issues, issues
    return records


def test_a_curve_in_weeks_and_percent_loads_in_months_and_proportions(tmp_path):
    rows = [(t * WEEKS_PER_MONTH, 100 * s) for t, s in MONTHS]
    records = _library(tmp_path, "weeks", "percent", rows)
    kim = next(r for r in records if r.id == "kim2024")
    curve, risk = curve_in_months(kim, kim.study.curves[0])
    np.testing.assert_allclose(curve.time, [t for t, _ in MONTHS], rtol=1e-12)
    np.testing.assert_allclose(curve.survival, [s for _, s in MONTHS], rtol=1e-12)
    assert risk is None


def test_the_report_uses_the_converted_curve(tmp_path):
    plan, _ = load_plan()
    weeks = _library(tmp_path / "w", "weeks", "auto",
                     [(t * WEEKS_PER_MONTH, s) for t, s in MONTHS])
    months = _library(tmp_path / "m", "months", "auto", MONTHS)
    (a, _, _), = reconstructed(weeks, plan, "os")
    (b, _, _), = reconstructed(months, plan, "os")
    np.testing.assert_allclose(a.time, b.time, rtol=1e-9)
    assert max(a.time) < 30  # months, not weeks (24 months = 104 weeks)


def test_a_declared_proportion_scale_is_not_overridden_by_one_typo(tmp_path):
    import pytest

    from extraction.km import KMInputError
    rows = [*MONTHS[:3], (9, 2.0), *MONTHS[4:]]
    records = _library(tmp_path, "months", "proportion", rows)
    kim = next(r for r in records if r.id == "kim2024")
    with pytest.raises(KMInputError, match="survival"):
        curve_in_months(kim, kim.study.curves[0])


def test_an_absurd_curve_time_is_a_located_error_not_an_overflow(tmp_path):
    """Found by the property round: a time of 1e308 overflowed the reconstruction."""
    import pytest

    from extraction.audit import audit_records
    from extraction.km import KMInputError
    records = _library(tmp_path, "weeks", "auto", [(0, 1.0), ("1e308", 0.0)])
    kim = next(r for r in records if r.id == "kim2024")
    with pytest.raises(KMInputError, match=r"km/kim_os.csv:3:.*at most 1200 months"):
        curve_in_months(kim, kim.study.curves[0])
    audit_records(records)  # no OverflowError
