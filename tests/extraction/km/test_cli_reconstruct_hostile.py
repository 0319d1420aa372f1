"""``hccmeta reconstruct`` on careless or hostile input (issue 15) and WebPlotDigitizer's
multi-dataset export and the N-only warning (issue 13): one line, right exit code, no traceback."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from extraction.km import KMInputError, read_curve_csv
from reports.cli import app

FIXTURES = Path(__file__).parent / "fixtures"
CURVE = "time,survival\n0,1\n3,0.9\n6,0.75\n9,0.6\n12,0.5\n18,0.4\n24,0.35\n"
RISK = "time,n_risk\n0,100\n6,70\n12,45\n18,30\n24,12\n"


def _run(*args):
    return CliRunner().invoke(app, ["reconstruct", *map(str, args)])


def _one_line_error(result, code: int, *needles: str) -> str:
    assert result.exit_code == code, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if "hccmeta reconstruct:" in line]
    assert len(errors) == 1, result.output
    for needle in needles:
        assert needle in errors[0], errors[0]
    return errors[0]


@pytest.fixture
def files(tmp_path):
    curve, risk = tmp_path / "curve.csv", tmp_path / "risk.csv"
    curve.write_text(CURVE)
    risk.write_text(RISK)
    return curve, risk


def test_one_typo_in_a_proportion_curve_is_refused_naming_the_row(files, tmp_path):
    curve, risk = files
    curve.write_text(CURVE.replace("6,0.75", "6,2.0"))
    out = tmp_path / "ipd.csv"
    _one_line_error(_run("--curve", curve, "--risk", risk, "--n", 100, "--out", out), 2,
                    f"{curve}:4:", "--scale")
    assert not out.exists()
    _one_line_error(_run("--curve", curve, "--risk", risk, "--n", 100, "--out", out,
                         "--scale", "proportion"), 2, f"{curve}:4:", "0..1")


def test_scale_percent_and_proportion_are_obeyed(files, tmp_path):
    curve, _ = files
    pct = tmp_path / "pct.csv"
    pct.write_text("".join(f"{t},{100 * float(s)}\n" for t, s in
                           (row.split(",") for row in CURVE.splitlines()[1:])))
    assert read_curve_csv(pct).scale == "percent"
    assert read_curve_csv(pct, scale="percent").survival[-1] == pytest.approx(0.35)
    with pytest.raises(KMInputError, match=r"0\.\.1"):
        read_curve_csv(pct, scale="proportion")
    _one_line_error(_run("--curve", curve, "--n", 100, "--out", tmp_path / "o.csv",
                         "--scale", "permille"), 2, "--scale")


@pytest.mark.parametrize("value", ["1_0", "\u0661\u0662", "\uff11\uff12", "0x10", "1e"])
@pytest.mark.parametrize("which", ["curve", "risk"])
def test_digits_study_files_refuse_are_refused_in_csvs(files, tmp_path, value, which):
    curve, risk = files
    target = curve if which == "curve" else risk
    target.write_text(target.read_text().replace("\n12,", f"\n{value},"))
    row = 6 if which == "curve" else 4
    line = _one_line_error(_run("--curve", curve, "--risk", risk, "--n", 100, "--out",
                                tmp_path / "o.csv"), 2, f"{target}:{row}:1:", "expected a number")
    assert "time" in line


@pytest.mark.parametrize(("flag", "value"), [("--n", "1_00"), ("--n", "\u0661\u0660\u0660"),
                                             ("--events", "\uff15\uff10"), ("--n", "1e2")])
def test_counts_on_the_command_line_take_ascii_digits_only(files, tmp_path, flag, value):
    curve, risk = files
    args = {"--n": "100", "--events": "50", flag: value}
    _one_line_error(_run("--curve", curve, "--risk", risk, "--n", args["--n"], "--events",
                         args["--events"], "--out", tmp_path / "o.csv"), 2, flag)


@pytest.mark.parametrize("value", ["nan", "-3", "0", "inf"])
def test_bad_median_exits_2(files, tmp_path, value):
    curve, risk = files
    _one_line_error(_run("--curve", curve, "--risk", risk, "--n", 100, "--out",
                         tmp_path / "o.csv", "--median", value), 2, "--median")


def test_cr_only_line_endings_are_read_with_right_line_numbers(files, tmp_path):
    curve, _ = files
    curve.write_bytes(CURVE.replace("\n", "\r").encode())
    got = read_curve_csv(curve)
    assert got.survival.size == 7 and got.lines == (2, 3, 4, 5, 6, 7, 8)
    curve.write_bytes(CURVE.replace("\n", "\r").replace("9,0.6", "9,x").encode())
    with pytest.raises(KMInputError) as err:
        read_curve_csv(curve)
    assert (err.value.line, err.value.col) == (5, 3)


def test_folder_fifo_and_device_as_input_are_refused_without_hanging(files, tmp_path):
    curve, _ = files
    out = tmp_path / "o.csv"
    _one_line_error(_run("--curve", tmp_path, "--n", 100, "--out", out), 2, "a folder")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    _one_line_error(_run("--curve", fifo, "--n", 100, "--out", out), 2, "FIFO")
    _one_line_error(_run("--curve", curve, "--risk", "/dev/zero", "--n", 100, "--out", out), 2,
                    "/dev/zero", "special file")
    _one_line_error(_run("--curve", tmp_path / "missing.csv", "--n", 100, "--out", out), 2,
                    "existing file")
    assert not out.exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file permissions")
def test_unreadable_input_and_read_only_output_folder(files, tmp_path):
    curve, risk = files
    risk.chmod(0)
    try:
        _one_line_error(_run("--curve", curve, "--risk", risk, "--n", 100, "--out",
                             tmp_path / "o.csv"), 2, "readable")
    finally:
        risk.chmod(0o644)
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        _one_line_error(_run("--curve", curve, "--risk", risk, "--n", 100, "--out",
                             locked / "o.csv"), 1, "--out", "writable")
    finally:
        locked.chmod(0o755)


def test_output_folder_and_full_disk_exit_1_and_leave_nothing(files, tmp_path, monkeypatch):
    curve, risk = files
    _one_line_error(_run("--curve", curve, "--risk", risk, "--n", 100, "--out", tmp_path), 1,
                    "--out")

    def full(*_args, **_kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    out = tmp_path / "o.csv"
    _one_line_error(_run("--curve", curve, "--risk", risk, "--n", 100, "--out", out), 1,
                    "No space left")
    assert not out.exists() and not list(tmp_path.glob(".o.csv.*"))
    monkeypatch.undo()

    def read_only(*_args, **_kwargs):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    import tempfile

    monkeypatch.setattr(tempfile, "mkstemp", read_only)
    _one_line_error(_run("--curve", curve, "--risk", risk, "--n", 100, "--out", out), 1,
                    "Read-only file system")


def test_out_over_an_input_or_into_the_library_is_refused(files, tmp_path):
    curve, risk = files
    before = curve.read_text()
    for target in (curve, risk):
        _one_line_error(_run("--curve", curve, "--risk", risk, "--n", 100, "--out", target), 2,
                        "is an input")
    assert curve.read_text() == before
    library = tmp_path / "studies"
    (library / "ipd").mkdir(parents=True)
    _one_line_error(_run("--curve", curve, "--risk", risk, "--n", 100, "--out",
                         library / "ipd" / "x.csv", "--studies", library), 2, "library")
    assert not (library / "ipd" / "x.csv").exists()


def test_formula_arm_label_is_neutralised(files, tmp_path):
    curve, risk = files
    out = tmp_path / "o.csv"
    result = _run("--curve", curve, "--risk", risk, "--n", 100, "--out", out, "--arm",
                  '=HYPERLINK("http://x","y")')
    assert result.exit_code == 0, result.output
    rows = out.read_text().splitlines()
    assert rows[1].endswith(',"\'=HYPERLINK(""http://x"",""y"")"')
    assert all(",=" not in row and ',"=' not in row for row in rows)


def test_web_plot_digitizer_export_all_datasets(tmp_path):
    path = FIXTURES / "wpd_export_all_datasets.csv"
    soraf = read_curve_csv(path, dataset="Sorafenib 400 mg bid")
    placebo = read_curve_csv(path, dataset="Placebo")
    assert (soraf.time.size, placebo.time.size) == (62, 50)
    assert soraf.scale == placebo.scale == "percent"
    assert soraf.lines[0] == 3 and placebo.lines[-1] == 52
    assert np.all(soraf.survival <= 1.05)
    with pytest.raises(KMInputError, match="'Sorafenib 400 mg bid', 'Placebo'"):
        read_curve_csv(path)
    with pytest.raises(KMInputError, match="got 'placebo'"):
        read_curve_csv(path, dataset="placebo")
    out = tmp_path / "ipd.csv"
    result = _run("--curve", path, "--curve", path, "--dataset", "Sorafenib 400 mg bid",
                  "--dataset", "Placebo", "--n", 150, "--n", 120, "--events", 128, "--events",
                  107, "--arm", "sorafenib", "--arm", "placebo", "--out", out)
    assert result.exit_code == 0, result.output
    rows = out.read_text().splitlines()[1:]
    assert sum(r.endswith(",sorafenib") for r in rows) == 150
    assert sum(r.endswith(",1,placebo") for r in rows) == 107
    _one_line_error(_run("--curve", FIXTURES / "wpd_export_all_datasets.csv", "--n", 150,
                         "--out", out), 2, "--dataset")
    quoted = tmp_path / "quoted.csv"
    quoted.write_text('"Sorafenib, 400 mg",,Placebo,\nX,Y,X,Y\n0,100,0,100\n5,60,5,50\n,,9,20\n')
    assert read_curve_csv(quoted, dataset="Sorafenib, 400 mg").time.tolist() == [0, 5]
    assert read_curve_csv(quoted, dataset="Placebo").lines == (3, 4, 5)


def test_n_only_warns_with_the_range_of_event_counts(files, tmp_path):
    curve, _ = files
    result = _run("--curve", curve, "--n", 100, "--out", tmp_path / "o.csv")
    assert result.exit_code == 0, result.output
    warning = [line for line in result.output.splitlines() if line.startswith("warning:")]
    assert len(warning) == 1 and "neither a risk table nor total events" in warning[0]
    lo, hi = (int(x) for x in warning[0].split("allows ")[1].split(" ")[0].split(".."))
    assert hi == 65 and lo < hi  # 65 = 100 (1 - 0.35): nobody censored before the end
    with_risk = _run("--curve", curve, "--risk", files[1], "--n", 100, "--out",
                     tmp_path / "o2.csv")
    assert "warning:" not in with_risk.output
