"""``hccmeta reconstruct`` with several arms: one call, a ``time,event,arm`` CSV (design.md),
each arm's N and events exact, per-arm plots, and mismatched option counts refused."""

from __future__ import annotations

import csv

import numpy as np
from typer.testing import CliRunner

from extraction.km.simulate import digitize_clean, risk_table, simulate_arm
from reports.cli import app


def _arm(tmp_path, name, seed, n, scale):
    rng = np.random.default_rng(seed)
    t, e = simulate_arm(rng, n, scale=scale)
    px, py = digitize_clean(t, e)
    curve = tmp_path / f"{name}.csv"
    curve.write_text("time,survival\n" + "".join(f"{x:.4f},{y:.5f}\n"
                                                  for x, y in zip(px, py, strict=True)))
    rt, rn = risk_table(t, 6.0)
    risk = tmp_path / f"{name}_risk.csv"
    risk.write_text("time,n_risk\n" + "".join(f"{a:g},{int(b)}\n"
                                              for a, b in zip(rt, rn, strict=True)))
    return curve, risk, n, int(e.sum())


def _run(*args):
    return CliRunner().invoke(app, ["reconstruct", *map(str, args)])


def test_two_arms_give_one_csv_with_an_arm_column(tmp_path):
    a = _arm(tmp_path, "rt_ici", 1, 120, 18.0)
    b = _arm(tmp_path, "sorafenib", 2, 90, 9.0)
    out, plot = tmp_path / "ipd.csv", tmp_path / "overlay.svg"
    result = _run("--curve", a[0], "--risk", a[1], "--n", a[2], "--events", a[3], "--arm",
                  "RT, ICI", "--curve", b[0], "--risk", b[1], "--n", b[2], "--events", b[3],
                  "--arm", "sorafenib", "--out", out, "--plot", plot)
    assert result.exit_code == 0, result.output
    with out.open() as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["time", "event", "arm"]
    for label, (_, _, n, d) in (("RT, ICI", a), ("sorafenib", b)):
        arm_rows = [r for r in rows if r["arm"] == label]
        assert len(arm_rows) == n
        assert sum(int(r["event"]) for r in arm_rows) == d
    assert (tmp_path / "overlay_RT_ICI.svg").exists()
    assert (tmp_path / "overlay_sorafenib.svg").exists()
    assert "arm RT, ICI:" in result.output and "2 arm(s)" in result.output


def test_one_arm_keeps_the_two_column_contract(tmp_path):
    a = _arm(tmp_path, "a", 3, 60, 12.0)
    out = tmp_path / "ipd.csv"
    assert _run("--curve", a[0], "--risk", a[1], "--n", a[2], "--out", out).exit_code == 0
    assert out.read_text().splitlines()[0] == "time,event"


def test_option_counts_must_match_the_curves(tmp_path):
    a = _arm(tmp_path, "a", 4, 60, 12.0)
    b = _arm(tmp_path, "b", 5, 60, 12.0)
    out = tmp_path / "ipd.csv"
    result = _run("--curve", a[0], "--curve", b[0], "--n", 60, "--out", out)
    assert result.exit_code == 2 and "expected one --n per --curve (2), got 1" in result.output
    assert not out.exists()
    result = _run("--curve", a[0], "--curve", b[0], "--n", 60, "--n", 60, "--arm", "x",
                  "--arm", "x", "--out", out)
    assert result.exit_code == 2 and "distinct arm labels" in result.output
