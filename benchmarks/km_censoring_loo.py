"""Leave-one-data-set-out check of the KM censoring constants (extraction/km/censoring.py).

``MIN_FOLLOW_UP_FRACTION`` (N only) and ``FOLLOW_UP_SHRINK`` (total events, no risk table) were
chosen on the ten R survival data sets of ``benchmarks/bench_km_real_ipd.py``. Here each data set
is held out in turn: the constant is re-chosen on the other nine (the candidate with the smallest
median of the criterion over their arms x digitizations) and scored on the held-out set, beside
the shipped constant's score on it. Same reader digitizations for every candidate (common random
numbers), as the harness draws them. Printed, not asserted; nothing is changed.

Run: .venv/bin/python benchmarks/km_censoring_loo.py [--reps 10] [--seed 100]
"""

from __future__ import annotations

import argparse

import numpy as np
from bench_km_real_ipd import SETS, load, risk_step

from extraction.km import censoring, diagnose, guyot, km_step, make_curve, preprocess, reconstruct
from extraction.km.simulate import digitize_reader, risk_table, sup_distance
from meta.survival import cox_hr

GRIDS = {"MIN_FOLLOW_UP_FRACTION": (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6),
         "FOLLOW_UP_SHRINK": (0.6, 0.7, 0.8, 0.9, 1.0)}
MODE = {"MIN_FOLLOW_UP_FRACTION": False, "FOLLOW_UP_SHRINK": True}  # events given?
SHIPPED = {"MIN_FOLLOW_UP_FRACTION": censoring.MIN_FOLLOW_UP_FRACTION,
           "FOLLOW_UP_SHRINK": censoring.FOLLOW_UP_SHRINK}


def digitizations(reps: int, seed: int) -> dict[str, list]:
    """Per data set: reps x (per arm: curve, n, events, truth, x max), drawn as the harness."""
    out: dict[str, list] = {}
    for name in SETS:
        t, e, g = load(name)
        step = risk_step(float(t.max()))
        rng = np.random.default_rng(SETS.index(name) + seed)
        reps_out = []
        for _ in range(reps):
            arms = []
            for arm in (0, 1):
                ta, ea = t[g == arm], e[g == arm]
                risk_table(ta, step)  # the harness draws the table first: keep its stream
                cx, cy = digitize_reader(rng, ta, ea, int(rng.integers(40, 121)))
                arms.append((preprocess(make_curve(np.maximum(cx, 0.0), cy)), ta.size,
                             int(ea.sum()), km_step(ta, ea), float(cx.max())))
            reps_out.append(arms)
        out[name] = [cox_hr(t, e, g).coef, reps_out]
    return out


def scores(data: dict[str, list], constant: str, value: float) -> dict[str, dict[str, list]]:
    """Per data set: lists of |Δlog HR|, sup |ΔKM|, |Δevents|/N at ``constant = value``."""
    setattr(guyot, constant, value)
    res: dict[str, dict[str, list]] = {}
    try:
        for name, (original, reps_out) in data.items():
            r = res.setdefault(name, {"dloghr": [], "supkm": [], "devents": []})
            for arms in reps_out:
                recs = []
                for curve, n, ev, truth, xmax in arms:
                    rec = reconstruct(curve, n, None, ev if MODE[constant] else None)
                    km = diagnose(rec).km
                    r["supkm"].append(sup_distance(km, truth, xmax))
                    r["devents"].append(abs(rec.n_events - ev) / n)
                    recs.append(rec)
                grp = np.r_[np.zeros(recs[0].time.size), np.ones(recs[1].time.size)]
                got = cox_hr(np.r_[recs[0].time, recs[1].time],
                             np.r_[recs[0].event, recs[1].event], grp).coef
                r["dloghr"].append(abs(got - original))
    finally:
        setattr(guyot, constant, SHIPPED[constant])
    return res


def _pooled(table: dict, value: float, sets: list[str] | tuple[str, ...], metric: str) -> float:
    """Median of ``metric`` over the arms x digitizations of ``sets`` at ``value``."""
    return float(np.median(np.concatenate([table[value][s][metric] for s in sets])))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=10)
    parser.add_argument("--seed", type=int, default=100)
    args = parser.parse_args()
    data = digitizations(args.reps, args.seed)
    for constant, grid in GRIDS.items():
        table = {v: scores(data, constant, v) for v in grid}
        metrics = ("dloghr", "supkm") + (("devents",) if not MODE[constant] else ())
        print(f"\n{constant} (shipped {SHIPPED[constant]:g}); {args.reps} digitizations per arm")
        print("in-sample medians over all 10 sets: " + "; ".join(
            f"{v:g}: " + ", ".join(f"{m} {_pooled(table, v, SETS, m):.4f}" for m in metrics)
            for v in grid))
        for m in metrics:
            picks, held, shipped = [], [], []
            for out in SETS:
                rest = [s for s in SETS if s != out]
                crit = {v: _pooled(table, v, rest, m) for v in grid}
                best = min(grid, key=lambda v: (crit[v], abs(v - SHIPPED[constant])))
                picks.append(best)
                held.append(np.median(table[best][out][m]))
                shipped.append(np.median(table[SHIPPED[constant]][out][m]))
            print(f"  criterion {m}: picks per held-out set "
                  + ", ".join(f"{s}={p:g}" for s, p in zip(SETS, picks, strict=True)))
            print(f"    held-out median of per-set medians: re-chosen {np.median(held):.4f}, "
                  f"shipped {np.median(shipped):.4f}; mean {np.mean(held):.4f} vs "
                  f"{np.mean(shipped):.4f}")


if __name__ == "__main__":
    main()
