"""``hccmeta pool``: the CSV format in ``--help``, ``--by`` per-subgroup output, the
back-transformed prediction interval, look-alike digits, huge values, a closed stdout and large
k (issues 13 and 15)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from reports.cli import app
from reports.pool_run import LEAVE1OUT_MAX_K

RUNNER = CliRunner()
HCCMETA = Path(sys.executable).with_name("hccmeta")


def _run(*args: str):
    return RUNNER.invoke(app, ["pool", *args])


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "in.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_help_documents_the_csv_format_without_a_missing_design_doc():
    res = RUNNER.invoke(app, ["pool", "--help"], terminal_width=200)
    assert res.exit_code == 0
    text = " ".join(res.output.split())
    for columns in ("study,yi,vi", "study,yi,sei", "study,est,lower,upper", "study,xi,ni"):
        assert columns in text
    assert "design.md" not in res.output


def test_by_prints_each_subgroup_and_the_test_of_differences(tmp_path):
    path = _write(tmp_path, "study,xi,ni,g\na,10,50,x\nb,12,40,x\nc,30,60,y\nd,5,50,y\n"
                            "e,22,70,y\n")
    res = _run("--csv", str(path), "--measure", "PLO", "--by", "g")
    assert res.exit_code == 0, res.output
    out = json.loads(_run("--csv", str(path), "--measure", "PLO", "--by", "g", "--json").stdout)
    groups = out["subgroups"]["separate_tau2"]["groups"]
    lines = res.stdout.splitlines()
    for g in groups:
        row = next(line for line in lines if line.startswith(g["group"] + " "))
        assert f"{g['estimate']:.4f}" in row and f"{g['ci_lb']:.4f}" in row
        # back-transformed on the proportion scale
        assert g["backtransformed"]["estimate"] == pytest.approx(1 / (1 + np.exp(-g["estimate"])))
        assert f"{g['backtransformed']['estimate']:.4f}" in row
    sep = out["subgroups"]["separate_tau2"]
    assert (f"test of subgroup differences: Q_between({sep['Q_between_df']}) = "
            f"{sep['Q_between']:.3f}") in res.stdout


def test_prediction_interval_is_back_transformed(tmp_path):
    path = _write(tmp_path, "study,xi,ni\na,10,50\nb,12,40\nc,30,60\nd,5,50\n")
    out = json.loads(_run("--csv", str(path), "--measure", "PLO", "--json").stdout)
    bt = out["backtransformed"]
    assert bt["pi_lb"] == pytest.approx(1 / (1 + np.exp(-out["pi_lb"])))
    text = _run("--csv", str(path), "--measure", "PLO").stdout
    assert f"back-transformed [{bt['pi_lb']:.4f}, {bt['pi_ub']:.4f}]" in text


@pytest.mark.parametrize("cell", ["1_0", "\u0663", "\uff13", "1\u0660", "0x1"])
def test_look_alike_digits_are_refused_with_their_line(tmp_path, cell):
    path = _write(tmp_path, f"study,yi,vi\na,0.1,0.1\nb,{cell},0.1\n")
    res = _run("--csv", str(path), "--measure", "GEN")
    assert res.exit_code == 2
    assert "in.csv:3: yi: expected a finite number" in res.output
    assert "Traceback" not in res.output


@pytest.mark.parametrize(("row", "message"), [
    ("a,1e308,0.1", ":2: yi: expected a number with |value| <= 1e50"),
    ("a,0.1,1e-300", ":2: vi: expected a number in [1e-50, 1e50]"),
    ("a,0.1,1e300", ":2: vi: expected a number in [1e-50, 1e50]"),
])
def test_huge_values_are_input_errors_not_tracebacks(tmp_path, row, message):
    path = _write(tmp_path, f"study,yi,vi\n{row}\nb,0.2,0.1\nc,0.3,0.2\n")
    res = _run("--csv", str(path), "--measure", "GEN")
    assert res.exit_code == 2 and message in res.output
    assert "Traceback" not in res.output


def test_huge_proportion_counts_are_an_input_error(tmp_path):
    path = _write(tmp_path, "study,xi,ni\na,1,1000000000000000000000000000000000000000000000000000"
                            "0000\nb,2,10\nc,3,10\n")
    res = _run("--csv", str(path), "--measure", "PLO")
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert ":2: ni: expected a whole number <= 1e10" in res.output


def test_closed_stdout_is_a_failure_not_exit_0(tmp_path):
    path = _write(tmp_path, "study,yi,vi\na,0.1,0.1\nb,0.2,0.1\nc,0.3,0.2\n")
    proc = subprocess.run(["bash", "-c", f'"{HCCMETA}" pool --csv "{path}" --measure GEN >&-'],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 1
    assert "output lost" in proc.stderr and "Traceback" not in proc.stderr


def test_large_k_skips_leave_one_out_with_a_note(tmp_path):
    k = LEAVE1OUT_MAX_K + 1
    rng = np.random.default_rng(3)
    rows = "".join(f"s{i},{rng.normal():.5f},{rng.uniform(0.05, 0.5):.5f}\n" for i in range(k))
    path = _write(tmp_path, "study,yi,vi\n" + rows)
    out = json.loads(_run("--csv", str(path), "--measure", "GEN", "--json").stdout)
    assert out["k"] == k and out["leave1out"] is None
    assert f"leave1out: not computed for k > {LEAVE1OUT_MAX_K:,} (k = {k:,})" in out["notes"]
    assert out["egger"] is not None and out["trimfill"] is not None


def test_an_oversized_field_is_a_located_error_not_a_traceback(tmp_path):
    path = _write(tmp_path, "study,yi,vi\n" + "a" * 200_000 + ",0.1,0.1\nb,0.2,0.1\n")
    res = _run("--csv", str(path), "--measure", "GEN")
    assert res.exit_code == 2 and "in.csv:2: row: expected CSV text" in res.output
    assert "Traceback" not in res.output


def test_labels_with_newlines_or_escapes_print_as_one_escaped_line(tmp_path):
    path = _write(tmp_path, 'study,yi,vi\n"a\nforged",0.1,0.1\n"\x1b[31mred",0.2,0.1\n')
    res = _run("--csv", str(path), "--measure", "GEN")
    assert res.exit_code == 0
    assert "\x1b" not in res.stdout
    assert any(line.startswith("a\\nforged ") for line in res.stdout.splitlines())
    assert not any(line.startswith("forged") for line in res.stdout.splitlines())
    assert "\\x1b[31mred" in res.stdout


@pytest.mark.parametrize("level", ["0.95", "100", "nan"])
def test_a_bad_level_is_an_option_error(tmp_path, level):
    path = _write(tmp_path, "study,yi,vi\na,0.1,0.1\nb,0.2,0.1\n")
    res = _run("--csv", str(path), "--measure", "GEN", "--level", level)
    assert res.exit_code == 2
    assert "hccmeta pool: --level: expected a percentage in (1, 100)" in res.output
