"""Time of the full comparison report from a cold process (`hccmeta report`), against the time
Python needs to import the report's libraries (numpy, scipy, pandas, matplotlib, jinja2, yaml,
pydantic, typst) in the same run: the standing target is a cold build within 3x that import time,
however much the library and its IPD grow.

Runs the installed console script three times into a temporary folder and prints each wall
time and CPU time (the CPU time does not depend on what else the machine runs; figures are drawn
in worker processes, so CPU can exceed wall), the best and the median, with the number of study
files and pages. Usage:

    .venv/bin/python benchmarks/bench_report.py
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HCCMETA = Path(sys.executable).parent / "hccmeta"
RUNS = 3
LIBRARIES = ("numpy", "scipy.special", "scipy.optimize", "pandas", "matplotlib", "jinja2", "yaml",
             "pydantic", "typst")
"""What a report build imports at the least (the floor a build cannot go below)."""


def import_time() -> float:
    """Median wall time of a cold ``python -c 'import <LIBRARIES>'`` over :data:`RUNS` runs."""
    code = "import " + ", ".join(LIBRARIES)
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


STEPS = """
import json, sys, time
t0 = time.perf_counter()
from reports.blas import single_threaded_blas
single_threaded_blas()
from pathlib import Path
from reports.build import build_report
steps, last = [("importing hccmeta", time.perf_counter() - t0)], [time.perf_counter(), None]
def step(message):
    now = time.perf_counter()
    if last[1] is not None:
        steps.append((last[1], now - last[0]))
    last[:] = [now, message]
build_report(Path("studies"), None, Path(sys.argv[1]), step=step)
steps.append((last[1], time.perf_counter() - last[0]))
print(json.dumps(steps))
"""
"""A cold build in a fresh process that records how long each step of the build took."""


def step_times(out: Path) -> list[tuple[str, float]]:
    """Wall time of each step of one cold build (the build's own progress steps)."""
    done = subprocess.run([sys.executable, "-c", STEPS, str(out)], cwd=ROOT, check=True,
                          capture_output=True, text=True)
    return [(name, float(t)) for name, t in json.loads(done.stdout.splitlines()[-1])]


def main() -> None:
    """Run and print the timings."""
    times, cpus = [], []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "report"
        for _ in range(RUNS):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            subprocess.run([str(HCCMETA), "report", "--out", str(out)], cwd=ROOT, check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            times.append(time.perf_counter() - start)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
        steps = step_times(Path(tmp) / "steps")
        import pypdf

        pages = len(pypdf.PdfReader(str(out / "report.pdf")).pages)
        n_fig = len(list((out / "figures").glob("*.svg")))
    studies = len(list((ROOT / "studies").glob("*.yaml")))
    load = os.getloadavg()[0]
    print(f"hccmeta report, cold process, {studies} study files -> {pages} PDF pages, "
          f"{n_fig} figures (load average {load:.2f} on {os.cpu_count()} cores)")
    for i, (t, c) in enumerate(zip(times, cpus, strict=True), 1):
        print(f"  run {i}: {t:.2f} s wall, {c:.2f} s CPU (all processes: main + figure workers)")
    floor = import_time()
    median = statistics.median(times)
    print(f"  best {min(times):.2f} s, median {median:.2f} s")
    print(f"  importing the libraries alone: {floor:.2f} s (median of {RUNS}); build / import = "
          f"{median / floor:.1f}x (target <= 3x)")
    print("  one more cold build, step by step (wall):")
    for name, seconds in steps:
        print(f"    {seconds:5.2f} s  {name}")


if __name__ == "__main__":
    main()
