"""``hccmeta pool`` end to end: JSON against the metafor fixtures, text output, and bad CSVs
(exit code 2, one ``file:line: column: expected ..., got ...`` message per problem)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from reports.cli import app

FIX = Path(__file__).resolve().parents[2] / "reference" / "fixtures"
RMA = json.loads((FIX / "metafor_rma.json").read_text(encoding="utf-8"))
SUB = json.loads((FIX / "metafor_rma_subgroups.json").read_text(encoding="utf-8"))
RUNNER = CliRunner()


def _case(cid: str) -> dict:
    return next(c for c in RMA["cases"] if c["id"] == cid)


@pytest.fixture()
def bcg_csv(tmp_path: Path) -> Path:
    d = SUB["datasets"]["bcg"]
    path = tmp_path / "bcg.csv"
    rows = ["study,yi,sei,ablat,alloc"]
    for i, (y, v, x, g) in enumerate(zip(d["yi"], d["vi"], d["x"], d["group"], strict=True)):
        rows.append(f"S{i + 1},{y!r},{float(np.sqrt(v))!r},{x},{g}")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def _run(*args: str):
    return RUNNER.invoke(app, ["pool", *args])


def test_pool_json_against_metafor_reml_knha(bcg_csv):
    res = _run("--csv", str(bcg_csv), "--measure", "GEN", "--ci", "knha", "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    ref = _case("bcg/REML/knha/")
    np.testing.assert_allclose([out["estimate"], out["se"], out["ci_lb"], out["ci_ub"],
                                out["tau2"], out["pi_lb"], out["pi_ub"]],
                               [ref["beta"], ref["se"], ref["ci_lb"], ref["ci_ub"],
                                ref["tau2"], ref["pi_lb"], ref["pi_ub"]], rtol=1e-6)
    np.testing.assert_allclose([out["knha"]["se"], out["knha"]["pval"]], [ref["se"], ref["pval"]],
                               rtol=1e-6)
    np.testing.assert_allclose(out["weights_pct"], ref["weights_pct"], rtol=1e-6)
    np.testing.assert_allclose([out["tau2_ci_lb"], out["tau2_ci_ub"]],
                               [ref["qp"]["tau2_lb"], ref["qp"]["tau2_ub"]], rtol=1e-4)
    assert out["backtransformed"]["estimate"] == pytest.approx(out["estimate"])  # GEN: identity
    for block in ("egger", "trimfill", "leave1out"):
        assert block in out
    assert out["input"]["lines"] == list(range(2, 15))


@pytest.mark.parametrize("method", ["DL", "PM", "FE"])
def test_pool_methods_against_metafor(bcg_csv, method):
    out = json.loads(_run("--csv", str(bcg_csv), "--measure", "GEN", "--method", method,
                          "--json").stdout)
    ref = _case(f"bcg/{method}/z/")
    np.testing.assert_allclose([out["estimate"], out["se"], out["tau2"], out["I2"], out["Q"]],
                               [ref["beta"], ref["se"], ref["tau2"], ref["I2"], ref["QE"]],
                               rtol=1e-6, atol=1e-10)


def test_pool_mod_against_metafor(bcg_csv):
    out = json.loads(_run("--csv", str(bcg_csv), "--measure", "GEN", "--mod", "ablat",
                          "--json").stdout)
    ref = next(c for c in SUB["regressions"] if c["id"] == "bcg/ablat/REML/z")
    md = out["moderator"]
    assert md["names"] == ["intrcpt", "ablat"]
    np.testing.assert_allclose([row["estimate"] for row in md["coefficients"]], ref["beta"],
                               rtol=1e-6)
    np.testing.assert_allclose([md["QM"], md["R2"], md["tau2"]], [ref["QM"], ref["R2"],
                               ref["tau2"]], rtol=1e-6)


def test_pool_by_against_metafor(bcg_csv):
    out = json.loads(_run("--csv", str(bcg_csv), "--measure", "GEN", "--by", "alloc",
                          "--json").stdout)
    ref = next(c for c in SUB["subgroups"] if c["id"] == "bcg/REML/z")
    sg = out["subgroups"]
    assert sg["levels"] == ref["levels"]
    np.testing.assert_allclose(sg["separate_tau2"]["Q_between"], ref["between"]["Q"], rtol=1e-6)
    np.testing.assert_allclose(sg["common_tau2"]["QM"], ref["common"]["QM"], rtol=1e-6)


def test_pool_text_output(bcg_csv):
    res = _run("--csv", str(bcg_csv), "--measure", "GEN")
    assert res.exit_code == 0
    assert "REML (k = 13, z test): estimate -0.7145" in res.stdout
    assert "prediction interval" in res.stdout


def test_pool_proportions_and_ratios(tmp_path):
    props = tmp_path / "p.csv"
    props.write_text("study,xi,ni\nA,10,50\nB,0,20\nC,30,60\n", encoding="utf-8")
    out = json.loads(_run("--csv", str(props), "--measure", "PLO", "--json").stdout)
    assert out["k"] == 3 and "continuity correction" in out["input"]["notes"][1]
    assert 0 < out["backtransformed"]["estimate"] < 1
    ratio = tmp_path / "r.csv"
    ratio.write_text("study,est,lower,upper\nA,0.8,0.6,1.07\nB,0.7,0.5,0.98\n", encoding="utf-8")
    out = json.loads(_run("--csv", str(ratio), "--measure", "RATIO", "--ci", "knha",
                          "--json").stdout)
    assert out["knha"]["df"] == 1
    assert out["backtransformed"]["estimate"] == pytest.approx(np.exp(out["estimate"]))


@pytest.mark.parametrize(
    ("content", "args", "messages"),
    [
        ("study,yi,vi\nA,0.1,0.2\nB,x,0.1\nC,0.3,-1\nA,0.2,0.1\n", ["--measure", "GEN"],
         [":3: yi: expected a finite number, got 'x'", ":4: vi: expected a number > 0, got '-1'",
          ":5: study: expected a unique label, got 'A' (also on line 2)"]),
        ("study,yi,vi\n", ["--measure", "PLO"],
         [":1: header: expected columns study,xi,ni for --measure PLO"]),
        ("study,xi,ni\nA,5,3\nB,1.5,10\n", ["--measure", "PR"],
         [":2: ni: expected a whole number >= xi (5), got '3'",
          ":3: xi: expected a whole number >= 0, got '1.5'"]),
        ("study,est,lower,upper\nA,0.8,0.9,1.0\n", ["--measure", "RATIO"],
         [":2: lower: expected a number <= est (0.8), got '0.9'"]),
        ("study,yi,vi,x\nA,0.1,0.2,1\nB,0.2,0.1,\n", ["--measure", "GEN", "--mod", "x"],
         [":3: x: expected a finite number, got ''"]),
        ("study,yi,vi\nA,0.1,0.2\n", ["--measure", "GEN", "--by", "g"],
         [":1: header: expected a column 'g' for --by"]),
        ("study,yi,vi\nA,0.1,0.2\n", ["--measure", "GEN", "--ci", "knha"],
         ["test='knha' needs k > p"]),
        ("study,yi,vi\nA,0.1,0.2\n", ["--measure", "XX"], ["--measure: expected one of"]),
        ("study,yi,vi\nA,0.1,0.2\n", ["--measure", "GEN", "--method", "X"],
         ["--method: expected one of"]),
    ],
)
def test_pool_bad_input_exits_2_with_file_line_messages(tmp_path, content, args, messages):
    path = tmp_path / "in.csv"
    path.write_text(content, encoding="utf-8")
    res = _run("--csv", str(path), *args)
    assert res.exit_code == 2
    for message in messages:
        assert message in res.output
    assert "Traceback" not in res.output


def test_pool_missing_file_exits_2(tmp_path):
    res = _run("--csv", str(tmp_path / "nope.csv"), "--measure", "GEN")
    assert res.exit_code == 2 and "expected an existing file, got none" in res.output


def test_pool_single_study_is_documented_in_notes(tmp_path):
    path = tmp_path / "one.csv"
    path.write_text("study,yi,vi\nA,0.1,0.04\n", encoding="utf-8")
    out = json.loads(_run("--csv", str(path), "--measure", "GEN", "--json").stdout)
    assert out["k"] == 1 and out["tau2"] == 0.0 and out["estimate"] == pytest.approx(0.1)
    assert any("k = 1: common-effect result" in note for note in out["notes"])
    assert out["egger"] is None and out["leave1out"] is None
