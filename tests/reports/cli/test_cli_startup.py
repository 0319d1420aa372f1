"""The CLI starts fast: registering commands must not import SciPy, pandas or matplotlib
(``hccmeta validate`` from a cold process went from 2.6 s to 0.7 s when pool's imports were made
lazy). Heavy modules are imported inside the command that needs them."""

from __future__ import annotations

import json
import subprocess
import sys


def test_importing_the_cli_loads_no_heavy_library():
    code = ("import json, sys, reports.cli; print(json.dumps(sorted(m for m in "
            "('scipy', 'pandas', 'matplotlib', 'statsmodels', 'typst') if m in sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=60)
    assert json.loads(out.stdout) == []


def test_every_contract_command_is_registered():
    from typer.main import get_command

    from reports.cli import app

    names = set(get_command(app).commands)
    assert {"validate", "new", "schema", "audit", "diff", "reconstruct", "pool",
            "report"} <= names


def test_importing_the_cli_loads_neither_pydantic_nor_numpy():
    """`hccmeta --help` must answer in well under 0.3 s: the study-file machinery (pydantic,
    YAML) and NumPy are imported inside the commands (benchmarks/bench_cli_help.py times it)."""
    code = ("import json, sys, reports.cli; print(json.dumps(sorted(m for m in "
            "('pydantic', 'yaml', 'numpy', 'extraction.loader', 'extraction.schema') "
            "if m in sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=60)
    assert json.loads(out.stdout) == []


def test_report_progress_lists_each_step_with_its_time(capsys):
    from reports.cli.progress import Steps

    with Steps(True, "starting") as steps:
        steps("analysing")
        steps("rendering PDF")
    err = capsys.readouterr().err
    assert [line.split(" (")[0] for line in err.splitlines() if "✓" in line] == [
        "✓ starting", "✓ analysing", "✓ rendering PDF"]


def test_report_progress_is_silent_when_disabled(capsys):
    from reports.cli.progress import Steps

    with Steps(False) as steps:
        steps("analysing")
    assert capsys.readouterr() == ("", "")


def test_the_report_build_leaves_matplotlib_and_fonttools_to_the_workers():
    """The main process of `hccmeta report` builds frames and text; only the figure workers
    draw. Importing everything the build imports, and finding the font folder for Typst, must
    not import matplotlib (~0.35 s) or fontTools (the HTML font subset, made in a worker)."""
    code = ("import json, sys, reports.build, reports.sensitivity_figures, "
            "reports.survival_section, reports.figures.forest_frame, reports.figures.km_frame, "
            "reports.html_doc, reports.render; from reports.fonts import font_dir; "
            "assert (font_dir() / 'DejaVuSans.ttf').is_file(); "
            "print(json.dumps(sorted(m for m in ('matplotlib', 'fontTools') "
            "if m in sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=60)
    assert json.loads(out.stdout) == []


def test_the_console_script_asks_for_one_blas_thread_and_keeps_the_users_choice():
    code = ("import os, reports.cli as cli; from reports.blas import THREAD_VARIABLES; "
            "cli.app = lambda: None; cli.main(); "
            "print(','.join(os.environ[v] for v in THREAD_VARIABLES))")
    env = {k: v for k, v in __import__("os").environ.items() if not k.endswith("_NUM_THREADS")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=60, env=env)
    assert out.stdout.strip() == "1,1,1"
    env["OPENBLAS_NUM_THREADS"] = "3"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=60, env=env)
    assert out.stdout.strip() == "3,1,1"
