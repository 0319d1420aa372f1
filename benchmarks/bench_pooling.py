"""Speed of the pooling engine (prints figures; not a test).

Targets (issue 3): a REML fit at k = 1,000 under 1 ms in-process (median of many runs); the full
bundle at k = 30 (all nine estimators, Q-profile CI, HKSJ, prediction intervals, and the
leave-one-out, Egger and trim-and-fill analyses when meta.sensitivity / meta.bias exist) under
50 ms. PyMARE (``pip install pymare``, the ``bench`` extra) is timed for comparison if installed.

Run: ``.venv/bin/python benchmarks/bench_pooling.py``
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import numpy as np

from meta.model import rma
from meta.tau2 import METHODS


def data(k: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Simulated log-scale effects: true tau² = 0.1, within-study variances 0.01-0.5."""
    rng = np.random.default_rng(seed)
    vi = rng.uniform(0.01, 0.5, k)
    yi = rng.normal(-0.3, np.sqrt(vi + 0.1))
    return yi, vi


def median_ms(func: Callable[[], object], repeat: int) -> float:
    """Median wall time of ``func`` in milliseconds over ``repeat`` runs (after 3 warm-ups)."""
    for _ in range(3):
        func()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return 1e3 * statistics.median(times)


def bundle(yi: np.ndarray, vi: np.ndarray) -> dict[str, object]:
    """Everything a report computes for one outcome."""
    out: dict[str, object] = {}
    for method in METHODS:
        fit = rma(yi, vi, method=method)
        out[method] = (fit.estimate, fit.qprofile, fit.pi, fit.pi_higgins, fit.knha)
    fit = rma(yi, vi, method="REML", test="knha")
    out["knha"] = fit.to_dict()
    try:
        from meta.sensitivity import leave1out

        out["leave1out"] = leave1out(yi, vi)
    except ImportError:
        pass
    try:
        from meta.bias import egger_test, trimfill

        out["egger"] = egger_test(yi, vi)
        out["trimfill"] = trimfill(yi, vi)
    except ImportError:
        pass
    return out


def main() -> None:
    """Print the benchmark figures."""
    y1000, v1000 = data(1000)
    reml_1000 = median_ms(lambda: rma(y1000, v1000, method="REML"), 500)
    print(f"REML fit, k = 1000: median {reml_1000:.3f} ms (target < 1 ms)")
    for method in METHODS:
        ms = median_ms(lambda m=method: rma(y1000, v1000, method=m), 200)
        print(f"  {method:<4} k = 1000: median {ms:.3f} ms")
    y30, v30 = data(30)
    parts = sorted(bundle(y30, v30))
    full = median_ms(lambda: bundle(y30, v30), 50)
    print(f"full bundle, k = 30: median {full:.1f} ms (target < 50 ms); parts: {', '.join(parts)}")
    core = median_ms(lambda: [
        (f.qprofile, f.pi, f.pi_higgins, f.knha) for f in (rma(y30, v30, method=m) for m in METHODS)
    ], 50)
    print(f"  of which 9 estimators + Q-profile + PI + HKSJ: median {core:.1f} ms")
    try:
        from meta.bias import trimfill
        from meta.sensitivity import leave1out

        print(f"  of which leave1out: median {median_ms(lambda: leave1out(y30, v30), 30):.1f} ms, "
              f"trimfill: median {median_ms(lambda: trimfill(y30, v30), 30):.1f} ms")
    except ImportError:
        pass
    qp = median_ms(lambda: rma(y30, v30).qprofile, 200)
    print(f"REML fit + Q-profile CI, k = 30: median {qp:.3f} ms")
    try:
        from pymare import Dataset
        from pymare.estimators import VarianceBasedLikelihoodEstimator
    except ImportError:
        print("PyMARE not installed (pip install -e '.[bench]'): comparison skipped")
        return

    def pymare_reml() -> None:
        VarianceBasedLikelihoodEstimator(method="REML").fit_dataset(
            Dataset(y=y1000, v=v1000)
        ).summary()

    print(f"PyMARE REML, k = 1000: median {median_ms(pymare_reml, 50):.3f} ms")
    est = VarianceBasedLikelihoodEstimator(method="REML").fit_dataset(Dataset(y=y1000, v=v1000))
    ours = rma(y1000, v1000, method="REML")
    print(f"  agreement: |tau2 diff| = {abs(float(est.params_['tau2'].ravel()[0]) - ours.tau2):.2e}"
          f", |estimate diff| = "
          f"{abs(float(est.params_['fe_params'].ravel()[0]) - ours.estimate):.2e}")


if __name__ == "__main__":
    main()
