"""The survival section (text and figures of :mod:`reports.analysis.survival`): pseudo-IPD
comparisons where digitized curves exist, else approximate
curves for orientation, labelled as such and never mixed with reconstructed ones."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from extraction import StudyRecord
from meta.ipd_comparison import exponential_curve
from reports import fmt
from reports.analysis.data import study_label
from reports.analysis.groups import GroupAnalysis
from reports.analysis.survival import ENDPOINTS, LANDMARK, TAU, SurvivalResult
from reports.figure_jobs import FigureJobs
from reports.plan import Plan


def approximate_frame(analyses: list[GroupAnalysis], endpoint: str, index_label: str,
                      skip: frozenset[str] = frozenset()) -> pd.DataFrame:
    """Exponential curves through the index study's reported median and through each comparator
    group's pooled median (orientation only; labelled approximate). Groups in ``skip`` (those
    drawn from reconstructed IPD) get no exponential curve."""
    times = np.linspace(0, 36, 73)
    parts = []
    index_done = False
    for a in analyses:
        if a.outcome.kind != "median" or a.outcome.endpoint != endpoint:
            continue
        if a.index_yi is not None and not index_done:
            m = float(np.exp(a.index_yi))
            parts.append((f"{index_label} [index], reported median {m:.1f} mo — approximate",
                          m, "index_approximate"))
            index_done = True
        if a.comparison is not None and a.group.id not in skip:
            m = float(np.exp(a.comparison.benchmark.estimate))
            parts.append((f"{a.group.label}, pooled median {m:.1f} mo (k = "
                          f"{a.comparison.benchmark.k}) — approximate", m, "approximate"))
    frames = [pd.DataFrame({"curve": label, "time": times,
                            "survival": exponential_curve(m, times), "kind": kind})
              for label, m, kind in parts]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["curve", "time", "survival", "kind"])


def survival(records: list[StudyRecord], plan: Plan, root: Path, jobs: FigureJobs,
             analyses: list[GroupAnalysis], results: tuple[SurvivalResult, ...]
             ) -> dict[str, Any]:
    """Text, figures and table of the survival section."""
    from reports.survival_benchmark_section import benchmark_block

    figures, rows, texts = [], [], []
    index_rec = next(r for r in records if r.id == plan.index.study)
    blocks = [benchmark_block(b, ENDPOINTS[res.endpoint], study_label(index_rec), root, jobs,
                              plan.level)
              for res in results for b in res.benchmarks if b.result is not None]
    with_ipd = {res.endpoint: frozenset(b.group.id for b in res.benchmarks
                                        if b.result is not None) for res in results}
    header = ["Endpoint", "Comparison", "Index", "Historical (pooled)", "Difference / HR",
              "How the IPD was obtained"]
    for res in results:
        endpoint, name = res.endpoint, ENDPOINTS[res.endpoint]
        ipd, index, hist = res.ipd, res.index, res.historical
        if ipd:
            from extraction.km import km_step

            steps = []
            for a, is_index, _ in ipd:
                km = km_step(a.time, a.event)
                steps.append(pd.DataFrame({"curve": f"{a.label} (reconstructed)",
                                           "time": km.time, "survival": km.surv,
                                           "kind": "index" if is_index else "reconstructed"}))
            frame = pd.concat(steps, ignore_index=True)
            rel = f"figures/km_{endpoint}_reconstructed.svg"
            jobs.submit("plot_km", frame, root / rel, ylabel=name)
            figures.append({"figure": rel, "caption": f"Kaplan–Meier curves of {name} "
                            "reconstructed from digitized published curves (pseudo-IPD)."})
        if res.two_stage is not None:
            ts, cox = res.two_stage, res.cox
            origin = "; ".join(f"{a.label}: {a.origin}" for a in [*index, *hist])
            c = ts.rmst
            rows.append([name, f"RMST to {TAU:g} months (two-stage)", fmt.num(ts.index.rmst),
                         fmt.est_ci(*c.benchmark_bt), fmt.est_ci(
                             c.difference.estimate, c.difference.ci_lb, c.difference.ci_ub)
                         + f", {fmt.pval(c.difference.pval)}" if c.difference else "–", origin])
            if ts.landmark_cmp is not None:
                lm = ts.landmark_cmp
                rows.append([name, f"{LANDMARK:g}-month survival (two-stage)",
                             fmt.num(100 * ts.index.surv) + "%",
                             fmt.est_ci(*(100 * v for v in lm.benchmark_bt)) + "%",
                             f"{fmt.pval(lm.difference.pval)}" if lm.difference else "–",
                             origin])
            # no p-value: the model-based SE ignores between-study heterogeneity, so the test
            # rejects far too often (0.42 at a between-arm SD of 0.3; tests/meta/
            # test_one_stage_cox_type1.py); the HR is shown for orientation only
            rows.append([name, "Cox, index vs historical (one-stage; orientation only)", "", "",
                         f"HR {fmt.est_ci(cox.hr, cox.ci_lb, cox.ci_ub, 2)} (no test: the SE "
                         "ignores between-study heterogeneity)", origin])
        elif ipd:
            texts.append(f"{name.capitalize()}: curves were reconstructed for "
                         f"{len(ipd)} arm(s), but " + ("the index study has no digitized "
                         "curve" if not index else "no historical arm has one")
                         + ", so no pseudo-IPD comparison is possible.")
    if blocks:
        from reports.survival_benchmark_section import methods_text

        texts.append("Survival benchmarks from reconstructed individual patient data "
                     "(subsections below: Kaplan–Meier overlay, pooled and per-arm tables). "
                     + methods_text([b for res in results for b in res.benchmarks]))
    if not any(rec.study.curves for rec in records):
        texts.append("No digitized Kaplan–Meier curve of the index study is in the library, "
                     "so no two-stage (RMST, landmark survival) or one-stage (Cox) comparison "
                     "of the index arm's patient-level data was run. For orientation only, "
                     "where a comparator group has no arm with IPD, the figures marked "
                     "APPROXIMATE draw exponential survival through the index study's reported "
                     "median and through the group's pooled median, S(t) = 2^(−t/median). They "
                     "are not data, assume a constant hazard, and enter no analysis.")
        for endpoint, name in ENDPOINTS.items():
            index = next(r for r in records if r.id == plan.index.study)
            frame = approximate_frame(analyses, endpoint, study_label(index),
                                      with_ipd.get(endpoint, frozenset()))
            if frame.empty or set(frame["kind"]) <= {"index_approximate"}:
                continue
            rel = f"figures/km_{endpoint}_approximate.svg"
            jobs.submit("plot_km", frame, root / rel, ylabel=f"{name}\n(approximate)")
            figures.append({"figure": rel, "caption": f"APPROXIMATE {name} curves "
                            "(exponential through the index study's median and the pooled "
                            "benchmark medians; not reconstructed data). Red: the index study."})
    elif rows:
        texts.append("Pseudo-IPD comparisons: two-stage (per-arm RMST and landmark survival, "
                     "historical arms pooled with random effects) and one-stage (Cox model of "
                     "index vs historical, unstratified: a model stratified by study cannot "
                     "estimate this contrast when the index is one study). The Cox model's SE "
                     "is model-based: it treats all patients as one population and ignores "
                     "between-study heterogeneity, so its confidence interval and p-value are "
                     "for orientation only and are not a valid test of the index arm against "
                     "history; inference rests on the two-stage comparison. (A study-clustered "
                     "robust SE is not used: with the index as a single study it is biased "
                     "downwards.)")
    return {"text": " ".join(texts), "figures": figures, "header": header, "rows": rows,
            "benchmarks": blocks}
