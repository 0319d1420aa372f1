"""Simulated size of each index-vs-benchmark test under exchangeability (nominal 5%).

The index arm's true effect is drawn from the historical arms' N(mu, tau²); within-study
variances are those of the bundled RT + ICI ORR arms (logit scale, recycled to k arms) and of the
index 81/108; tau² in {0, 0.05, fitted on the bundled ORR data (0.431), 1.5}. Tests: the test
against the average study (z), the predictive z test, the predictive test with the
Knapp–Hartung SE and t(k - 1), the predictive statistic vs t(k - 2), the scaled predictive
statistic vs t(k - 1), and meta.decision.decision_test (the same statistic with the maximised
Monte Carlo critical value). Normal within-study errors (the model's assumption); a second
table draws binomial counts (as the issue's independent simulation did).

Run: .venv/bin/python benchmarks/bench_decision_size.py [reps]
"""

from __future__ import annotations

import sys
import time

import numpy as np

from meta.decision import (
    candidate_pvalues,
    null_statistics,
    scaled_statistics,
    simulate_sizes,
    tau2_grid,
)
from meta.effects import proportions

XI = [19, 20, 23, 53, 24, 22, 11, 24, 18]
NI = [40, 37, 54, 93, 39, 25, 21, 25, 50]


def binomial_sizes(k: int, tau2: float, reps: int, rng: np.random.Generator) -> dict[str, float]:
    """Sizes with binomial counts (PLO with metafor's continuity correction), mu = pooled."""
    ni = np.resize(NI, k)
    mu = 0.3075
    theta = mu + np.sqrt(tau2) * rng.standard_normal((reps, k))
    x = rng.binomial(ni, 1 / (1 + np.exp(-theta)))
    x0 = rng.binomial(108, 1 / (1 + np.exp(-(mu + np.sqrt(tau2) * rng.standard_normal(reps)))))
    xa = x + 0.5 * ((x == 0) | (x == ni))
    na = ni + 1.0 * ((x == 0) | (x == ni))
    Y, V = np.log(xa / (na - xa)), 1 / xa + 1 / (na - xa)
    x0a = x0 + 0.5 * ((x0 == 0) | (x0 == 108))
    y0 = np.log(x0a / (108 + ((x0 == 0) | (x0 == 108)) - x0a))
    v0 = 1 / x0a + 1 / (108 + ((x0 == 0) | (x0 == 108)) - x0a)
    out = {name: float((p <= 0.05).mean()) for name, p in
           candidate_pvalues(Y, V, y0, float(np.median(v0))).items()}
    # the decision test per data set: its critical value depends on (V, v0); use the design's
    # expected variances (the count-based ones vary per data set) -- an approximation
    vbar = np.resize(proportions(XI, NI, "PLO").vi, k)
    crit = np.quantile(null_statistics(np.asarray(vbar), float(np.median(v0)), tau2_grid(vbar),
                                       2000, rng), 0.95, axis=1).max()
    out["decision_test"] = float((np.abs(scaled_statistics(Y, V, y0, float(np.median(v0))))
                                  > crit).mean())
    return out


def main() -> None:
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    vi = np.asarray(proportions(XI, NI, "PLO").vi)
    v0 = float(proportions([81], [108], "PLO").vi[0])
    names = None
    print(f"Normal errors, {reps} data sets per cell; MC SE at 5% = "
          f"{np.sqrt(0.05 * 0.95 / reps):.4f}")
    t0 = time.perf_counter()
    for tau2 in (0.0, 0.05, 0.431, 1.5):
        for k in (3, 5, 9, 10, 20):
            row = simulate_sizes(np.resize(vi, k), v0, tau2, reps, draws=4000,
                                 seed=k * 7919 + int(tau2 * 1000))
            if names is None:
                names = list(row.sizes)
                print(f"{'tau2':>6} {'k':>3} " + " ".join(f"{n:>22}" for n in names))
            print(f"{tau2:6.3f} {k:3d} " + " ".join(f"{row.sizes[n]:22.3f}" for n in names))
    print(f"({time.perf_counter() - t0:.1f} s)\n")
    print("Binomial counts (index n = 108), decision test with the design's critical value:")
    rng = np.random.default_rng(11)
    for tau2 in (0.0, 0.431):
        for k in (5, 9):
            s = binomial_sizes(k, tau2, min(reps, 10000), rng)
            print(f"{tau2:6.3f} {k:3d} " + " ".join(f"{n}={v:.3f}" for n, v in s.items()))


if __name__ == "__main__":
    main()
