"""Curve and risk CSV reading: header detection, percent detection, file:line:col errors."""

from __future__ import annotations

import numpy as np
import pytest

from extraction.km import KMInputError, make_curve, read_curve_csv, read_risk_csv


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_webplotdigitizer_export_without_header_percent_detected(tmp_path):
    path = _write(tmp_path, "c.csv", "0, 100\n3.2, 91.5\n6.0, 80.25\n")
    curve = read_curve_csv(path)
    assert curve.scale == "percent"
    np.testing.assert_allclose(curve.survival, [1.0, 0.915, 0.8025])
    np.testing.assert_allclose(curve.time, [0.0, 3.2, 6.0])
    assert curve.lines == (1, 2, 3)


def test_header_columns_found_by_name_and_proportion_detected(tmp_path):
    path = _write(tmp_path, "c.csv", "# digitized 2026\nsurvival,time\n1,0\n0.9,2\n\n0.8,5\n")
    curve = read_curve_csv(path)
    assert curve.scale == "proportion"
    np.testing.assert_allclose(curve.time, [0, 2, 5])
    np.testing.assert_allclose(curve.survival, [1, 0.9, 0.8])
    assert curve.lines == (3, 4, 6)


def test_semicolon_with_decimal_comma(tmp_path):
    curve = read_curve_csv(_write(tmp_path, "c.csv", "time;survival\n0;1\n2,5;0,75\n"))
    np.testing.assert_allclose(curve.time, [0, 2.5])
    np.testing.assert_allclose(curve.survival, [1, 0.75])


@pytest.mark.parametrize(("text", "where", "field"), [
    ("0,1\n1,abc\n", ":2:3", "survival"),
    ("0,1\n  x1 ,0.5\n", ":2:3", "time"),
    ("0,1\n1,0.5,7\n", ":2", "row"),
    ("0,1\n1\n", ":2", "row"),
    ("0,1\n2,1.3\n", ":2", "survival"),       # 130 % of a proportion curve
    ("0,1\n-5,0.9\n6,0.8\n", ":2", "time"),    # far left of the axis
    ("0,1\n1,nan\n", ":2", "survival"),
])
def test_bad_curve_rows_name_file_line_and_column(tmp_path, text, where, field):
    path = _write(tmp_path, "bad.csv", text)
    with pytest.raises(KMInputError) as info:
        read_curve_csv(path)
    message = str(info.value)
    assert message.startswith(f"{path}{where}")
    assert f": {field}: expected" in message
    assert "\n" not in message


def test_tiny_negative_time_and_overshoot_are_tolerated_and_clipped_later():
    curve = make_curve([-0.05, 10, 20], [1.004, 0.6, -0.002])
    assert curve.time[0] == -0.05  # kept as clicked; preprocess clips
    assert curve.scale == "proportion"


def test_risk_table_read_and_increasing_count_rejected_with_line(tmp_path):
    ok = read_risk_csv(_write(tmp_path, "r.csv", "time,n_risk\n0,100\n6,80\n12,51\n"))
    np.testing.assert_array_equal(ok.n_risk, [100, 80, 51])
    assert ok.informative
    path = _write(tmp_path, "r2.csv", "time,n_risk\n0,100\n6,80\n12,85\n")
    with pytest.raises(KMInputError, match=r"r2\.csv:4: n_risk: expected numbers at risk that "
                       r"never increase, got 85 at time 12 after 80 at time 6"):
        read_risk_csv(path)


@pytest.mark.parametrize(("text", "match"), [
    ("0,100\n6,80.5\n", r":2: n_risk: expected a whole number >= 0, got 80.5"),
    ("0,100\n-6,80\n", r":2: time: expected a time >= 0, got -6"),
    ("0,100\n6,80\n6,70\n", r":3: time: expected each time once, got 6 twice"),
])
def test_bad_risk_rows(tmp_path, text, match):
    with pytest.raises(KMInputError, match=match):
        read_risk_csv(_write(tmp_path, "r.csv", text))


def test_single_row_at_zero_means_no_risk_table(tmp_path):
    table = read_risk_csv(_write(tmp_path, "r.csv", "0,120\n"))
    assert not table.informative


def test_missing_and_empty_files(tmp_path):
    with pytest.raises(KMInputError, match="expected an existing file"):
        read_curve_csv(tmp_path / "nope.csv")
    with pytest.raises(KMInputError, match="got none"):
        read_curve_csv(_write(tmp_path, "e.csv", "time,survival\n"))
    assert issubclass(KMInputError, ValueError)
