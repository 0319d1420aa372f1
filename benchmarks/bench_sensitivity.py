"""Timing of the sensitivity / small-study-effect analyses and the GLMM at k = 30 (prints figures).

Run: .venv/bin/python benchmarks/bench_sensitivity.py
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from meta.bias import egger_test, trimfill
from meta.glmm import glmm_proportion
from meta.sensitivity import by_estimator, cumulative, influence, leave1out


def _best_of(fn: Callable[[], object], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    rng = np.random.default_rng(20261126)
    k = 30
    vi = rng.uniform(0.01, 0.2, k)
    yi = rng.normal(-0.3, np.sqrt(vi + 0.05))
    ni = rng.integers(20, 200, k)
    xi = rng.binomial(ni, 0.3)
    cases = {
        "leave1out (REML)": lambda: leave1out(yi, vi),
        "influence (REML)": lambda: influence(yi, vi),
        "cumulative (REML)": lambda: cumulative(yi, vi),
        "egger lm": lambda: egger_test(yi, vi, model="lm"),
        "egger rma (REML)": lambda: egger_test(yi, vi, model="rma"),
        "trimfill (REML)": lambda: trimfill(yi, vi),
        "all 9 estimators": lambda: by_estimator(yi, vi),
        "GLMM nAGQ=7": lambda: glmm_proportion(xi, ni),
    }
    print(f"k = {k}, best of 5 runs")
    for name, fn in cases.items():
        print(f"  {name:<20s} {_best_of(fn) * 1000:9.1f} ms")


if __name__ == "__main__":
    main()
