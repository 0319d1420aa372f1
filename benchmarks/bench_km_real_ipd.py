"""Reconstruction accuracy on real patient-level data, in the four information modes (printed).

Data: ten two-arm data sets of R's survival package (3.5.3), exported by
``benchmarks/data/r_survival/export_r_survival.R`` (lung by sex, veteran by treatment, colon
Obs vs Lev+5FU, pbc by treatment, gbsg by hormone therapy, rotterdam by chemotherapy, mgus2 by
sex, ovarian by treatment, aml by maintenance, retinopathy by treatment), times in months.

For each arm: the true KM step curve, a risk table at a regular grid (5–10 columns, as printed
under a figure), and ``--reps`` independent reader digitizations (40–120 clicks, 80 % on step
corners, jitter 0.3 % of each axis: :func:`extraction.km.simulate.digitize_reader`). Each
digitization is reconstructed in the four modes (risk table + total events, risk table only,
total events only, N only) and scored against the original data:

* |Δevents|  reconstructed minus true total events;
* |Δmedian|  KM median (months; arms whose true or reconstructed median is not reached skipped);
* sup |ΔKM|  over the digitized range;
* |Δlog HR|  two-arm Cox log HR (Efron) of the pseudo-IPD minus the original's (per data set
  and digitization: both arms digitized independently).

Reported: medians over all arms × digitizations (|Δlog HR| over data sets × digitizations).
Reference: R IPDfromKM 0.1.10 figures quoted in issue 10 (not re-measured here: CRAN is not
reachable from this machine), events only |Δlog HR| 0.015; N only |Δlog HR| 0.050, |Δmedian|
0.26 months; issue 4: sup |ΔKM| about 0.05 with reader digitizations.

"before": the same benchmark run on hccmeta at commit 71c2298 (before the no-risk-table censoring
model, event dating and path-ordered clicks), stored in benchmarks/data/km_real_ipd_before.json.

Run: .venv/bin/python benchmarks/bench_km_real_ipd.py [--reps 30] [--seed 100] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from extraction.km import diagnose, km_step, make_curve, make_risk_table, preprocess, reconstruct
from extraction.km.simulate import digitize_reader, risk_table, sup_distance
from meta.survival import cox_hr

DATA = Path(__file__).resolve().parent / "data" / "r_survival"
BEFORE = Path(__file__).resolve().parent / "data" / "km_real_ipd_before.json"
SETS = ("lung", "veteran", "colon", "pbc", "gbsg", "rotterdam", "mgus2", "ovarian", "aml",
        "retinopathy")
MODES = {"risk table + events": (True, True), "risk table only": (True, False),
         "events only": (False, True), "N only": (False, False)}
IPDFROMKM = {("events only", "dloghr"): 0.015, ("N only", "dloghr"): 0.050,
             ("N only", "dmedian"): 0.26}
METRICS = ("devents", "dmedian", "supkm", "dloghr")


def risk_step(t_max: float) -> float:
    """Printed risk-table spacing: the first of 1, 2, 3, 6, 12, 24… months giving <= 10 columns."""
    for step in (1, 2, 3, 6, 12, 24, 36, 48, 60):
        if t_max / step <= 10:
            return float(step)
    return 120.0


def load(name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    raw = np.genfromtxt(DATA / f"{name}.csv", delimiter=",", names=True)
    return raw["time"], raw["event"].astype(int), raw["arm"].astype(int)


def score(reps: int, seed: int = 100) -> tuple[dict, list[float]]:
    rows: dict[tuple[str, str], list[float]] = {}
    timings: list[float] = []
    for name in SETS:
        t, e, g = load(name)
        original = cox_hr(t, e, g).coef
        step = risk_step(float(t.max()))
        rng = np.random.default_rng(SETS.index(name) + seed)
        for _ in range(reps):
            recs: dict[str, list] = {m: [] for m in MODES}
            for arm in (0, 1):
                ta, ea = t[g == arm], e[g == arm]
                rt, rn = risk_table(ta, step)
                cx, cy = digitize_reader(rng, ta, ea, int(rng.integers(40, 121)))
                curve = make_curve(np.maximum(cx, 0.0), cy)  # no click left of the axis
                truth = km_step(ta, ea)
                for mode, (use_risk, use_events) in MODES.items():
                    start = time.perf_counter()
                    rec = reconstruct(preprocess(curve), ta.size,
                                      make_risk_table(rt, rn) if use_risk else None,
                                      int(ea.sum()) if use_events else None)
                    timings.append(time.perf_counter() - start)
                    km = diagnose(rec).km
                    rows.setdefault((mode, "devents"), []).append(abs(rec.n_events - ea.sum()))
                    m_true, m_rec = truth.median(), km.median()
                    if np.isfinite(m_true) and np.isfinite(m_rec):
                        rows.setdefault((mode, "dmedian"), []).append(abs(m_rec - m_true))
                    rows.setdefault((mode, "supkm"), []).append(
                        sup_distance(km, truth, float(cx.max())))
                    recs[mode].append(rec)
            for mode, (r0, r1) in recs.items():
                grp = np.r_[np.zeros(r0.time.size), np.ones(r1.time.size)]
                got = cox_hr(np.r_[r0.time, r1.time], np.r_[r0.event, r1.event], grp).coef
                rows.setdefault((mode, "dloghr"), []).append(abs(got - original))
    return {f"{m}|{k}": float(np.median(v)) for (m, k), v in rows.items()}, timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=30)
    parser.add_argument("--seed", type=int, default=100, help="first digitization seed")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    parser.add_argument("--before", type=Path, default=BEFORE,
                        help="JSON of an earlier run, shown beside (default: the figures of "
                        "hccmeta before this benchmark's changes, commit 71c2298)")
    args = parser.parse_args()
    figures, timings = score(args.reps, args.seed)
    before = json.loads(args.before.read_text()) if args.before else {}
    if args.before and (args.reps, args.seed) != (30, 100) and args.before == BEFORE:
        before = {}  # the stored figures are for --reps 30 --seed 100 only
    print(f"Real IPD (R survival, {len(SETS)} data sets, 2 arms each, {args.reps} reader "
          "digitizations per arm): medians over arms x digitizations")
    print(f"{'mode':<22}{'metric':<10}{'hccmeta':>10}{'before':>10}{'IPDfromKM':>11}")
    for mode in MODES:
        for metric in METRICS:
            key = f"{mode}|{metric}"
            ref = IPDFROMKM.get((mode, metric))
            old = before.get(key)
            old = old if isinstance(old, float) else None
            print(f"{mode:<22}{metric:<10}{figures[key]:>10.4f}"
                  f"{(f'{old:.4f}' if old is not None else '-'):>10}"
                  f"{(f'{ref:.3f}' if ref is not None else '-'):>11}")
    ms = np.array(timings) * 1e3
    print(f"time per reconstruction (preprocess + reconstruct): median {np.median(ms):.2f} ms, "
          f"90th pct {np.quantile(ms, .9):.2f} ms")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
