"""``hccmeta reconstruct``: the design's command line, output contract and input errors."""

from __future__ import annotations

import numpy as np
import pytest
from typer.testing import CliRunner

from extraction.km.simulate import digitize_clean, risk_table, simulate_arm
from reports.cli import app


@pytest.fixture
def inputs(tmp_path):
    rng = np.random.default_rng(5)
    t, e = simulate_arm(rng, 150, scale=15.0)
    px, py = digitize_clean(t, e)
    curve = tmp_path / "curve.csv"  # WebPlotDigitizer style: no header, percent
    curve.write_text("".join(f"{x:.4f},{100 * y:.3f}\n" for x, y in zip(px, py, strict=True)))
    rt, rn = risk_table(t, 6.0)
    risk = tmp_path / "risk.csv"
    risk.write_text("time,n_risk\n" + "".join(f"{a:g},{int(b)}\n" for a, b in zip(rt, rn,
                                                                               strict=True)))
    return curve, risk, int(e.sum())


def _run(*args):
    return CliRunner().invoke(app, ["reconstruct", *map(str, args)])


def test_reconstruct_writes_pseudo_ipd_csv_and_plot(inputs, tmp_path):
    curve, risk, events = inputs
    out, plot = tmp_path / "ipd.csv", tmp_path / "overlay.png"
    result = _run("--curve", curve, "--risk", risk, "--n", 150, "--events", events, "--out", out,
                  "--plot", plot)
    assert result.exit_code == 0, result.output
    lines = out.read_text().splitlines()
    assert lines[0] == "time,event"
    data = np.array([list(map(float, line.split(","))) for line in lines[1:]])
    assert data.shape == (150, 2)
    assert int(data[:, 1].sum()) == events
    assert plot.stat().st_size > 10_000
    assert "survival read as percent" in result.output
    assert f"events: {events} (reported {events})" in result.output


def test_overlay_frame_carries_what_is_drawn(inputs, tmp_path):
    from extraction.km import diagnose, read_curve_csv, read_risk_csv, reconstruct_km
    from reports.figures.km_overlay import plot_km_overlay

    curve, risk, events = inputs
    diag = diagnose(reconstruct_km(read_curve_csv(curve), 150, read_risk_csv(risk), events))
    frame = plot_km_overlay(diag, tmp_path / "o.svg")
    assert set(frame.series) == {"digitized", "reconstructed", "at risk"}
    assert (frame.series == "digitized").sum() == diag.points_time.size
    risk_rows = frame[frame.series == "at risk"]
    assert list(risk_rows.value) == list(diag.risk_reconstructed)
    assert (tmp_path / "o.svg").read_text().startswith("<?xml")


@pytest.mark.parametrize(("args", "message"), [
    (["--n", 0], "hccmeta reconstruct: --n: expected a whole number >= 1, got 0"),
    (["--n", 150, "--events", 151], "--events: expected a whole number of events in 0..150"),
    (["--n", 149], "n_risk: expected 149 at risk at time 0 (as --n), got 150"),
])
def test_invalid_numbers_exit_2_with_one_line(inputs, tmp_path, args, message):
    curve, risk, _ = inputs
    result = _run("--curve", curve, "--risk", risk, "--out", tmp_path / "o.csv", *args)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "o.csv").exists()


def test_bad_csv_row_reports_file_line_column(tmp_path):
    curve = tmp_path / "c.csv"
    curve.write_text("time,survival\n0,1\n3,0.9\n6,O.8\n")
    result = _run("--curve", curve, "--n", 20, "--out", tmp_path / "o.csv")
    assert result.exit_code == 2
    assert result.output.strip() == (f"hccmeta reconstruct: {curve}:4:3: survival: expected a "
                                     "number, got 'O.8'")


def test_increasing_risk_count_is_an_input_error(tmp_path, inputs):
    curve, _, _ = inputs
    risk = tmp_path / "r.csv"
    risk.write_text("0,150\n6,120\n12,130\n")
    result = _run("--curve", curve, "--risk", risk, "--n", 150, "--out", tmp_path / "o.csv")
    assert result.exit_code == 2
    assert f"{risk}:3: n_risk: expected numbers at risk that never increase" in result.output


def test_overlay_title_is_literal_text(inputs, tmp_path):
    from extraction.km import diagnose, read_curve_csv, read_risk_csv, reconstruct_km
    from reports.figures.km_overlay import plot_km_overlay

    curve, risk, events = inputs
    diag = diagnose(reconstruct_km(read_curve_csv(curve), 150, read_risk_csv(risk), events))
    # as mathtext this would not parse (matplotlib raises ValueError while drawing)
    plot_km_overlay(diag, tmp_path / "t.svg", title="arm $\\frac{$ one")
    assert (tmp_path / "t.svg").stat().st_size > 10_000
