"""``hccmeta pool`` on very large CSVs: time and peak memory at k = 10^4, 10^5, 10^6 rows.

Issue 15: with 1,000,000 rows ``pool`` had not finished after 600 s and used 6 GB (the row
lookup and leave-one-out grew as k²). Now reading, effect sizes, the fit, the Q-profile CI,
Egger's test and the summary are linear in k; leave-one-out (k > 1,000) and trim-and-fill
(k > 100,000) are skipped with a note. Prints seconds, microseconds per row (flat = linear) and
the peak resident memory of the child process (prints figures; not a test).

Run: ``.venv/bin/python benchmarks/bench_pool_large.py [K ...]``
"""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HCCMETA = Path(sys.executable).with_name("hccmeta")


def write_csv(path: Path, k: int, seed: int = 1) -> None:
    """k simulated studies (true tau² 0.1, vi 0.01-0.5) as a ``study,yi,vi`` CSV."""
    rng = np.random.default_rng(seed)
    vi = rng.uniform(0.01, 0.5, k)
    yi = rng.normal(-0.3, np.sqrt(vi + 0.1))
    with path.open("w", encoding="utf-8") as fh:
        fh.write("study,yi,vi\n")
        fh.writelines(f"s{i},{y:.6f},{v:.6f}\n" for i, (y, v) in enumerate(zip(yi, vi,
                                                                               strict=True)))


def run(k: int, folder: Path) -> tuple[float, float, int]:
    """(seconds, peak RSS in MB, exit code) of ``hccmeta pool --json`` on k rows."""
    csv = folder / f"k{k}.csv"
    write_csv(csv, k)
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    proc = subprocess.run([str(HCCMETA), "pool", "--csv", str(csv), "--measure", "GEN",
                           "--json"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          check=False)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if proc.returncode:
        print(proc.stderr.decode()[-500:])
    return seconds, max(peak, before) / 1024.0, proc.returncode


def main() -> None:
    """Print the figures."""
    sizes = [int(float(a)) for a in sys.argv[1:]] or [10_000, 100_000, 1_000_000]
    with tempfile.TemporaryDirectory() as tmp:
        for k in sizes:
            seconds, peak_mb, code = run(k, Path(tmp))
            print(f"pool k = {k:>9,}: {seconds:7.2f} s, {1e6 * seconds / k:6.1f} us/row, "
                  f"peak RSS <= {peak_mb:,.0f} MB, exit {code}")


if __name__ == "__main__":
    main()
