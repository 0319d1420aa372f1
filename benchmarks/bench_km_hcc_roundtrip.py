"""Round trip on HCC curves: IPD -> drawn KM curve + risk table -> reader's clicks -> `hccmeta
reconstruct` -> pseudo-IPD, scored against the IPD it started from (printed, not asserted).

THIS IS A ROUND TRIP ON RECONSTRUCTED DATA. The "truth" here, studies/ipd/*.csv, is itself
pseudo-IPD that Bomze et al. (JAMA Netw Open 2020;3:e2017675) reconstructed from the published
figures of 18 phase 3 HCC trials with the Wei & Royston (2017) method (see studies/ipd/ and its
attribution). The figures below measure how well hccmeta recovers such data from a drawing of
it; they say nothing about how close either is to the trials' real patients.

Per arm: its KM step curve, a 3-monthly risk table up to the arm's last time (as printed under a
figure), and a reader's digitization (40–120 clicks, 80 % on step corners, jitter 0.3 % of each
axis; :func:`extraction.km.simulate.digitize_reader`) written as WebPlotDigitizer would (no
header, survival in percent). Each trial is reconstructed by the `hccmeta reconstruct` command
itself (run in-process through its Typer app: the same code path as the shell command; both
arms in one call) in the four information modes, and scored per arm: N, events, KM median,
sup |ΔKM| over the digitized range, and per trial |Δlog HR| (Cox, Efron) between the arms.

Run: .venv/bin/python benchmarks/bench_km_hcc_roundtrip.py [--reps 3] [--seed 10]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
from typer.testing import CliRunner

from extraction.km import km_step
from extraction.km.simulate import digitize_reader, risk_table, sup_distance
from meta.survival import cox_hr
from reports.cli import app

IPD = Path(__file__).resolve().parents[1] / "studies" / "ipd"
MODES = {"risk table + events": (True, True), "risk table only": (True, False),
         "events only": (False, True), "N only": (False, False)}


def load(path: Path) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    rows = [line.split(",") for line in path.read_text().splitlines()[1:] if line.strip()]
    arms: dict[str, list] = {}
    for t, e, a in rows:
        arms.setdefault(a, []).append((float(t), int(e)))
    return {a: (np.array([r[0] for r in v]), np.array([r[1] for r in v])) for a, v in
            arms.items()}



def trial(path: Path, rng: np.random.Generator, work: Path, runner: CliRunner) -> dict:
    arms = load(path)
    names = sorted(arms)
    files = {}
    for name in names:
        t, e = arms[name]
        cx, cy = digitize_reader(rng, t, e, int(rng.integers(40, 121)))
        curve = work / f"{name}_curve.csv"
        curve.write_text("".join(f"{x:.4f},{100 * y:.3f}\n" for x, y in zip(cx, cy,
                                                                             strict=True)))
        rt, rn = risk_table(t, 3.0)
        risk = work / f"{name}_risk.csv"
        risk.write_text("time,n_risk\n" + "".join(f"{a:g},{int(b)}\n" for a, b in zip(rt, rn,
                                                                                   strict=True)))
        files[name] = (curve, risk, float(cx.max()))
    g_true = np.concatenate([np.full(arms[a][0].size, i) for i, a in enumerate(names)])
    hr_true = cox_hr(np.concatenate([arms[a][0] for a in names]),
                     np.concatenate([arms[a][1] for a in names]), g_true).coef
    out: dict = {}
    for mode, (use_risk, use_events) in MODES.items():
        args = ["reconstruct"]
        for name in names:
            t, e = arms[name]
            args += ["--curve", str(files[name][0]), "--n", str(t.size), "--arm", name]
            if use_risk:
                args += ["--risk", str(files[name][1])]
            if use_events:
                args += ["--events", str(int(e.sum()))]
        target = work / f"ipd_{mode.replace(' ', '_')}.csv"
        args += ["--out", str(target), "--studies", str(work / "no-library")]
        result = runner.invoke(app, args)
        if result.exit_code != 0:
            raise RuntimeError(f"{path.name} {mode}: {result.output}")
        got = load(target)
        ranges = {}  # N only: the range of event counts the warning gives, per arm
        for line in result.output.splitlines():
            if line.startswith("warning: arm ") and " allows " in line:
                arm = line[len("warning: arm "):].split(":")[0]
                lo, hi = line.split(" allows ")[1].split(" ")[0].split("..")
                ranges[arm] = (int(lo), int(hi))
        rows = []
        for name in names:
            t, e = arms[name]
            rt_, re_ = got[name]
            truth, rec = km_step(t, e), km_step(rt_, re_)
            rows.append({"arm": name, "dn": rt_.size - t.size, "devents": int(re_.sum() - e.sum()),
                         "dmedian": rec.median() - truth.median(),
                         "supkm": sup_distance(rec, truth, files[name][2]),
                         "in_range": (ranges[name][0] <= e.sum() <= ranges[name][1]
                                      if name in ranges else None)})
        g = np.concatenate([np.full(got[a][0].size, i) for i, a in enumerate(names)])
        hr = cox_hr(np.concatenate([got[a][0] for a in names]),
                    np.concatenate([got[a][1] for a in names]), g).coef
        out[mode] = (rows, hr - hr_true)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=3, help="digitizations per trial")
    parser.add_argument("--seed", type=int, default=10)
    parser.add_argument("--verbose", action="store_true", help="one line per trial and mode")
    args = parser.parse_args()
    print("ROUND TRIP ON RECONSTRUCTED DATA: the source IPD (studies/ipd/) is itself pseudo-IPD "
          "reconstructed from published figures (Bomze et al. 2020, Wei & Royston method); these "
          "figures measure recovery of that data from a drawing of it, not accuracy against the "
          "trials' real patients.")
    rng = np.random.default_rng(args.seed)
    runner = CliRunner()
    paths = sorted(IPD.glob("*.csv"))
    per_mode: dict[str, dict[str, list[float]]] = {m: {} for m in MODES}
    start = time.perf_counter()
    for _ in range(args.reps):
        for path in paths:
            with tempfile.TemporaryDirectory() as tmp:
                res = trial(path, rng, Path(tmp), runner)
            for mode, (rows, dhr) in res.items():
                acc = per_mode[mode]
                for r in rows:
                    for key in ("dn", "devents", "supkm"):
                        acc.setdefault(key, []).append(abs(r[key]))
                    if np.isfinite(r["dmedian"]):
                        acc.setdefault("dmedian", []).append(abs(r["dmedian"]))
                    acc.setdefault("exact_events", []).append(r["devents"] == 0)
                    if r["in_range"] is not None:
                        acc.setdefault("in_range", []).append(r["in_range"])
                acc.setdefault("dloghr", []).append(abs(dhr))
                if args.verbose:
                    print(f"  {path.stem:<36} {mode:<20} dlogHR {dhr:+.4f}; "
                          + "; ".join(f"{r['arm']}: dN {r['dn']} dD {r['devents']:+d} "
                                      f"dmed {r['dmedian']:+.2f} sup {r['supkm']:.3f}"
                                      for r in rows))
    elapsed = time.perf_counter() - start
    n_arms = len(per_mode["N only"]["dn"])
    print(f"{len(paths)} trials, {n_arms // args.reps} arms, {args.reps} digitization(s) each; "
          "medians over arms (|dlogHR| over trials) [90th percentile]")
    print(f"{'mode':<22}{'|dN|':>6}{'|dEvents|':>16}{'events exact':>14}{'|dMedian| mo':>18}"
          f"{'sup|dKM|':>18}{'|dlogHR|':>18}")
    for mode, acc in per_mode.items():
        def cell(key: str, fmt: str, acc=acc) -> str:
            v = np.asarray(acc[key], dtype=float)
            return f"{np.median(v):{fmt}} [{np.quantile(v, .9):{fmt}}]"
        print(f"{mode:<22}{int(max(acc['dn'])):>6}{cell('devents', '.1f'):>16}"
              f"{np.mean(acc['exact_events']):>13.0%} {cell('dmedian', '.2f'):>18}"
              f"{cell('supkm', '.3f'):>18}{cell('dloghr', '.3f'):>18}")
    inside = per_mode["N only"].get("in_range", [])
    print(f"N only: true events inside the range the warning reports in {sum(inside)}/"
          f"{len(inside)} arms")
    print(f"({elapsed:.1f} s for {args.reps * len(paths) * len(MODES)} `hccmeta reconstruct` "
          "calls, in-process)")


if __name__ == "__main__":
    main()
