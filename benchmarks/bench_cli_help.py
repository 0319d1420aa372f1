"""How fast each `hccmeta` command answers `--help` from a cold process (target: < 0.3 s).

Prints the median of 5 runs per command, beside a bare `python -c pass` start in the same run
(the floor no command can go below). Run: `.venv/bin/python benchmarks/bench_cli_help.py`.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

HCCMETA = Path(sys.executable).with_name("hccmeta")
COMMANDS = ["", "validate", "audit", "diff", "new", "schema", "reconstruct", "pool", "report",
            "plan"]
RUNS = 5


def timed(argv: list[str]) -> float:
    """Median wall time of ``argv`` over :data:`RUNS` runs, in seconds."""
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    """Print one line per command."""
    floor = timed([sys.executable, "-c", "pass"])
    print(f"{'python -c pass':28} {floor:6.3f} s  (interpreter start, the floor)")
    worst = 0.0
    for command in COMMANDS:
        took = timed([str(HCCMETA), *([command] if command else []), "--help"])
        worst = max(worst, took)
        print(f"{('hccmeta ' + command).strip() + ' --help':28} {took:6.3f} s")
    print(f"slowest: {worst:.3f} s (target < 0.3 s)")


if __name__ == "__main__":
    main()
