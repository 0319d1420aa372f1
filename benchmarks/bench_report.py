"""Time of the full comparison report from a cold process (`hccmeta report`), target <= 5 s.

Runs the installed console script three times into a temporary folder and prints each wall
time, the best and the median, with the number of study files and pages. Usage:

    .venv/bin/python benchmarks/bench_report.py
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HCCMETA = Path(sys.executable).parent / "hccmeta"
RUNS = 3


def main() -> None:
    """Run and print the timings."""
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "report"
        for _ in range(RUNS):
            start = time.perf_counter()
            subprocess.run([str(HCCMETA), "report", "--out", str(out)], cwd=ROOT, check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            times.append(time.perf_counter() - start)
        import pypdf

        pages = len(pypdf.PdfReader(str(out / "report.pdf")).pages)
        n_fig = len(list((out / "figures").glob("*.svg")))
    studies = len(list((ROOT / "studies").glob("*.yaml")))
    load = os.getloadavg()[0]
    print(f"hccmeta report, cold process, {studies} study files -> {pages} PDF pages, "
          f"{n_fig} figures (load average {load:.2f} on {os.cpu_count()} cores)")
    for i, t in enumerate(times, 1):
        print(f"  run {i}: {t:.2f} s")
    print(f"  best {min(times):.2f} s, median {statistics.median(times):.2f} s (target <= 5 s)")


if __name__ == "__main__":
    main()
