"""Validation speed: loading and validating study files (prints figures; not a test).

Run: .venv/bin/python benchmarks/bench_validate.py
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

from extraction import load_paths, load_study

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    files = sorted((ROOT / "studies").glob("*.yaml"))
    runs = []
    for _ in range(20):
        start = time.perf_counter()
        _records, issues = load_paths([ROOT / "studies"])
        runs.append(time.perf_counter() - start)
    assert not issues
    per_file = []
    for path in files:
        start = time.perf_counter()
        for _ in range(10):
            load_study(path)
        per_file.append((time.perf_counter() - start) / 10)
    exe = Path(sys.executable).parent / "hccmeta"
    start = time.perf_counter()
    subprocess.run([str(exe), "validate", str(ROOT / "studies")], check=True,
                   capture_output=True)
    cold = time.perf_counter() - start
    print(f"library: {len(files)} study files")
    print(f"load + validate library in-process: median {statistics.median(runs) * 1e3:.1f} ms")
    print(f"per file: median {statistics.median(per_file) * 1e3:.2f} ms, "
          f"max {max(per_file) * 1e3:.2f} ms")
    print(f"`hccmeta validate studies` from a cold process: {cold:.2f} s")


if __name__ == "__main__":
    main()
