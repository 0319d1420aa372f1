"""``results.json`` and ``results.csv``: every comparison of the report as data.

Names follow metafor where they apply (``k, estimate, se, ci_lb, ci_ub, pi_lb, pi_ub, tau2, I2,
Q, Q_pval``; a ``knha`` block; a ``backtransformed`` block), so others can diff and re-use the
numbers. Both files are written atomically into the (staged) report folder.
"""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path
from typing import Any

from meta.comparison import Benchmark, ComparisonResult, Difference
from reports.analysis import ReportAnalysis
from reports.analysis.groups import GroupAnalysis
from reports.analysis.ipd_benchmark import benchmark_record
from reports.analysis.verdict import Robustness
from reports.atomic import write_text_atomic

SCHEMA_VERSION = 2


def _num(x: Any) -> Any:
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def _bench(b: Benchmark) -> dict[str, Any]:
    return {"method": b.method, "test": b.test, "k": b.k, "estimate": _num(b.estimate),
            "se": _num(b.se), "ci_lb": _num(b.ci_lb), "ci_ub": _num(b.ci_ub),
            "pi_lb": _num(b.pi_lb), "pi_ub": _num(b.pi_ub), "tau2": _num(b.tau2),
            "tau": _num(math.sqrt(b.tau2)) if b.tau2 == b.tau2 else None, "I2": _num(b.I2),
            "Q": _num(b.Q), "Q_df": b.k - 1, "Q_pval": _num(b.Q_pval),
            "weights_pct": [_num(w) for w in b.weights_pct]}


def _diff(d: Difference | None) -> dict[str, Any] | None:
    if d is None:
        return None
    stat = "zval" if d.df is None else "tval"
    return {"estimate": _num(d.estimate), "se": _num(d.se), stat: _num(d.stat),
            "df": d.df, "pval": _num(d.pval), "ci_lb": _num(d.ci_lb), "ci_ub": _num(d.ci_ub)}


def _robust(r: Robustness | None) -> dict[str, Any] | None:
    if r is None:
        return None
    return {"test": r.test, "alpha": r.alpha, "significant": r.significant, "robust": r.robust,
            "runs": [{"name": x.name, "pval": _num(x.pval), "significant": x.significant}
                     for x in r.runs],
            "knha_position": r.knha_position.value if r.knha_position else None}


def _knha(c: ComparisonResult | None) -> dict[str, Any] | None:
    if c is None:
        return None
    b, d = c.benchmark, c.difference
    return {"estimate": _num(b.estimate), "se": _num(b.se), "tval": _num(d.stat) if d else None,
            "df": b.df, "pval": _num(d.pval) if d else None, "ci_lb": _num(b.ci_lb),
            "ci_ub": _num(b.ci_ub), "pi_lb": _num(b.pi_lb), "pi_ub": _num(b.pi_ub),
            "position": c.position}


def comparison_record(a: GroupAnalysis) -> dict[str, Any]:
    """One comparison as a JSON-ready dict."""
    c = a.comparison
    arms = a.arms
    weights = c.benchmark.weights_pct if c is not None else ()
    used = [{"study": str(r["study"]), "arm": str(r["arm"]), "label": str(r["label"]),
             "yi": _num(r["yi"]), "vi": _num(r["vi"]),
             "weight_pct": _num(weights[i]) if i < len(weights) else None}
            for i, (_, r) in enumerate(arms.iterrows())] if not arms.empty else []
    rec: dict[str, Any] = {
        "outcome": a.outcome.id, "outcome_label": a.outcome.label, "group": a.group.id,
        "group_label": a.group.label, "measure": a.outcome.measure,
        "level": c.level if c is not None else None,
        "index": {"study": a.index_ids[0], "arm": a.index_ids[1], "yi": _num(a.index_yi),
                  "vi": _num(a.index_vi), "note": a.index_note},
        "arms_used": used,
        "arms_excluded": [{"study": e.study, "arm": e.arm, "label": e.label, "rule": e.rule,
                           "reason": e.reason} for e in a.exclusions],
        "verdict": a.verdict.value,
        "reasons": [{"code": r.code.value, "value": _num(r.value), "names": list(r.names)}
                    for r in a.reasons],
        "position": a.position.value,
        "position_basis": a.position_basis.value if a.position_basis else None,
        "robustness": _robust(a.robustness), "mean_robustness": _robust(a.mean_robustness),
        "no_comparison_reason": a.reason or None,
    }
    if c is not None:
        rec.update(_bench(c.benchmark))
        rec["backtransformed"] = {
            "estimate": _num(c.benchmark_bt[0]), "ci_lb": _num(c.benchmark_bt[1]),
            "ci_ub": _num(c.benchmark_bt[2]), "pi_lb": _num(c.pi_bt[0]),
            "pi_ub": _num(c.pi_bt[1]), "index": _num(c.index_bt[0]),
            "index_ci_lb": _num(c.index_bt[1]), "index_ci_ub": _num(c.index_bt[2]),
            "difference": _num(c.points_bt)}
        rec["difference"] = _diff(c.difference)
        rec["predictive"] = _diff(c.predictive)
        rec["knha"] = _knha(a.comparison_knha)
        rec["by_estimator"] = [{**_bench(b), "difference": _diff(d)} for b, d in c.by_estimator]
    ov = a.overlap
    rec["overlap_sensitivity"] = None if ov is None else {
        "dropped": list(ov.dropped_ids), "kept": list(ov.kept_ids),
        **_bench(ov.comparison.benchmark), "difference": _diff(ov.comparison.difference),
        "predictive": _diff(ov.comparison.predictive)}
    rec["references"] = [{"id": r.id, "use": r.use, "reason": r.reason}
                         for r in a.references]
    rec["index_interval"] = _index_range(a.index_interval)
    rec["decision_test"] = _decision(a.decision_test)
    rec["prediction_interval"] = _clean(a.prediction)
    rec["fragility_patients"] = a.fragility_patients
    rec["fragility"] = _clean(a.fragility)
    rec["era_adjusted"] = _adjusted(a.era_adjusted)
    rec["casemix_adjusted"] = [_adjusted(x) for x in (a.casemix_adjusted or ())]
    return rec


def _clean(value: Any) -> Any:
    """A dataclass / tuple / enum as JSON-ready data (NaN -> None)."""
    from dataclasses import fields, is_dataclass
    from enum import Enum

    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return _num(value)
    if isinstance(value, Enum):
        return value.value
    if is_dataclass(value):
        return {f.name: _clean(getattr(value, f.name)) for f in fields(value)
                if f.name != "fit"}
    if isinstance(value, tuple | list):
        return [_clean(v) for v in value]
    if hasattr(value, "item"):
        return _clean(value.item())
    return str(value)


def _index_range(r: Any) -> Any:
    if r is None:
        return None
    return {"kind": r.kind.value, "central": r.central, "method": r.method,
            "assumptions": list(r.assumptions), "envelope": [_num(x) for x in r.envelope],
            "scenarios": [_clean(sc) for sc in r.scenarios]}


def _decision(d: Any) -> Any:
    if d is None:
        return None
    return {"method": d.method, "draws": d.draws, "size": _num(d.size), "tau2": _num(d.tau2),
            "pval": _num(d.pval), "pval_mcse": _num(d.pval_mcse),
            "mc_unsettled": list(d.mc_unsettled), "interval": [_num(x) for x in d.interval],
            "central": d.central, "unanimous": d.unanimous,
            "scenarios": [_clean(t) for t in d.tests]}


def _adjusted(x: Any) -> Any:
    """An era / case-mix adjusted benchmark with its inputs (arms, covariate values, yi, vi
    of the index) and its verdict."""
    if x is None:
        return None
    r = x.result
    # case mix: which characteristic each arm's value is (the plan's fallback is an approximation)
    mix = {"covariate_sources": [{"arm": a, "characteristic": c} for a, c in x.sources],
           "index_covariate_source": x.index_source or None,
           "fallback": x.fallback or None,
           "approximated": list(x.approximated),
           # values an arm of a later data cut takes from the analysis it updates
           "inherited": [{"arm": i.arm, "characteristic": i.characteristic, "from": i.chain[-1],
                          "chain": list(i.chain)} for i in x.inherited],
           "not_inherited": [{"arm": a, "reason": r} for a, r in x.not_inherited],
           } if x.kind == "casemix" else {}
    return {"kind": x.kind, "covariate": x.covariate, "label": x.label, "done": r.done,
            "reason": r.reason or None, "k": r.k, "dropped": list(r.dropped),
            "proxies": list(x.proxies), **mix,
            "inputs": {"arms": list(r.arms), "x": [_num(v[0]) for v in r.x],
                       "yi": [_num(v) for v in r.yi], "weights_pct": [_num(v) for v in
                                                                       r.weights_pct],
                       "index_x": [_num(v) for v in r.index_x],
                       "index_yi": _num(r.index_yi), "index_vi": _num(r.index_vi)},
            "slopes": [_clean(sl) for sl in r.slopes],
            "covariate_range": [[_num(a), _num(b)] for a, b in r.covariate_range],
            "extrapolated": list(r.extrapolated),
            "extrapolated_jointly": r.extrapolated_jointly, "leverage": _num(r.leverage),
            "leverage_max_arms": _num(r.leverage_max),
            "pi_imprecise": list(x.pi_imprecise),
            "predicted": _num(r.predicted), "se": _num(r.se), "ci_lb": _num(r.ci_lb),
            "ci_ub": _num(r.ci_ub), "pi_lb": _num(r.pi_lb), "pi_ub": _num(r.pi_ub),
            "tau2": _num(r.tau2), "R2": _num(r.R2), "QM": _num(r.QM),
            "QM_pval": _num(r.QM_pval),
            "backtransformed": {"predicted": _num(x.predicted_bt),
                                "ci_lb": _num(x.ci_bt[0]), "ci_ub": _num(x.ci_bt[1]),
                                "pi_lb": _num(x.pi_bt[0]), "pi_ub": _num(x.pi_bt[1])},
            "verdict": x.verdict.value, "verdicts_over_range": list(x.verdicts),
            "verdict_plain_same_arms": r.verdict_plain or None,
            "pval_plain": _num(r.pval_plain), "pval_adjusted": _num(r.pval_adjusted),
            "verdict_changed": x.changed}


def results(analysis: ReportAnalysis) -> dict[str, Any]:
    """The whole analysis as a JSON-ready dict."""
    return {"schema_version": SCHEMA_VERSION, "index": {"study": analysis.index_study,
                                                        "arm": analysis.index_arm},
            "alpha": analysis.alpha, "level": analysis.plan.level,
            "estimator": analysis.plan.estimator, "inference": analysis.plan.inference,
            "comparisons": [comparison_record(a) for a in analysis.comparisons],
            "provenance": [{"outcome": d.outcome.id, "study": p.study, "file": p.file,
                            "line": p.line, "field": p.field, "value": p.value,
                            "location": p.location, "derived": p.derived or None}
                           for d in analysis.outcomes for p in d.provenance],
            "survival_benchmarks": [benchmark_record(b) for s in analysis.survival
                                    for b in s.benchmarks]}


CSV_COLUMNS = ["outcome", "group", "measure", "k", "index", "index_ci_lb", "index_ci_ub",
               "benchmark", "ci_lb", "ci_ub", "pi_lb", "pi_ub", "difference",
               "difference_ci_lb", "difference_ci_ub", "pval", "pval_predictive", "tau2", "I2",
               "verdict", "robust", "arms_used", "arms_excluded"]


def csv_text(data: dict[str, Any]) -> str:
    """One CSV row per comparison (back-transformed values; p of the analysis-scale tests)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for r in data["comparisons"]:
        bt = r.get("backtransformed") or {}
        d, p = r.get("difference") or {}, r.get("predictive") or {}
        rb = r.get("robustness") or {}
        w.writerow([r["outcome"], r["group"], r["measure"], r.get("k"), bt.get("index"),
                    bt.get("index_ci_lb"), bt.get("index_ci_ub"), bt.get("estimate"),
                    bt.get("ci_lb"), bt.get("ci_ub"), bt.get("pi_lb"), bt.get("pi_ub"),
                    bt.get("difference"), d.get("ci_lb"), d.get("ci_ub"), d.get("pval"),
                    p.get("pval"), r.get("tau2"), r.get("I2"), r["verdict"],
                    rb.get("robust"),
                    ";".join(f"{x['study']}/{x['arm']}" for x in r["arms_used"]),
                    ";".join(f"{x['study']}/{x['arm']}:{x['rule']}"
                             for x in r["arms_excluded"])])
    return buf.getvalue()


def write_results(analysis: ReportAnalysis, folder: Path) -> tuple[Path, Path]:
    """Write ``results.json`` and ``results.csv`` into ``folder`` atomically."""
    data = results(analysis)
    js, cs = folder / "results.json", folder / "results.csv"
    write_text_atomic(js, json.dumps(data, indent=1, ensure_ascii=False, allow_nan=False) + "\n")
    write_text_atomic(cs, csv_text(data))
    return js, cs
