"""Analyses -> the plain dict the templates render (all text formatted here, escaped later)."""

from __future__ import annotations

from typing import Any

import numpy as np

from extraction import StudyRecord
from extraction import vocabulary as vocab
from meta.comparison import ComparisonResult
from reports import fmt
from reports.analysis.adjusted import UNSETTLED
from reports.analysis.groups import GroupAnalysis
from reports.analysis.verdict import PositionBasis, ReasonCode, Verdict, basis_of
from reports.plan import Outcome, Plan

SCALES = {"PLO": "logit", "PFT": "Freeman–Tukey double arcsine", "PAS": "arcsine square root",
          "PR": "raw proportion", "MED": "log months"}
ESTIMATORS = {"FE": "common effect", "DL": "DerSimonian–Laird", "REML": "restricted maximum "
              "likelihood", "ML": "maximum likelihood", "PM": "Paule–Mandel", "HS":
              "Hunter–Schmidt", "SJ": "Sidik–Jonkman", "EB": "empirical Bayes", "HE": "Hedges"}


def index_text(a: GroupAnalysis, row: Any, provenance: tuple[Any, ...] = ()) -> str:
    """The index study's value as printed in the report; with the outcome's ``provenance``, a
    :class:`reports.tables.cite.Cited` whose numbers read from the study file link to their
    audit entries."""
    from reports.tables.cite import Cited, arm_numbers, by_field, source_ref

    factor, _ = fmt.scale(a.outcome.kind)
    unit = fmt.unit_suffix(a.outcome.kind)
    c = a.comparison
    provs = arm_numbers(provenance, *a.index_ids) if provenance else []

    def ref(*names: str) -> Any:
        p = by_field(provs, *names)
        return source_ref(p) if p is not None else None

    if a.outcome.kind == "median":
        est = float(row["median"])
        lb, ub = c.index_bt[1:] if c else (None, None)
        return Cited((fmt.num(est), ref("median")), f"{unit} {fmt.interval(lb, ub)}".rstrip())
    est, lb, ub = (v * factor for v in c.index_bt) if c else (
        100 * row["events"] / row["total"], None, None)
    return Cited((fmt.num(est), ref("percent")), f"{unit} {fmt.interval(lb, ub)}".rstrip(),
                 " (", (str(int(row["events"])), ref("events", "count")), "/",
                 (str(int(row["total"])), ref("total", "n")), ")")


def _bench_text(c: ComparisonResult, outcome: Outcome, link: Any = None) -> str:
    from reports.tables.cite import Cited

    factor, _ = fmt.scale(outcome.kind)
    est, lb, ub = (v * factor for v in c.benchmark_bt)
    b = c.benchmark
    unit = fmt.unit_suffix(outcome.kind)
    return Cited((fmt.est_ci_unit(est, lb, ub, unit), link),
                 f" ({b.method}, {b.test}; k = {b.k})")


def _diff_text(c: ComparisonResult, outcome: Outcome) -> tuple[str, str]:
    d = c.difference
    scale = SCALES.get(c.measure, c.measure)
    factor, _ = fmt.scale(outcome.kind)
    if d is None:
        analysis = (f"{c.index_yi - c.benchmark.estimate:+.3f} on the {scale} scale; no test "
                    "(the index study's variance is unknown)")
    else:
        stat = "z" if d.df is None else f"t({d.df})"
        analysis = (f"{d.estimate:+.3f} [{d.ci_lb:.3f}, {d.ci_ub:.3f}] on the {scale} scale, "
                    f"{stat} = {d.stat:.2f}, {fmt.pval(d.pval)}")
    if outcome.kind == "median":
        back = f"index − benchmark {c.points_bt:+.1f} months"
    else:
        back = f"index − benchmark {c.points_bt * factor:+.1f} percentage points"
    if c.ratio_bt is not None:
        name = "ratio of medians" if c.measure == "MED" else "odds ratio"
        back += f"; {name} {fmt.est_ci(*c.ratio_bt, digits=2)}"
    return analysis, back


def _position_text(c: ComparisonResult, outcome: Outcome) -> str:
    if c.position == "n/a":
        return "no prediction interval (fewer than 2 benchmark studies)"
    factor, _ = fmt.scale(outcome.kind)
    widened = basis_of(c) is PositionBasis.WIDENED
    lb, ub = (v * factor for v in (c.observed_pi_bt if widened else c.pi_bt))
    what = ("prediction interval widened by the index's sampling variance" if widened else
            "prediction interval (the index's variance is unknown: treated as error-free)")
    return (f"{c.position} the {c.level:g}% {what} {fmt.interval(lb, ub)} "
            f"({fmt.unit(outcome.kind)})")


def position_text(a: GroupAnalysis) -> str:
    """The typed position of ``a`` against the plan's prediction interval, over the index's
    plausible range (never "above" unless it holds at every plausible value)."""
    c = a.comparison
    assert c is not None
    pi = a.prediction
    factor, _ = fmt.scale(a.outcome.kind)
    name = ("Higgins t(k − 2) prediction interval" if pi is not None and pi.method == "higgins"
            else "prediction interval")
    if a.position.value == "n/a":
        return f"no {name} (fewer than {3 if pi and pi.method == 'higgins' else 2} arms)"
    shown = (fmt.interval(pi.lb_bt * factor, pi.ub_bt * factor) if pi is not None
             else fmt.interval(*(v * factor for v in c.pi_bt)))
    flag = (" (imprecise: " + ", ".join(pi.reasons) + ")") if pi is not None and pi.imprecise \
        else ""
    if a.position.value == "unsettled":
        return (f"not the same over the index's plausible range against the {c.level:g}% "
                f"{name} {shown} ({fmt.unit(a.outcome.kind)}){flag}")
    where = " at every plausible value of the index" if _ranged(a) else ""
    basis = ("widened by the index's sampling variance" if a.position_basis is
             PositionBasis.WIDENED or a.index_interval is not None else
             "(the index's variance is unknown: treated as error-free)")
    return (f"{a.position.value} the {c.level:g}% {name} {shown} "
            f"({fmt.unit(a.outcome.kind)}), {basis}{where}{flag}")


def estimator_rows(c: ComparisonResult, outcome: Outcome) -> list[list[str]]:
    """One row per tau² estimator: tau², benchmark [CI], PI, difference p."""
    factor, _ = fmt.scale(outcome.kind)
    from meta.transforms import backtransform

    rows = []
    for b, d in c.by_estimator:
        est, lb, ub, plb, pub = (float(v) * factor for v in backtransform(
            c.measure, np.array([b.estimate, b.ci_lb, b.ci_ub, b.pi_lb, b.pi_ub]),
            ni=c.ni))
        rows.append([b.method, f"{b.tau2:.4f}", fmt.est_ci(est, lb, ub),
                     fmt.interval(plb, pub), f"{d.estimate:+.3f}" if d else "–",
                     fmt.pval(d.pval) if d else "no test"])
    return rows


def group_items(a: GroupAnalysis, index_row: Any, plan: Plan,
                provenance: tuple[Any, ...] = ()) -> list[tuple[str, str]]:
    """Key/value lines of one comparison, in reading order. With the outcome's ``provenance``
    the index's numbers link to their audit entries and the benchmark to its inputs block
    (:mod:`reports.tables.cite`)."""
    from reports.tables.cite import computed_ref

    c = a.comparison
    items: list[tuple[str, str]] = []
    if a.index_yi is not None and index_row is not None:
        items.append(("Index study", index_text(a, index_row, provenance)))
    if c is None:
        items.append(("Comparison", a.reason))
        return items
    link = (computed_ref(a.outcome.id, a.group.id, f"{a.outcome.label}, {a.group.label}")
            if provenance else None)
    items.append(("Benchmark", _bench_text(c, a.outcome, link)))
    analysis, back = _diff_text(c, a.outcome)
    items += [("Difference", analysis), ("Back-transformed", back),
              ("Position", position_text(a))]
    if c.predictive is not None:
        p = c.predictive
        stat = "z" if p.df is None else f"t({p.df})"
        items.append(("Predictive test", f"against a single historical study (tau² included; "
                      f"decides the verdict): {stat} = {p.stat:.2f}, {fmt.pval(p.pval)}"))
    if c.benchmark.k == 1:
        items.append(("Note", "a single benchmark study: no pooling, no heterogeneity"))
    k = a.comparison_knha
    if k is not None:
        factor, _ = fmt.scale(a.outcome.kind)
        est, lb, ub = (v * factor for v in k.benchmark_bt)
        test = (f"; difference {fmt.pval(k.difference.pval)} (t, {k.difference.df} df)"
                if k.difference else "")
        items.append(("Knapp–Hartung", f"benchmark "
                      f"{fmt.est_ci_unit(est, lb, ub, fmt.unit_suffix(a.outcome.kind))}"
                      f"{test}; index {_position_text(k, a.outcome)}"))
    if a.index_note:
        items.append(("Index estimate", a.index_note))
    items += hook_items(a)
    items.append(("Verdict", verdict_text(a)))
    return items


def verdict_text(a: GroupAnalysis) -> str:
    """The typed verdict and its reasons in words."""
    from reports.summary import verdict_words

    words = {
        ReasonCode.DECISION_TEST: lambda r: f"calibrated predictive test {fmt.pval(r.value)} "
        f"at alpha {a.alpha:g}",
        ReasonCode.MONTE_CARLO_ERROR: lambda r: (
            "the p-value is within 2.58 Monte Carlo SEs of alpha ("
            + ", ".join(r.names) + f"; SE {r.value:.3f} at the central value): the "
            f"{a.decision_test.draws} simulated data sets do not settle "
            + ("a direction" if a.verdict is Verdict.INCONCLUSIVE else
               "whether there is a difference")),
        ReasonCode.INDEX_RANGE: lambda r: "over the index's plausible range: "
        + ", ".join(r.names) + f" (largest {fmt.pval(r.value)})",
        ReasonCode.PREDICTIVE_TEST: lambda r: f"the predictive z test ({fmt.pval(r.value)}) "
        "describes only (it exceeds its level when k is small)",
        ReasonCode.INDEX_VARIANCE_UNKNOWN: lambda r: "the index's variance is unknown",
        ReasonCode.INDEX_NOT_REPORTED: lambda r: "the index study does not report the outcome",
        ReasonCode.NO_BENCHMARK: lambda r: "no comparable benchmark arm",
        ReasonCode.SINGLE_STUDY: lambda r: "a single benchmark study (no tau²)",
        ReasonCode.FEW_STUDIES: lambda r: f"k = {r.value:g} < 5: the prediction interval is "
        "imprecise",
        ReasonCode.TAU2_ZERO: lambda r: "tau² = 0: the prediction interval collapses onto the CI",
        ReasonCode.FRAGILE: lambda r: ("fragile under " if a.verdict.decisive else
                                       "the uncalibrated predictive z test disagrees under ")
        + ", ".join(r.names),
        ReasonCode.MEAN_TEST_ONLY: lambda r: f"the average-study test ({fmt.pval(r.value)}) "
        "describes the pooled mean only",
        ReasonCode.POSITION: lambda r: (
            "index position against the prediction interval not the same over its plausible "
            "range" if r.names[0] == "unsettled" else
            f"index {r.names[0]} the prediction interval"
            + (" at every plausible value" if _ranged(a) else "")
            + (" (normal-theory interval; the calibrated test decides)"
               if r.names[0] != "within" and not a.verdict.decisive else "")),
    }
    return verdict_words(a) + " — " + "; ".join(words[r.code](r) for r in a.reasons)


def _ranged(a: GroupAnalysis) -> bool:
    return a.index_interval is not None and a.index_interval.is_range


def _value(a: GroupAnalysis, x: float) -> str:
    factor, _ = fmt.scale(a.outcome.kind)
    return fmt.num(x * factor) + fmt.unit_suffix(a.outcome.kind)


def range_text(a: GroupAnalysis) -> str:
    """The index's plausible range in words ('' when it reports its own CI)."""
    r = a.index_interval
    if r is None or not r.is_range:
        return ""
    factor, _ = fmt.scale(a.outcome.kind)
    parts = [f"{s.label}: {fmt.est_ci(s.value * factor, s.lower * factor, s.upper * factor)}"
             for s in r.scenarios]
    return "; ".join(parts) + f" ({r.method})"


def mc_pval(t: Any) -> str:
    """``p = 0.054`` of one scenario of the calibrated test, marked when it does not settle
    the verdict (within 2.58 Monte Carlo SEs of alpha)."""
    return fmt.pval(t.pval) + ("" if t.mc_settled else ", within Monte Carlo error of alpha")


def decision_text(a: GroupAnalysis) -> str:
    """The calibrated test at each plausible value of the index, with the Monte Carlo SE of
    its p-values (the largest over the range)."""
    d = a.decision_test
    tests = "; ".join(f"{t.label}: {t.verdict} ({mc_pval(t)})" for t in d.tests) \
        if len(d.tests) > 1 else f"{d.tests[0].verdict} ({mc_pval(d.tests[0])})"
    ses = [t.pval_mcse for t in d.tests if t.pval_mcse == t.pval_mcse]
    if ses:
        tests += f"; Monte Carlo SE of p {'≤ ' if len(ses) > 1 else ''}{max(ses):.3f}"
    return (f"{tests}; {d.draws} simulated data sets per tau² grid point, simulated size "
            f"{100 * d.size:.1f}% at the fitted tau² (nominal {100 * a.alpha:g}%)")


def fragility_text(a: GroupAnalysis) -> str:
    """Patient fragility of a decisive verdict."""
    f = a.fragility
    if f.patients is None:
        return (f"no change of up to {f.searched} index patients changes the verdict "
                "(at the central plausible value)")
    return (f"{f.patients} index patient(s): {f.change} would make it {f.verdict_after} "
            f"({fmt.pval(f.pval_after)}; at the central plausible value)")


def _approximation(adj: Any) -> str:
    """Where a case-mix value is the plan's fallback characteristic, for which arms."""
    if not adj.approximated:
        return ""
    fb = vocab.CHARACTERISTICS.get(adj.fallback, adj.fallback)
    arms = [x for x in adj.approximated if x != "index"]
    return (f"; APPROXIMATION: {fb} stands in (the primary characteristic not reported) for "
            f"{len(arms)} of the {len(adj.sources)} arm(s) with a value"
            + (": " + ", ".join(arms) if arms else "")
            + ("; and for the index" if "index" in adj.approximated else ""))


def _inherited_from(x: Any) -> str:
    """``"macrovascular invasion from finn2020 (the analysis cheng2022 updates)"``."""
    from reports.analysis.baseline import inherited_text

    return (f"{vocab.CHARACTERISTICS.get(x.characteristic, x.characteristic)} from "
            f"{inherited_text(x.chain)}")


def _with_value(adj: Any) -> str:
    """A case-mix regression that did not run: the arms with a value, the inherited ones
    counted and marked."""
    if adj.kind != "casemix" or not adj.sources:
        return ""
    inh = {x.arm: x for x in adj.inherited}
    n = sum(arm in inh for arm, _ in adj.sources)
    return ("; arms with a value" + (f" ({n} inherited from an earlier data cut)" if n else "")
            + ": " + ", ".join(arm + (f" [from {inh[arm].chain[-1]}]" if arm in inh else "")
                               for arm, _ in adj.sources)
            + (f"; the index's value: {_inherited_from(inh['index'])}" if "index" in inh
               else ""))


def _inheritance(adj: Any) -> str:
    """Case-mix values an arm of a later data cut takes from the analysis it updates, and the
    arms that could take none (arm ids differ); a regression that did not run lists them in
    :func:`_with_value` instead."""
    out = ""
    arms = [x for x in adj.inherited if x.arm != "index"]
    if adj.inherited and adj.result.done:
        out += ("; INHERITED from an earlier data cut of the same trial: "
                f"{len(arms)} of the {len(adj.sources)} arm(s) with a value: "
                + "; ".join(f"{'the index' if x.arm == 'index' else x.arm}: "
                            f"{_inherited_from(x)}" for x in adj.inherited))
    if adj.not_inherited:
        out += "; NOT INHERITED: " + "; ".join(f"{arm}: {why}" for arm, why in adj.not_inherited)
    return out


def adjusted_text(a: GroupAnalysis, adj: Any) -> str:
    """One adjusted benchmark (era or case mix) in words."""
    from reports.summary import IMPRECISE, VERDICT_WORDS

    r = adj.result
    if not r.done:
        # the regression's reason names the covariate by its id ("ehs"); the row names it
        said = ("have a value" if adj.fallback else
                "have an enrolment period" if adj.kind == "era" else "report it")
        reason = (r.reason.replace(f"arm(s) report {adj.covariate} ", f"arm(s) {said} ")
                  .replace(f"does not report {adj.covariate}",
                           "has no enrolment period" if adj.kind == "era" else
                           "does not report it"))
        return (f"not estimated: {reason}" + _with_value(adj) + _approximation(adj)
                + _inheritance(adj))
    sl = r.slopes[0]
    unit = "per year" if adj.kind == "era" else "per percentage point"
    x0 = r.index_x[0]
    at = f"{x0:.1f}" if adj.kind == "era" else f"{x0:g}%"
    factor, _ = fmt.scale(a.outcome.kind)
    text = (f"meta-regression on k = {r.k} arms: slope {sl.estimate:+.4f} {unit} "
            f"[{sl.ci_lb:+.4f}, {sl.ci_ub:+.4f}] ({fmt.pval(sl.pval)}), "
            + (f"R² {r.R2:.0f}%" if r.R2 is not None else
               "R² not defined (τ² = 0 without the covariate)") + f"; at the "
            f"index's {at}: benchmark "
            f"{fmt.est_ci(adj.predicted_bt * factor, adj.ci_bt[0] * factor, adj.ci_bt[1] * factor)}"
            f", PI {fmt.interval(adj.pi_bt[0] * factor, adj.pi_bt[1] * factor)}"
            + (f"{IMPRECISE} (imprecise: {', '.join(adj.pi_imprecise)})"
               if adj.pi_imprecise else "") + "; verdict "
            f"{VERDICT_WORDS[adj.verdict]}"
            + (f" ({', '.join(adj.verdicts)} over the plausible range)"
               if len(set(adj.verdicts)) > 1 else "")
            + (" (a rejection within Monte Carlo error of alpha: the simulation does not "
               "settle it, no direction is claimed)" if UNSETTLED in adj.verdicts else "")
            + ("; the verdict CHANGES" if adj.changed else "; the verdict is unchanged"))
    if adj.slope_bt_per_decade == adj.slope_bt_per_decade:
        text += f"; ratio of medians per decade {adj.slope_bt_per_decade:.2f}"
    if r.extrapolated:
        text += "; EXTRAPOLATED: the index lies outside the arms' range " + ", ".join(
            f"{lo:.1f}–{hi:.1f}" for lo, hi in r.covariate_range)
    if r.extrapolated_jointly:
        text += (f"; EXTRAPOLATED JOINTLY: the index's leverage {r.leverage:.3g} exceeds the "
                 f"arms' largest {r.leverage_max:.3g} (outside the region the arms span "
                 "together)")
    if r.dropped:
        text += "; arms without the covariate left out: " + ", ".join(r.dropped)
    if adj.proxies:
        text += "; era of " + ", ".join(adj.proxies) + " is a publication-year proxy"
    return text + _approximation(adj) + _inheritance(adj)


def hook_items(a: GroupAnalysis) -> list[tuple[str, str]]:
    """Rows of the index's range, the calibrated test, fragility, era and case mix."""
    out = []
    if (text := range_text(a)):
        out.append(("Index plausible range", text))
    if a.decision_test is not None:
        out.append(("Calibrated predictive test (decides)", decision_text(a)))
    if a.fragility is not None:
        out.append(("Fragility (index patients)", fragility_text(a)))
    if a.prediction is not None and a.prediction.imprecise:
        out.append(("Prediction interval", "imprecise: " + ", ".join(a.prediction.reasons)))
    if a.era_adjusted is not None:
        out.append(("Era-adjusted benchmark", adjusted_text(a, a.era_adjusted)))
    mixes = a.casemix_adjusted or ()
    if mixes and not any(adj.result.done for adj in mixes):  # one row says why, per moderator
        out.append(("Case-mix-adjusted benchmark", "not estimated: " + "; ".join(
            f"{adj.label}: " + adjusted_text(a, adj).removeprefix("not estimated: ")
            for adj in mixes)))
        return out
    for adj in mixes:
        out.append((f"Case-mix-adjusted: {adj.label}", adjusted_text(a, adj)))
    return out


def summary_line(a: GroupAnalysis) -> str | None:
    """One sentence for the results in words, or None when there is no comparison."""
    c = a.comparison
    if c is None:
        return None
    factor, _ = fmt.scale(a.outcome.kind)
    unit = fmt.unit_suffix(a.outcome.kind)
    idx = fmt.num(c.index_bt[0] * factor)
    bench = fmt.est_ci_unit(*(v * factor for v in c.benchmark_bt), unit)
    text = (f"{a.outcome.label} vs {a.group.label} (k = {c.benchmark.k}): index {idx}{unit}, "
            f"benchmark {bench}")
    points = "months" if a.outcome.kind == "median" else "points"
    if c.difference is not None:
        text += f"; difference {c.points_bt * factor:+.1f} {points}"
        if a.decision_test is not None:
            d = a.decision_test
            lo, hi = d.pval_range
            text += (f"; {fmt.pval(d.pval)} against a single historical study (calibrated "
                     "predictive test; decides)"
                     + (f", p from {fmt.pval(lo).removeprefix('p = ')} to "
                        f"{fmt.pval(hi).removeprefix('p = ')} over the index's plausible "
                        "range" if len(d.tests) > 1 else ""))
        text += (f"; {fmt.pval(c.difference.pval)} against the average study (describes the "
                 "pooled mean)")
    else:
        text += "; no test (index variance unknown)"
    if a.position.value == "unsettled":
        text += "; the index's position against the prediction interval changes over its range"
    elif a.position.value != "n/a":
        text += (f"; index {a.position.value} the prediction interval"
                 + (" at every plausible value" if _ranged(a) else ""))
    return text + robustness_text(a) + "."


def robustness_text(a: GroupAnalysis, test: str = "predictive") -> str:
    """Whether the ``test``'s verdict (``predictive``, the deciding test, or ``mean``) at the
    plan's alpha survives Knapp–Hartung and every tau² estimator (from the typed
    :class:`reports.analysis.verdict.Robustness`).

    A difference significant under one estimator but not another is fragile and the summary
    must say so (the estimator table alone is pages away from the claim).
    """
    r = a.robustness if test == "predictive" else a.mean_robustness
    if r is None:
        return ""
    moved = (f"; Knapp–Hartung places the index {r.knha_position.value} its prediction interval"
             if r.knha_position is not None else "")
    if r.significant is None or not r.runs:
        return moved
    if r.robust:
        kh = any(run.name == "Knapp–Hartung" for run in r.runs)
        n = len(r.runs) - kh
        checked = (["Knapp–Hartung"] if kh else []) + (
            [f"all {n} tau² estimators" if n > 1 else "the tau² estimator " + r.runs[0].name]
            if n else [])
        return "; the verdict holds with " + " and ".join(checked) + moved
    return "; fragile: " + ", ".join(f"{run.name} {fmt.pval(run.pval)}"
                                     for run in r.flips) + moved


def caveats(index: StudyRecord, plan: Plan, analyses: list[GroupAnalysis]) -> list[str]:
    """The caveats a reviewer would raise, from what the study files say."""
    s = index.study
    out = ["Historical comparison: the index cohort and the benchmark arms were not randomised "
           "against each other; differences mix treatment effect, patient selection, era, "
           "follow-up and assessment."]
    design = vocab.DESIGNS.get(s.design, s.design)
    centres = {"single": "single-institution ", "multi": "multi-centre "}.get(
        s.setting.centres, "")
    out.append(f"Selection: the index study is a {centres}{design}; patients chosen for "
               "radiotherapy plus immunotherapy may differ from trial populations in ways "
               "not recorded here.")
    crit = {b.criteria for b in s.outcomes.binary if b.endpoint in ("orr", "dcr")}
    if crit <= {"not_reported", None}:
        out.append("Response criteria: the index study does not report which criteria "
                   "(RECIST 1.1, mRECIST...) its response rate uses; benchmark arms may use "
                   "others, so response rates are not strictly comparable.")
    if s.setting.line in ("not_reported", "mixed"):
        out.append(f"Line of therapy: the index study's line of therapy is "
                   f"{s.setting.line.replace('_', ' ')}; first-line trial arms are not the same "
                   "population as a mixed or later-line cohort.")
    locations = {e.source.location for e in [*s.outcomes.binary, *s.outcomes.time_to_event,
                                             *s.outcomes.adverse_events]}
    if locations <= {"abstract"}:
        out.append("Abstract-only data: every index number comes from the published abstract; "
                   "confidence intervals, event counts and denominators are missing or derived "
                   "(see the audit appendix).")
    untested = sorted({a.outcome.label for a in analyses
                       if a.comparison is not None and a.comparison.difference is None})
    if untested:
        out.append("No test possible for " + ", ".join(untested) + ": the index study gives no "
                   "confidence interval or event count, so only the position against the "
                   "benchmark's prediction interval is shown.")
    mixes = [x for a in analyses for x in (a.casemix_adjusted or ())]
    for label, fb in sorted({(x.label, x.fallback) for x in mixes if x.approximated}):
        ran = sum(x.result.done for x in mixes if x.label == label)
        out.append(f"Case-mix approximation: the moderator “{label}” takes, for an arm that "
                   f"does not report the primary characteristic, its "
                   f"{vocab.CHARACTERISTICS.get(fb, fb)}, a broader category; a benchmark "
                   "adjusted with it is approximate, and each regression lists which arms "
                   "contribute the fallback. "
                   + (f"It could be estimated in {ran} comparison(s)." if ran else
                      "With this library it could be estimated in no comparison (too few "
                      f"arms with either value; at least {plan.min_studies_metareg} needed)."))
    inherited = sorted({(i.chain[0], i.chain[-1]) for x in mixes for i in x.inherited})
    if inherited:
        out.append("Case-mix values from an earlier data cut: a later analysis of a trial "
                   "takes a baseline characteristic it does not report from the same arm (by "
                   "id) of the analysis it updates (the same randomised population): "
                   + ", ".join(f"{new} from {old}" for new, old in inherited) + ".")
    small = sorted({a.group.label for a in analyses
                    if a.comparison is not None and a.comparison.benchmark.k < 5})
    if small:
        out.append("Few benchmark studies (k < 5) in: " + "; ".join(small) + ". Heterogeneity "
                   "and prediction intervals are imprecise.")
    return out


def decision_methods(plan: Plan, analyses: list[GroupAnalysis] | tuple[()] = ()) -> str:
    """The methods paragraph of the deciding test, its simulated size, the index's range, the
    fragility and the era / case-mix regressions."""
    from meta.decision import METHOD_NAME

    alpha = 1 - plan.level / 100
    sizes = [a.decision_test.size for a in analyses if a.decision_test is not None
             and a.decision_test.size == a.decision_test.size]
    mcse = 100 * (alpha * (1 - alpha) / plan.decision_draws) ** 0.5
    size = (f" Its simulated size under exchangeability at each comparison's fitted τ² "
            f"(fresh draws) was {100 * min(sizes):.1f}–{100 * max(sizes):.1f}% (nominal "
            f"{100 * alpha:g}%; Monte Carlo SE {mcse:.1f} points)." if sizes else "")
    ranges = sorted({a.index_interval.method for a in analyses
                     if a.index_interval is not None and a.index_interval.is_range})
    return (f"Deciding test: {METHOD_NAME} (T = (y₀ − μ̂)/√(s²(v₀ + τ̂² + 1/Σw)), Hartung & "
            "Knapp 2001 scale on the predictive variance of Higgins, Thompson & Spiegelhalter "
            "2009; p-value maximised over a τ² grid from 0 to 64 × the median arm variance, "
            f"Dufour 2006), {plan.decision_draws} simulated data sets per grid point, REML."
            + size + " A verdict of more or less favourable needs the test to reject, in the "
            "same direction, at every plausible value of the index; otherwise it is "
            "inconclusive over the plausible range. A p-value within 2.58 Monte Carlo SEs "
            "(√(p(1 − p)/draws)) of alpha settles nothing: a difference is then inconclusive, "
            "a 'no difference' says so. The index's plausible range where it "
            "gives no CI: " + ("; ".join(ranges) if ranges else "not needed") + ". Prediction "
            "intervals: " + ("Higgins et al. 2009 (t, k − 2 df)" if plan.prediction == "higgins"
                             else "metafor's (normal)") + ", flagged imprecise (*) with fewer "
            "than 5 arms or τ² = 0. Fragility: the smallest number of index patients whose "
            "outcome would have to differ for a decisive verdict to change (Walsh 2014; Bomze "
            "2020), at the central plausible value. Era and case mix: mixed-effects "
            "meta-regression (REML) on the enrolment mid-point (study files' enrolment "
            "periods; " + ("studies without one are left out and listed" if plan.era_missing
                           == "exclude" else f"missing periods replaced by the publication "
                           f"year minus {plan.era_lag_years:g} years, labelled as a proxy")
            + ") and on each case-mix moderator, where at least "
            f"{plan.min_studies_metareg} arms report it; the benchmark predicted at the "
            "index's value with CI and PI (* as above), R² (undefined if τ² = 0 without the "
            "covariate), extrapolation flagged per covariate and jointly (leverage; "
            "Montgomery, Peck & Vining 2012), and the calibrated "
            "moderated test's verdict (Gastrointest Tumors 9(1):19 found sorafenib-arm OS "
            "improved by 4.5 months over 2005–2019).")


def methods(plan: Plan, versions: list[tuple[str, str]],
            analyses: list[GroupAnalysis] | tuple[()] = ()) -> list[str]:
    """Methods paragraphs generated from the plan and the software versions."""
    measures = sorted({(o.measure, SCALES.get(o.measure, o.measure)) for o in plan.outcomes})
    soft = ", ".join(f"{n} {v}" for n, v in versions)
    groups = "; ".join(f"{g.label}: classes {', '.join(g.treatment_classes)}"
                       + (f", lines {', '.join(g.lines)}" if g.lines else "")
                       + (f", phases {', '.join(g.phases)}" if g.phases else "")
                       + (f", phase ≥ {g.min_phase}" if g.min_phase else "")
                       + (f", designs {', '.join(g.designs)}" if g.designs else "")
                       + (f", disease settings {', '.join(g.diseases)}" if g.diseases else "")
                       + (f", excluding {', '.join(g.exclude_diseases)}"
                          if g.exclude_diseases else "")
                       for g in plan.groups)
    alpha = 1 - plan.level / 100
    return [
        f"Index study: {plan.index.study} (arm {plan.index.arm or 'first'}). Comparator groups "
        f"are sets of comparability rules over the study files (treatment class and, where "
        f"given, line, phase, design and disease setting; a phase 2/3 trial counts as phase 3 "
        f"unless a group says otherwise): {groups}. Each outcome adds the rules of its "
        "definition: AE attribution as the index study's (an unstated attribution counts as "
        "all-cause) and grade band, response criteria, denominator kind and response unit "
        "(per-patient rates only unless the plan says otherwise). Arms that fail a rule are "
        "listed under each comparison with the rule. Overlapping cohorts (studies linked as "
        "overlapping cohort or same institution) contribute one arm per cluster, the one with "
        "the most patients. An analysis superseded by a later one (analysis.updates) "
        "is used only for outcomes that the later one does not report for the same arm"
        + ("; numbers whose source is not verified are excluded."
           if not plan.include_unverified else "."),
        "Effect sizes: " + "; ".join(f"{m} ({s})" for m, s in measures) + ". Proportions use a "
        "continuity correction of 1/2 for 0 or all events (metafor's default); log medians take "
        "their standard error from the reported CI, or approximately from the number of events "
        "(exponential model). Landmark survival is pooled as a proportion of the arm's patients "
        "(approximate: censoring before the landmark is ignored).",
        f"Pooling: random effects, tau² by {ESTIMATORS[plan.estimator]} ({plan.estimator}), "
        f"{'Wald (z)' if plan.inference == 'z' else 'Knapp–Hartung (t)'} inference, "
        f"{plan.level:g}% confidence and prediction intervals (metafor's definitions), "
        "back-transformed for display.",
        "Comparison: the index estimate minus the pooled benchmark on the analysis scale, "
        "tested with z = (y₀ − μ̂)/√(v₀ + SE(μ̂)²) (t with k − 1 df under Knapp–Hartung): this "
        "asks whether the index differs from the average historical study and ignores the "
        "between-study variance; the predictive test z = (y₀ − μ̂)/√(v₀ + SE(μ̂)² + τ²) asks "
        "whether it is unusual for a single historical study (Higgins, Thompson & "
        f"Spiegelhalter 2009). Neither decides (alpha = {alpha:g}): both reject above their "
        "nominal level when the index is exchangeable with the historical arms, so they "
        "describe; the calibrated test below decides. "
        "Position: whether the index estimate lies inside the benchmark's "
        "prediction interval widened by the index's own sampling variance (an observed "
        "estimate is compared), or inside the plain prediction interval when that variance is "
        "unknown (the index then treated as error-free).",
        decision_methods(plan, analyses),
        "Sensitivity: the tau² estimators " + ", ".join(plan.sensitivity.estimators)
        + ("; Knapp–Hartung inference" if "knha" in plan.sensitivity.inference else "")
        + ("; leave-one-out" if plan.sensitivity.leave_one_out else "")
        + ("; pooling every arm of overlapping cohorts (the main analysis keeps one per "
           "cluster)" if plan.sensitivity.exclude_overlapping else "") + ".",
        f"Software: {soft}.",
    ]
