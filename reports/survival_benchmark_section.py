"""Text, tables and KM overlays of the survival benchmarks from reconstructed IPD
(:mod:`reports.analysis.ipd_benchmark`), one block per comparator group and endpoint.

The overlay's frame is built here (:func:`reports.figures.km_frame.km_benchmark_frame`) and drawn
by a figure worker (:func:`reports.figures.km_benchmark.plot_km_benchmark`).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from reports import fmt
from reports.analysis.ipd_benchmark import IpdBenchmark
from reports.figure_jobs import FigureJobs

ARM_HEADER = ["Arm (IPD file)", "n", "Events", "Median [CI], mo", "S(6)", "S(12)", "S(18)",
              "S(24)", "RMST(24), mo"]
POOLED_HEADER = ["Statistic", "k", "Pooled [CI]", "PI (metafor)", "PI (Higgins, t)", "τ²",
                 "I²"]
T_MAX = 48.0
"""Right end of the overlays' time axis (months)."""


def _pct_se(s: float, se: float) -> str:
    return "–" if not np.isfinite(s) else f"{100 * s:.1f} ({100 * se:.1f})"


def _stat(value: float, kind: str) -> str:
    if not math.isfinite(value):
        return "–"
    return f"{100 * value:.1f}%" if kind == "surv" else f"{value:.1f}"


def _interval(lb: float, ub: float, kind: str) -> str:
    if not (math.isfinite(lb) and math.isfinite(ub)):
        return "–"
    return f"{_stat(lb, kind)}–{_stat(ub, kind)}"


def arm_rows(b: IpdBenchmark) -> list[list[str]]:
    """One row per arm: KM median [CI], S(t) (SE) in percent, RMST(24) (SE)."""
    assert b.result is not None
    files = {a.label: (a.file, a.ipd_study, a.study) for a in b.arms}
    rows = []
    for s in b.result.benchmark.arms:
        file, ipd_study, study = files[s.arm]
        where = file.rsplit("/", 1)[-1] + ("" if ipd_study == study else f", from {ipd_study}")
        m = s.median
        lm = s.landmarks
        rm = (f"{s.rmst.estimate:.1f} ({s.rmst.se:.2f})" if not s.rmst_extrapolated
              else "– (follow-up < 24)")
        rows.append([f"{s.arm} ({where})", str(s.n), str(s.events),
                     fmt.est_ci(m.estimate, m.lower, m.upper),
                     *[_pct_se(lm.surv[i], lm.se[i]) if lm.time[i] <= s.follow_up else "–"
                       for i in range(len(lm.time))], rm])
    return rows


def pooled_rows(b: IpdBenchmark) -> list[list[str]]:
    """One row per pooled statistic: S(t) in percent, RMST and median in months."""
    assert b.result is not None
    bench = b.result.benchmark
    rows = []
    for p in (bench.median, *bench.landmarks, bench.rmst):
        kind = "surv" if p.statistic.startswith("S(") else "months"
        name = {"median": "KM median, mo"}.get(p.statistic, p.statistic + (
            ", mo" if kind == "months" else ""))
        if p.k == 0:
            rows.append([name, "0", "–", "–", "–", "–", "–"])
            continue
        assert p.benchmark is not None
        rows.append([name, str(p.k), f"{_stat(p.estimate, kind)} "
                     f"[{_interval(p.ci_lb, p.ci_ub, kind)}]", _interval(p.pi_lb, p.pi_ub, kind),
                     _interval(p.pi_t_lb, p.pi_t_ub, kind), f"{p.benchmark.tau2:.3f}",
                     f"{p.benchmark.I2:.0f}%"])
    return rows


def position_text(b: IpdBenchmark, index_label: str) -> str:
    """Where the index's reported median falls among the group's KM curves, in words."""
    if b.index is None:
        return f"{index_label} reports no median for this endpoint."
    ix = b.index
    interval = ("" if ix.kind == "none" else
                f"; {ix.method}: {fmt.interval(ix.lower, ix.upper)} months")
    head = f"{index_label} reports a median of {ix.median:.1f} months{interval}."
    if b.result is None or b.result.position is None:
        return head
    p = b.result.position
    text = (f"{head} At {p.time:.1f} months, {p.n_longer} of {p.n_evaluable} historical arms "
            "followed that long have Kaplan–Meier survival above 50% (a median longer than the "
            f"index's)")
    if p.n_evaluable < len(p.arms):
        text += f"; {len(p.arms) - p.n_evaluable} arm(s) end follow-up earlier"
    pooled = p.pooled
    if pooled.k:
        text += (f". Pooled S({p.time:.1f}) = {_stat(pooled.estimate, 'surv')} "
                 f"[{_interval(pooled.ci_lb, pooled.ci_ub, 'surv')}], prediction interval "
                 f"{_interval(pooled.pi_lb, pooled.pi_ub, 'surv')}")
    words = {"index longer": "the whole prediction interval is below 50%: a new arm of this "
             "group is expected to have a shorter median than the index reports",
             "index shorter": "the whole prediction interval is above 50%: a new arm of this "
             "group is expected to have a longer median than the index reports",
             "within": "the prediction interval includes 50%: the index's median is within the "
             "spread of this group's arms",
             "n/a": "fewer than two arms: no prediction interval"}
    text += f"; {words.get(p.position, p.position)}."
    if ix.kind != "none" and (math.isfinite(p.fraction_longer_at_lower)
                              or math.isfinite(p.fraction_longer_at_upper)):
        def pct(x: float) -> str:
            return "not evaluable" if not math.isfinite(x) else f"{100 * x:.0f}%"

        text += (f" Over the index median's interval, the share of arms with a longer median is "
                 f"{pct(p.fraction_longer_at_lower)} at {ix.lower:.1f} months and "
                 f"{pct(p.fraction_longer_at_upper)} at {ix.upper:.1f} months.")
    return text


def methods_text(blocks: list[IpdBenchmark]) -> str:
    """How the IPD benchmarks are computed (said once for all groups)."""
    b = next(x for x in blocks if x.result is not None)
    assert b.result is not None
    bench = b.result.benchmark
    curve = next((x.result.curve for x in blocks if x.result and x.result.curve), None)
    return ("Per comparator group, the arms are those of the group's median comparison "
            "(same comparability rules, one arm per overlap cluster), each with the "
            "reconstructed IPD of whichever study file carries it (an updated analysis uses "
            "the earlier file's IPD of the same arm). Each arm's Kaplan–Meier median "
            "(Brookmeyer–Crowley CI), survival at 6, 12, 18 and 24 months (Greenwood SE) and "
            "restricted mean survival time to 24 months (SE as R survival) are pooled across "
            f"arms by random effects ({bench.method}; landmarks on the {bench.landmark_scale} "
            "scale, RMST in months, medians on the log scale), with CI and prediction interval "
            "(metafor's normal-quantile PI and Higgins et al. 2009's t-based PI); an arm not "
            "followed to a time is left out at that time. "
            + (f"Pooled curve: {curve.description}. " if curve is not None else "")
            + "The index study gives no curve: its reported median is placed among the arms' "
            "curves (an arm's median exceeds it exactly when its KM survival there is above "
            "50%), with its interval.")


def benchmark_block(b: IpdBenchmark, endpoint_name: str, index_label: str, root: Path,
                    jobs: FigureJobs, level: float) -> dict[str, Any]:
    """One group's block: text, per-arm and pooled tables, and its KM overlay (submitted)."""
    from reports.figures.km_frame import km_benchmark_frame

    title = f"{b.group.label}: {endpoint_name}"
    used = len(b.arms)
    block: dict[str, Any] = {
        "title": title, "arm_header": ARM_HEADER, "pooled_header": POOLED_HEADER,
        "arm_rows": [], "pooled_rows": [], "figure": None, "caption": "",
        "excluded": [(e.label, e.reason) for e in b.excluded],
        "position": position_text(b, index_label)}
    if b.result is None:
        block["text"] = (f"No arm of this group has reconstructed patient-level data for "
                         f"{endpoint_name}; its comparison rests on published medians only.")
        return block
    block["text"] = (f"{used} arm(s) of this group have reconstructed individual patient data"
                     + (f"; {len(b.assumed)} comparable arm(s) without it are drawn as "
                        "assumptions (dotted) and enter no statistic below." if b.assumed
                        else "."))
    block["arm_rows"] = arm_rows(b)
    block["pooled_rows"] = pooled_rows(b)
    curve = b.result.curve
    rel = f"figures/km_{b.endpoint}_{b.group.id}.svg"
    ix = b.index
    end = min(T_MAX, max(float(np.max(a.time)) for a in b.arms))
    frame = km_benchmark_frame(
        b.data, curve, index_median=ix.median if ix else None,
        index_interval=(ix.lower, ix.upper) if ix and ix.kind != "none" else None,
        index_label=f"{index_label} [index]",
        interval_label=("approximate 95% interval" if ix and ix.kind == "approximate"
                        else "95% CI"),
        assumed=dict(b.assumed) or None, risk_times=list(np.arange(0.0, end + 1e-9, 6.0)),
        level=level, t_max=end)
    jobs.submit("plot_km_benchmark", frame, root / rel, ylabel=endpoint_name)
    block["figure"] = rel
    block["caption"] = (
        f"{title}: Kaplan–Meier curves of the {used} arm(s) with reconstructed IPD (thin lines), "
        f"their pooled curve with its {level:g}% confidence band and prediction band, and the "
        "index study's reported median as a point at 50% with its interval"
        + (" (approximate: the index gives no CI)" if ix and ix.kind == "approximate" else "")
        + (". Dotted: arms without IPD, exponential through their reported medians "
           "(an assumption, not data)." if b.assumed else ". No exponential curve is drawn."))
    return block
