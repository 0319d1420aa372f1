"""The survival section: pseudo-IPD comparisons where digitized curves exist, else approximate
curves for orientation, labelled as such and never mixed with reconstructed ones."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from extraction import StudyRecord
from meta.ipd_comparison import ArmIPD, exponential_curve, one_stage_cox, two_stage
from reports import fmt
from reports.analysis import GroupAnalysis
from reports.dataset import in_group, replaced_by, study_label, superseded
from reports.figure_jobs import FigureJobs
from reports.plan import Plan

ENDPOINTS = {"os": "overall survival", "pfs": "progression-free survival"}
TAU, LANDMARK = 24.0, 12.0
"""RMST horizon and landmark (months) of the pseudo-IPD comparison."""


def _name(rec: StudyRecord, arm: Any) -> str:
    base = study_label(rec)
    return f"{base}: {arm.label}" if len(rec.study.arms) > 1 else base


def _arms(records: list[StudyRecord], plan: Plan, endpoint: str):
    """Arms whose curve for ``endpoint`` may be used: a superseded analysis only where its update
    has no curve for that arm and endpoint (the report's one rule, :func:`dataset.replaced_by`)."""
    gone = superseded(records)

    def has_curve(r: StudyRecord, a: object) -> bool:
        return any(c.arm == a.id and c.endpoint == endpoint  # type: ignore[attr-defined]
                   for c in r.study.curves)

    for rec in records:
        for arm in rec.study.arms:
            is_index = rec.id == plan.index.study and arm.id == (plan.index.arm
                                                                 or rec.study.arms[0].id)
            if not is_index and replaced_by(records, rec, arm.id, has_curve, gone):
                continue
            groups = [g for g in plan.groups if in_group(rec, arm, g)]
            if is_index or (groups and rec.id != plan.index.study):
                yield rec, arm, is_index, groups


def reconstructed(records: list[StudyRecord], plan: Plan, endpoint: str
                  ) -> list[tuple[ArmIPD, bool, list[str]]]:
    """Pseudo-IPD of every arm with a digitized curve for ``endpoint`` (Guyot et al. 2012)."""
    from extraction.curve_units import curve_in_months
    from extraction.km import reconstruct_km

    out = []
    for rec, arm, is_index, groups in _arms(records, plan, endpoint):
        for curve in rec.study.curves:
            if curve.arm != arm.id or curve.endpoint != endpoint:
                continue
            digitized, risk = curve_in_months(rec, curve)  # months and proportions, as declared
            rec_km = reconstruct_km(digitized, arm.n_analysed or arm.n, risk,
                                    curve.total_events)
            origin = (f"reconstructed from the digitized curve {curve.file} (Guyot 2012, "
                      + ("risk table" if risk is not None else "no risk table") + ")")
            out.append((ArmIPD(_name(rec, arm), rec_km.time, rec_km.event, origin), is_index,
                        [g.id for g in groups]))
    return out


def approximate_frame(analyses: list[GroupAnalysis], endpoint: str, index_label: str
                      ) -> pd.DataFrame:
    """Exponential curves through the index study's reported median and through each comparator
    group's pooled median (orientation only; labelled approximate)."""
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
        if a.comparison is not None:
            m = float(np.exp(a.comparison.benchmark.estimate))
            parts.append((f"{a.group.label}, pooled median {m:.1f} mo (k = "
                          f"{a.comparison.benchmark.k}) — approximate", m, "approximate"))
    frames = [pd.DataFrame({"curve": label, "time": times,
                            "survival": exponential_curve(m, times), "kind": kind})
              for label, m, kind in parts]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["curve", "time", "survival", "kind"])


def survival(records: list[StudyRecord], plan: Plan, root: Path, jobs: FigureJobs,
             analyses: list[GroupAnalysis]) -> dict[str, Any]:
    """Text, figures and table of the survival section."""
    figures, rows, texts = [], [], []
    header = ["Endpoint", "Comparison", "Index", "Historical (pooled)", "Difference / HR",
              "How the IPD was obtained"]
    for endpoint, name in ENDPOINTS.items():
        ipd = reconstructed(records, plan, endpoint)
        index = [a for a, is_index, _ in ipd if is_index]
        hist = [a for a, is_index, _ in ipd if not is_index]
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
        if index and hist:
            ts = two_stage(index[0], hist, TAU, LANDMARK, plan.estimator, plan.level)
            cox = one_stage_cox(index, hist, plan.level)
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
    if not any(rec.study.curves for rec in records):
        texts.insert(0, "No study file in the library has a digitized Kaplan–Meier curve, so "
                     "no pseudo-individual patient data could be reconstructed and no two-stage "
                     "(RMST, landmark survival) or one-stage (Cox) comparison was run. For "
                     "orientation only, the figures below draw approximate curves: exponential "
                     "survival through the index study's reported median and through each "
                     "comparator group's pooled median, S(t) = 2^(−t/median). They are not data, "
                     "assume a constant hazard, and enter no analysis.")
        for endpoint, name in ENDPOINTS.items():
            index = next(r for r in records if r.id == plan.index.study)
            frame = approximate_frame(analyses, endpoint, study_label(index))
            if frame.empty:
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
    return {"text": " ".join(texts), "figures": figures, "header": header, "rows": rows}
