"""Figures and timings of the verdict statistics on the index study (issue 11).

The index (studies/sources/evidence/seed-abstract.txt): n = 108, median OS 17.0 and PFS 12.6
months, median follow-up 18.8 months, ORR 75.0% (81/108 on an assumed denominator). The ORR
benchmark is the bundled RT + ICI arms of tests/reference/fixtures/comparison_predictive.json.

Run: .venv/bin/python benchmarks/bench_verdict_statistics.py
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from meta.decision import decision_test
from meta.effects import proportions
from meta.fragility import fragility_proportion
from meta.index_uncertainty import median_interval, proportion_interval

ROOT = Path(__file__).resolve().parents[1]


def timed(label, fn, *args, **kw):
    t0 = time.perf_counter()
    out = fn(*args, **kw)
    print(f"  [{label}: {1000 * (time.perf_counter() - t0):.0f} ms]")
    return out


def main() -> None:
    for name, med in (("OS", 17.0), ("PFS", 12.6)):
        for var in ("km", "exponential"):
            r = timed("median_interval", median_interval, med, 108, 18.8, variance=var)
            rows = ", ".join(f"d={x.events}: {x.lower:.1f}-{x.upper:.1f}" for x in r.rows)
            print(f"{name} median {med} ({var} variance), event fraction "
                  f"{r.event_fraction[0]:.3f}-{r.event_fraction[1]:.3f}: {rows}")
    p = proportion_interval([108, 100, 90], percent=75.0)
    print("ORR 75.0% at denominators: " + ", ".join(
        f"{x.events}/{x.denominator}: {100 * x.lower:.1f}-{100 * x.upper:.1f}%" for x in p.rows))
    fix = json.loads((ROOT / "tests/reference/fixtures/comparison_predictive.json").read_text())
    b = proportions(fix["data"]["xi"], fix["data"]["ni"], "PLO")
    for x in p.rows:
        d = timed("decision_test", decision_test, b.yi, b.vi, x.yi, x.vi)
        print(f"ORR {x.events}/{x.denominator} vs RT+ICI arms (k={d.k}): T = {d.statistic:.2f}, "
              f"crit {d.crit:.2f} (t(k-1) {d.crit_t:.2f}), p = {d.pval:.3f}, {d.verdict}; "
              f"simulated size {d.size:.3f} (max over grid {d.size_max:.3f})")
    f = timed("fragility_proportion", fragility_proportion, 81, 108, b.yi, b.vi)
    print(f"Fragility of the ORR verdict ({f.verdict}): {f.patients} patients {f.kind} "
          f"({f.change}; ORR {100 * f.value_after:.1f}%, p {f.pval_after:.3f})")


if __name__ == "__main__":
    main()
