"""Accuracy and speed of pseudo-IPD reconstruction (extraction.km), printed, not asserted.

Scenarios (extraction.km.simulate): two-arm trials of 80–400 patients per arm, Weibull (shape
0.7–1.6) or exponential event times, uniform entry over 24 months, analysis 24 months after the
last entry, 1 %/month dropout; risk table every 6 months.

1. clean digitization (every corner of the true KM curve) + risk table + total events:
   |ΔS| at the follow-up quartiles (25/50/75 % of the longest follow-up) and event counts, on
   two independent sets of arms (seeds 2026 and 4242); the signed error (bias), the same without
   total events, and the events a table-only reconstruction puts before the last risk time.
2. reader digitization (40–120 clicks along the curve, 80 % on corners, jitter 0.3 % of each axis):
   sup |ΔKM| over the digitized range, in the four information cases, for hccmeta's default
   reading (curve drawn through the clicks) and Guyot's step reading (--step-reading); and a
   reader who clicks only the feet of drops (where the step reading should be at its best).
3. speed: in-process time of preprocess + reconstruct per curve (median), and one 5,000-patient,
   1,000-point curve.
4. real IPD (survival::lung by sex, survival::veteran by treatment): two-arm Cox log HR of the
   pseudo-IPD minus the original's.

Reference figures for R IPDfromKM (Liu et al. 2021) quoted in the team brief (sup |ΔKM| ~0.05,
~48 ms per reconstruction) were not re-measured here: IPDfromKM is not installed. The four
information modes on real patient data (ten R survival data sets, |Δlog HR| and |Δmedian| beside
IPDfromKM's quoted figures) are in benchmarks/bench_km_real_ipd.py; the HCC round trip through
`hccmeta reconstruct` in benchmarks/bench_km_hcc_roundtrip.py.

Run: .venv/bin/python benchmarks/bench_km_reconstruction.py [--arms 200]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from extraction.km import (
    diagnose,
    km_step,
    make_curve,
    make_risk_table,
    preprocess,
    reconstruct,
)
from extraction.km.simulate import (
    digitize_clean,
    digitize_reader,
    risk_table,
    simulate_arm,
    sup_distance,
)
from meta.survival import cox_hr

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "reference" / "fixtures"
CASES = {"risk table + total events": (True, True), "risk table only": (True, False),
         "total events only": (False, True), "N only": (False, False)}


def arms(count: int, seed: int = 2026):
    rng = np.random.default_rng(seed)
    for i in range(count):
        shape = 1.0 if i % 2 else float(rng.uniform(0.7, 1.6))
        t, e = simulate_arm(rng, int(rng.integers(80, 401)), shape=shape,
                            scale=float(rng.uniform(8, 30)))
        yield rng, t, e


def run(curve, n, rt, rn, events, use_risk=True, use_events=True, interpolate=True):
    risk = make_risk_table(rt, rn) if use_risk else None
    return reconstruct(preprocess(curve), n, risk, events if use_events else None,
                       interpolate=interpolate)


def clean_accuracy(count: int, seed: int = 2026) -> None:
    dq, signed, dq_nod, exact, excess = [], [], [], 0, []
    for _, t, e in arms(count, seed):
        rt, rn = risk_table(t, 6.0)
        cx, cy = digitize_clean(t, e)
        curve = make_curve(cx, cy)
        rec = run(curve, t.size, rt, rn, int(e.sum()))
        nod = run(curve, t.size, rt, rn, None, use_events=False)
        q = np.array([0.25, 0.5, 0.75]) * t.max()
        truth = km_step(t, e)(q)
        signed.append(diagnose(rec).km(q) - truth)
        dq_nod.append(np.abs(diagnose(nod).km(q) - truth))
        exact += rec.n_events == int(e.sum())
        # events the table-only reconstruction puts before the last risk time, minus the truth
        excess.append(int(nod.event[nod.time < rt[-1]].sum()) - int(e[t < rt[-1]].sum()))
    signed = np.array(signed)
    dq = np.abs(signed)
    print(f"1. clean digitization + risk table + total events ({count} arms, seed {seed})")
    print("   |dS| at follow-up quartiles, median over arms: "
          + ", ".join(f"Q{i + 1} {v:.4f}" for i, v in enumerate(np.median(dq, axis=0)))
          + f"; all three pooled {np.median(dq):.4f}; "
          f"max over quartiles {np.median(dq.max(1)):.4f}")
    print(f"   event count exact: {exact}/{count}")
    print("   bias (mean signed dS): "
          + ", ".join(f"Q{i + 1} {v:+.4f}" for i, v in enumerate(signed.mean(axis=0)))
          + "; without total events |dS| median: "
          + ", ".join(f"Q{i + 1} {v:.4f}" for i, v in enumerate(np.median(dq_nod, axis=0))))
    print(f"   risk table only: events before the last risk time minus true, mean per arm "
          f"{np.mean(excess):+.2f} (what the total-events adjustment must remove)")


def reader_accuracy(count: int) -> None:
    print(f"2. reader digitization, 40-120 clicks ({count} arms): sup |dKM| median [90th pct]")
    rows = {}
    for rng, t, e in arms(count, seed=77):
        rt, rn = risk_table(t, 6.0)
        cx, cy = digitize_reader(rng, t, e, int(rng.integers(40, 121)))
        curve = make_curve(cx, cy)
        truth = km_step(t, e)
        for case, (r, d) in CASES.items():
            for interp in (True, False):
                rec = run(curve, t.size, rt, rn, int(e.sum()), r, d, interp)
                sup = sup_distance(diagnose(rec).km, truth, float(cx.max()))
                rows.setdefault((case, interp), []).append(sup)
    feet = {True: [], False: []}
    for rng, t, e in arms(count, seed=78):
        rt, rn = risk_table(t, 6.0)
        cx, cy = digitize_reader(rng, t, e, int(rng.integers(40, 121)), feet_only=True)
        for interp in (True, False):
            rec = run(make_curve(cx, cy), t.size, rt, rn, int(e.sum()), interpolate=interp)
            feet[interp].append(sup_distance(diagnose(rec).km, km_step(t, e), float(cx.max())))
    rows[("feet-only clicks, table + D", True)] = feet[True]
    rows[("feet-only clicks, table + D", False)] = feet[False]
    for case in [*CASES, "feet-only clicks, table + D"]:
        a, b = np.array(rows[(case, True)]), np.array(rows[(case, False)])
        print(f"   {case:<26} drawn through clicks {np.median(a):.4f} [{np.quantile(a, .9):.4f}]"
              f"   Guyot step reading {np.median(b):.4f} [{np.quantile(b, .9):.4f}]")


def speed(count: int) -> None:
    curves = []
    for rng, t, e in arms(count, seed=5):
        rt, rn = risk_table(t, 6.0)
        cx, cy = digitize_reader(rng, t, e, int(rng.integers(40, 121)))
        curves.append((make_curve(cx, cy), t.size, rt, rn, int(e.sum())))
    for c in curves[:5]:
        run(*c)  # warm-up
    times = []
    for c in curves:
        best = np.inf
        for _ in range(3):
            start = time.perf_counter()
            run(*c)
            best = min(best, time.perf_counter() - start)
        times.append(best)
    times = np.array(times) * 1e3
    print(f"3. speed, preprocess + reconstruct, 40-120 clicks ({count} curves, best of 3 each): "
          f"median {np.median(times):.2f} ms, 90th pct {np.quantile(times, .9):.2f} ms")
    rng = np.random.default_rng(11)
    t, e = simulate_arm(rng, 5000, shape=1.1, scale=20.0)
    px, py = digitize_clean(t, e)
    keep = np.sort(rng.choice(px.size, 1000, replace=False))
    curve = make_curve(px[keep], py[keep])
    rt, rn = risk_table(t, 6.0)
    big = []
    for _ in range(7):
        start = time.perf_counter()
        rec = run(curve, 5000, rt, rn, int(e.sum()))
        big.append(time.perf_counter() - start)
    sup = sup_distance(diagnose(rec).km, km_step(t, e), float(px[keep].max()))
    print(f"   5,000 patients, 1,000 points: median {1e3 * np.median(big):.1f} ms "
          f"(sup |dKM| {sup:.4f}, events {rec.n_events}/{int(e.sum())})")


def real_data() -> None:
    print("4. real IPD round trip: pseudo-IPD log HR - original log HR (Cox, Efron)")
    for name, every in (("lung", 90.0), ("veteran", 60.0)):
        raw = np.genfromtxt(FIXTURES / f"survival_{name}.csv", delimiter=",", names=True)
        t, e, g = raw["time"], raw["event"].astype(int), raw["arm"].astype(int)
        original = cox_hr(t, e, g).coef
        for mode in ("clean", "reader"):
            rng = np.random.default_rng(7)
            parts, sups = [], []
            for arm in (0, 1):
                ta, ea = t[g == arm], e[g == arm]
                rt, rn = risk_table(ta, every)
                cx, cy = (digitize_clean(ta, ea) if mode == "clean" else
                          digitize_reader(rng, ta, ea, int(rng.integers(40, 121))))
                rec = run(make_curve(cx, cy), ta.size, rt, rn, int(ea.sum()))
                sups.append(sup_distance(diagnose(rec).km, km_step(ta, ea), float(cx.max())))
                parts.append(rec)
            grp = np.r_[np.zeros(parts[0].time.size), np.ones(parts[1].time.size)]
            got = cox_hr(np.r_[parts[0].time, parts[1].time],
                         np.r_[parts[0].event, parts[1].event], grp).coef
            print(f"   {name:<8} {mode:<6} HR original {np.exp(original):.3f}, pseudo-IPD "
                  f"{np.exp(got):.3f} (dlogHR {got - original:+.4f}); sup |dKM| per arm "
                  + ", ".join(f"{s:.4f}" for s in sups))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arms", type=int, default=200)
    args = parser.parse_args()
    clean_accuracy(args.arms)
    clean_accuracy(args.arms, seed=4242)  # a second, independent set of arms
    reader_accuracy(args.arms)
    speed(args.arms)
    real_data()


if __name__ == "__main__":
    main()
