"""Accuracy: ML / REML tau² against metafor 3.8.1 on 3,000 random data sets (issue 15).

Reads tests/reference/fixtures/metafor_tau2_global.json (made by
tests/reference/r/metafor_tau2_global.R: k 3-8, log-uniform vi, the setting where the
likelihood is often bimodal) and counts the sets where hccmeta's tau² differs from metafor's,
split by which of the two has the higher (restricted) likelihood. Before the fix: 6 ML sets
with hccmeta lower (it stopped at tau² = 0 below a higher interior maximum). Prints figures;
not a test (tests/meta/test_tau2_global_maximum.py asserts the same).

Run: ``.venv/bin/python benchmarks/bench_tau2_global.py``
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from meta.tau2 import _loglik, estimate_tau2

FIXTURE = (Path(__file__).resolve().parents[1] / "tests" / "reference" / "fixtures"
           / "metafor_tau2_global.json")


def main() -> None:
    """Print the counts and the time per fit."""
    data = json.loads(FIXTURE.read_text(encoding="utf-8"))
    for method in ("ML", "REML"):
        same = lower = higher = fits = 0
        start = time.perf_counter()
        for case in data["random"]:
            ref = case.get(method)
            if ref is None:
                continue
            yi, vi = np.asarray(case["yi"]), np.asarray(case["vi"])
            X = np.ones((yi.size, 1))
            tau2 = estimate_tau2(yi, vi, X, method).tau2
            fits += 1
            if abs(tau2 - ref["tau2"]) <= 1e-6 * abs(ref["tau2"]) + 1e-8:
                same += 1
                continue
            reml = method == "REML"
            gain = _loglik(yi, vi, X, tau2, reml) - _loglik(yi, vi, X, ref["tau2"], reml)
            if gain > 0:
                higher += 1
            else:
                lower += 1
        ms = 1e3 * (time.perf_counter() - start) / max(fits, 1)
        print(f"{method:<4} {fits} sets: equal to metafor {same}, hccmeta likelihood higher "
              f"{higher}, lower {lower}; {ms:.3f} ms per fit")


if __name__ == "__main__":
    main()
