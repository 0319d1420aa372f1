"""Survival benchmarks from the reconstructed IPD (prints figures; not a test).

The sorafenib-control library (the 13 arms labelled ``sorafenib`` in studies/ipd/; SEARCH's
control arm, sorafenib + placebo, is not among them) as its own benchmark: per-arm KM medians
with CI, landmark survival with Greenwood SE, RMST to 24 months; their random-effects pools
with CI and PI; where the index study's reported median OS (17.0 months) falls among the arms'
curves; the KM overlay (SVG, PDF and a PNG preview); and the time each step takes. Also every
trial's Cox HR (Efron) from its IPD.

Run: ``.venv/bin/python benchmarks/bench_survival.py [--out DIR]`` (default: a temporary folder).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from extraction.ipd import arms_named
from meta.survival import (
    cox_hr,
    index_median_position,
    pooled_km_curve,
    survival_benchmark,
)
from reports.figures.km_benchmark import km_group_figure

IPD = Path(__file__).resolve().parents[1] / "studies" / "ipd"
INDEX_MEDIAN_OS = 17.0  # months; the index study's abstract (studies/sources/seed-abstract.txt)


def sorafenib_arms() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The 13 sorafenib arms: trial -> (time, event)."""
    return arms_named(IPD, "sorafenib")


def timed(label: str, func, *args, **kwargs):
    start = time.perf_counter()
    out = func(*args, **kwargs)
    print(f"  {label}: {1e3 * (time.perf_counter() - start):.0f} ms")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="hccmeta-survival-"))
    out.mkdir(parents=True, exist_ok=True)
    pd.set_option("display.width", 160, "display.max_columns", 30)
    arms = sorafenib_arms()
    print(f"sorafenib-control library: {len(arms)} arms, "
          f"{sum(t.size for t, _ in arms.values())} patients\n\ntimings")
    bench = timed("per-arm summaries + pooled statistics", survival_benchmark, arms)
    curve = timed("pooled KM curve (0.5-month grid)", pooled_km_curve, arms)
    pos = timed("index median position", index_median_position, arms, INDEX_MEDIAN_OS)
    for suffix in ("svg", "pdf", "png"):
        timed(f"KM overlay .{suffix}", km_group_figure, out / f"km_sorafenib.{suffix}", arms,
              index_median=INDEX_MEDIAN_OS, index_label="RT + ICI cohort [index]",
              title="Sorafenib-control library (13 arms, reconstructed IPD): overall survival")
    cols = ["arm", "n", "events", "follow_up", "median", "median_lower", "median_upper",
            "S(6)", "S(12)", "S(18)", "S(24)", "rmst(24)", "se_rmst(24)"]
    print("\nper arm (months; KM with log-transformed 95% CIs, as R survfit)")
    print(bench.arms_frame()[cols].round(3).to_string(index=False))
    print(f"\npooled (REML; landmarks on the {bench.landmark_scale} scale, RMST natural, "
          "median log; 95% CI and PI)")
    print(bench.to_frame().drop(columns="excluded").round(4).to_string(index=False))
    for _, row in bench.to_frame().iterrows():
        if row.excluded:
            print(f"  {row.statistic} leaves out: {row.excluded}")
    p = pos.pooled
    print(f"\nindex median OS {INDEX_MEDIAN_OS} months: {pos.n_longer} of {pos.n_evaluable} "
          f"evaluable sorafenib arms have S({INDEX_MEDIAN_OS:g}) > 0.5 (median longer); pooled "
          f"S({INDEX_MEDIAN_OS:g}) = {p.estimate:.3f} (95% CI {p.ci_lb:.3f}-{p.ci_ub:.3f}, "
          f"PI {p.pi_lb:.3f}-{p.pi_ub:.3f}): {pos.position}")
    print(f"pooled curve: {curve.n_arms} arms, grid to {curve.time[-1]:g} months, largest "
          f"isotonic adjustment {curve.max_monotone_adjustment:.4f}")
    print("\nCox HR (Efron), first-listed arm vs the other, per trial")
    for path in sorted(IPD.glob("*.csv")):
        data = pd.read_csv(path)
        first = data["arm"].iloc[0]
        c = cox_hr(data["time"], data["event"], (data["arm"] == first).to_numpy(float))
        other = data.loc[data["arm"] != first, "arm"].iloc[0]
        print(f"  {path.stem:40s} {first} vs {other}: HR {c.hr:.3f} "
              f"({c.lower:.3f}-{c.upper:.3f})")
    print(f"\nfigures in {out}")


if __name__ == "__main__":
    main()
