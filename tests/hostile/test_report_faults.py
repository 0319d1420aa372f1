"""Issue 15, faults: after ``kill -9`` or SIGTERM of ``hccmeta report`` its figure workers die with
it; SIGTERM, Ctrl-C and a full disk leave no hidden ``.<out>.XXXX.tmp`` staging folder and the
previous report intact."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hostile_helpers import ROOT, STUDIES

from reports import build
from reports.build import ReportError, build_report

pytestmark = pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux /proc")


def _children(pid: int) -> set[int]:
    out: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            out |= {int(c) for c in (task / "children").read_text().split()}
    return out


def _alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status and "\nState:\tX" not in status


def _wait(predicate, timeout: float) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def _start(tmp_path: Path) -> tuple[subprocess.Popen, Path]:
    lib = tmp_path / "lib"
    shutil.copytree(STUDIES, lib)
    out = tmp_path / "out"
    code = "import sys; from reports.cli import main; sys.argv[0] = 'hccmeta'; main()"
    log = (tmp_path / "stderr.txt").open("wb")  # a file, not a pipe: orphans cannot block a read
    proc = subprocess.Popen([sys.executable, "-c", code, "report", "--studies", str(lib),
                             "--out", str(out)], cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=log)
    log.close()
    return proc, out


def _stop(proc: subprocess.Popen, workers: set[int]) -> None:
    """Kill the report and, should they have outlived it, its workers."""
    proc.kill()
    proc.wait(30)
    for pid in workers:  # the old behaviour: orphans; do not leave them to the next test
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)


def _staged(tmp_path: Path) -> list[Path]:
    return [p for p in tmp_path.iterdir() if p.name.startswith(".out.")]




@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="figure workers need two CPUs")
def test_kill_9_of_report_kills_its_figure_workers(tmp_path):
    proc, _ = _start(tmp_path)
    workers: set[int] = set()
    try:
        assert _wait(lambda: len(_children(proc.pid)) >= 1, 60), "no workers started"
        workers = _children(proc.pid)
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
        assert _wait(lambda: not any(_alive(w) for w in workers), 10), (
            "figure workers outlived their parent")
    finally:
        _stop(proc, workers)


def _stop_while_staged(tmp_path: Path) -> tuple[subprocess.Popen, Path] | None:
    """Start a report and freeze it (SIGSTOP) once its staging folder exists; None if it had
    already finished (a test worker starved on a loaded machine polls late)."""
    proc, out = _start(tmp_path)
    assert _wait(lambda: bool(_staged(tmp_path)) or proc.poll() is not None, 120), (
        "no staging folder appeared")
    with contextlib.suppress(ProcessLookupError):
        proc.send_signal(signal.SIGSTOP)
    if proc.poll() is None and _staged(tmp_path):
        return proc, out  # frozen inside the build: the signal cannot arrive after its end
    proc.send_signal(signal.SIGCONT)
    proc.kill()
    proc.wait(30)
    return None


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="figure workers need two CPUs")
def test_sigterm_of_report_removes_staging_and_stops_workers(tmp_path):
    for attempt in range(3):
        started = _stop_while_staged(tmp_path / str(attempt))
        if started is not None:
            break
    else:
        pytest.fail("the report finished before it could be signalled, three times")
    proc, out = started
    workers: set[int] = set()
    try:
        workers = _children(proc.pid)
        proc.send_signal(signal.SIGTERM)
        proc.send_signal(signal.SIGCONT)
        proc.wait(60)
        err = (out.parent / "stderr.txt").read_text(errors="replace")
        assert proc.returncode == 143, err
        assert "Traceback" not in err
        assert _staged(out.parent) == [], _staged(out.parent)
        assert not out.exists()
        assert _wait(lambda: not any(_alive(w) for w in workers), 10)
    finally:
        _stop(proc, workers)


def _small_library(tmp_path: Path) -> Path:
    lib = tmp_path / "lib"
    lib.mkdir()
    for sid in ("zhai2025", "kim2024", "chen2023"):
        shutil.copy(STUDIES / f"{sid}.yaml", lib)
    return lib


@pytest.fixture(scope="module")
def old_report(tmp_path_factory) -> Path:
    """A report of the small library, built once; each case below gets its own copy."""
    tmp = tmp_path_factory.mktemp("old_report")
    out = tmp / "out"
    build_report(_small_library(tmp), None, out)
    assert (out / build.MARKER).is_file() and (out / "report.pdf").is_file()
    return out


@pytest.mark.parametrize("fault", [OSError(errno.ENOSPC, "No space left on device"),
                                   KeyboardInterrupt(), RuntimeError("a bug")],
                         ids=["full-disk", "ctrl-c", "traceback"])
def test_full_disk_or_ctrl_c_leaves_no_staging_folder_and_the_old_report(tmp_path, monkeypatch,
                                                                         fault, old_report):
    lib = _small_library(tmp_path)
    out = tmp_path / "out"
    shutil.copytree(old_report, out)  # the previous report, as build_report wrote it
    before = (out / "report.pdf").read_bytes()

    def broken(*_args, **_kwargs):
        raise fault

    monkeypatch.setattr(build.render, "compile_pdf", broken)
    expected = ReportError if isinstance(fault, OSError) else type(fault)
    with pytest.raises(expected) as info:
        build_report(lib, None, out)
    if isinstance(fault, OSError):
        assert "No space left on device" in info.value.lines[0]
        assert len(info.value.lines) == 1
    assert _staged(tmp_path) == []
    assert (out / "report.pdf").read_bytes() == before


def test_staging_left_by_a_killed_build_is_removed_by_the_next(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / ".out.abc123.tmp"
    stale.mkdir()
    (stale / build.MARKER).write_text(f"written by hccmeta report\npid {dead.pid}\n")
    running = tmp_path / ".out.def456.tmp"
    running.mkdir()
    (running / build.MARKER).write_text(f"written by hccmeta report\npid {os.getpid()}\n")
    foreign = tmp_path / ".out.ghi789.tmp"
    foreign.mkdir()  # no marker: not ours
    assert build.remove_stale_staging(tmp_path / "out") == [stale]
    assert not stale.exists() and running.exists() and foreign.exists()
