"""Issue 15, exit codes: output lost on a closed or full standard output is exit 1 with one line
on stderr (``audit`` exited 0 with stdout closed; ``schema`` printed a traceback)."""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from hostile_helpers import ROOT, STUDIES

CODE = "import sys; from reports.cli import main; sys.argv[0] = 'hccmeta'; main()"
COMMANDS = [("audit", str(STUDIES / "kim2024.yaml")), ("schema",),
            ("diff", str(STUDIES / "kim2024.yaml"), str(STUDIES / "chen2023.yaml"))]


def _run(args: tuple[str, ...], redirect: str) -> subprocess.CompletedProcess:
    argv = shlex.join((sys.executable, "-c", CODE, *args))
    return subprocess.run(["sh", "-c", f"{argv} {redirect}"], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: a[0])
def test_closed_stdout_is_exit_1_with_one_line(args):
    result = _run(args, ">&-")
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert "expected a writable output" in result.stderr


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: a[0])
def test_full_stdout_is_exit_1_with_one_line(args):
    result = _run(args, ">/dev/full")
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert "No space left on device" in result.stderr
