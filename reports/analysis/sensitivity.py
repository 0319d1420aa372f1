"""Leave-one-out sensitivity of one comparison: the benchmark re-pooled without each study in
turn (:func:`meta.sensitivity.leave1out`, as metafor's ``leave1out``; Viechtbauer & Cheung 2010,
Res Synth Methods 1:112) and the index tested against each reduced benchmark, with the average-
study test and with the deciding predictive test (Higgins, Thompson & Spiegelhalter 2009)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from meta.comparison import Benchmark, Difference, difference, predictive
from meta.sensitivity import leave1out
from meta.transforms import backtransform
from reports.plan import Plan

NAN = float("nan")


@dataclass(frozen=True)
class LeaveOneOut:
    """The benchmark without one study (analysis scale; ``*_bt`` back-transformed)."""

    omitted: str
    k: int
    estimate: float
    se: float
    ci_lb: float
    ci_ub: float
    tau2: float
    I2: float
    estimate_bt: float
    ci_lb_bt: float
    ci_ub_bt: float
    difference: Difference | None
    predictive: Difference | None


def leave_one_out(a: Any, plan: Plan) -> tuple[LeaveOneOut, ...]:
    """Leave-one-out rows of a :class:`reports.analysis.groups.GroupAnalysis` (at least 3
    benchmark studies; empty otherwise or when the plan turns it off)."""
    arms = a.arms
    if not plan.sensitivity.leave_one_out or a.comparison is None or len(arms) < 3:
        return ()
    loo = leave1out(arms["yi"], arms["vi"], study=list(arms["label"]), method=plan.estimator,
                    test=plan.inference, level=plan.level)
    out = []
    for i, r in loo.iterrows():
        rest = arms.drop(arms.index[i])
        ni = rest["total"].astype(float).tolist() if a.outcome.measure == "PFT" else None
        est, lb, ub = (float(v) for v in backtransform(
            a.outcome.measure, [r["estimate"], r["ci_lb"], r["ci_ub"]], ni=ni))
        bench = Benchmark(plan.estimator, plan.inference, int(r["k"]), r["estimate"], r["se"],
                          r["ci_lb"], r["ci_ub"], NAN, NAN, r["tau2"], r["I2"], r["Q"],
                          r["Q_pval"], (), int(r["k"]) - 1 if plan.inference == "knha" else None)
        known = a.index_yi is not None
        out.append(LeaveOneOut(
            str(r["study"]), int(r["k"]), float(r["estimate"]), float(r["se"]),
            float(r["ci_lb"]), float(r["ci_ub"]), float(r["tau2"]), float(r["I2"]), est, lb, ub,
            difference(a.index_yi, a.index_vi, bench, plan.level) if known else None,
            predictive(a.index_yi, a.index_vi, bench, plan.level) if known else None))
    return tuple(out)
