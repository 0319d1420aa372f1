"""Page 1: one table row per outcome × comparator group, decisive rows first, then at most five
sentences, all written from the typed :class:`reports.analysis.ReportAnalysis` (issue 11)."""

from __future__ import annotations

from typing import Any

from reports import fmt
from reports.analysis import ReportAnalysis
from reports.analysis.groups import GroupAnalysis
from reports.analysis.verdict import Position, ReasonCode, Verdict

VERDICT_WORDS = {
    Verdict.MORE_FAVOURABLE: "more favourable than a historical study",
    Verdict.LESS_FAVOURABLE: "less favourable than a historical study",
    Verdict.NOT_DIFFERENT: "no difference shown",
    Verdict.INCONCLUSIVE: "inconclusive over the plausible range",
    Verdict.NO_TEST: "no test (index variance unknown)",
    Verdict.NOT_COMPARED: "not compared",
}
"""The verdict in words (page 1 and results.csv readers)."""

HEADER = ["Outcome: comparator group", "k", "Index (plausible range)", "Benchmark [CI]", "PI",
          "Difference", "p (calibrated)", "Robust?", "Verdict"]

NOTE = ("Index and benchmark back-transformed (% or months); index range: its CI over the "
        "plausible range where it reports none (a median from n, follow-up and plausible event "
        "counts; a rate at each plausible denominator). CI and PI at the plan's level (PI*: "
        "imprecise, fewer than 5 arms or τ² = 0). p: the calibrated predictive test (index "
        "against a single historical arm; size held under exchangeability), over the index's "
        "plausible range; it decides the verdict, which needs a rejection at every plausible "
        "value (†: within 2.58 Monte Carlo SEs of alpha, which the simulation does not "
        "settle). Robust?: whether the predictive z test under every τ² estimator of the plan "
        "and Knapp–Hartung (KH) agrees with the verdict (those that do not are named).")
"""The note under the page-1 table."""

MC_UNSETTLED = "†"
"""Marks a calibrated p-value within 2.58 Monte Carlo SEs of alpha (the simulation does not
settle the verdict)."""

IMPRECISE = "*"
"""Marks a prediction interval from fewer than 5 studies or with τ² = 0 (issue 11)."""

_ORDER = {Verdict.MORE_FAVOURABLE: 0, Verdict.LESS_FAVOURABLE: 0, Verdict.INCONCLUSIVE: 1,
          Verdict.NOT_DIFFERENT: 1, Verdict.NO_TEST: 2, Verdict.NOT_COMPARED: 3}


def verdict_words(a: GroupAnalysis) -> str:
    """The verdict of ``a`` in words; a comparison without a test says where the index lies."""
    words = VERDICT_WORDS[a.verdict]
    if a.verdict is Verdict.INCONCLUSIVE and a.decision_test is not None \
            and a.decision_test.unanimous is not None:
        words = "inconclusive (p within Monte Carlo error of alpha)"
    if a.verdict is Verdict.NO_TEST and any(r.code is ReasonCode.SINGLE_STUDY
                                            for r in a.reasons):
        words = "no test (a single benchmark arm)"
    if a.verdict is Verdict.NO_TEST and a.position is not Position.NONE:
        words += f"; {a.position.value} the PI"
    return words


def imprecise(a: GroupAnalysis) -> bool:
    """Whether the prediction interval is imprecise: k < 5, or τ² = 0 (it collapses onto the
    CI), from the verdict's typed reasons."""
    if a.prediction is not None:
        return bool(a.prediction.imprecise)
    return any(r.code in (ReasonCode.FEW_STUDIES, ReasonCode.TAU2_ZERO) for r in a.reasons)


KNHA = "Knapp–Hartung"


def robust_cell(a: GroupAnalysis) -> str:
    """The page-1 "Robust?" cell: ``yes``, or ``no`` with the runs that disagree, all of the
    plan's τ² estimators named at once ("all 9 τ²") so that the cell stays short."""
    r = a.robustness
    if r is None or r.robust is None:
        return "–"
    if r.robust:
        return "yes"
    estimators = [run.name for run in r.runs if run.name != KNHA]
    flipped = [run.name for run in r.flips]
    names = [n for n in flipped if n != KNHA]
    if len(estimators) > 2 and names == estimators:
        names = [f"all {len(estimators)} τ²"]
    if KNHA in flipped:
        names.append("KH")
    return "no (" + ", ".join(names) + ")"


def row(a: GroupAnalysis) -> list[str]:
    """One table row of a comparison that has a benchmark."""
    c = a.comparison
    assert c is not None
    factor, _ = fmt.scale(a.outcome.kind)
    unit = fmt.unit_suffix(a.outcome.kind)
    k = c.benchmark.k
    diff = f"{c.points_bt * factor:+.1f}" + (" mo" if a.outcome.kind == "median" else " pts")
    if c.ratio_bt is not None and c.difference is not None:
        name = "ratio" if c.measure == "MED" else "OR"
        diff += f" ({name} {fmt.est_ci(*c.ratio_bt, digits=2)})"
    d = a.decision_test
    idx = fmt.num(c.index_bt[0] * factor) + ("%" if unit == "%" else " mo")
    r = a.index_interval
    if r is not None and r.is_range:
        lo, hi = r.envelope
        idx += f" ({fmt.interval(lo * factor, hi * factor)})"

    def short(p: float) -> str:
        return fmt.pval(p).removeprefix("p = ").replace("p < ", "<")

    if d is None:
        p_text = "–"
    elif len(d.tests) > 1 and short(d.pval_range[0]) != short(d.pval_range[1]):
        p_text = short(d.pval_range[0]) + "–" + short(d.pval_range[1])
    else:
        p_text = short(d.pval)
    if d is not None and d.mc_unsettled:
        p_text += MC_UNSETTLED
    pi = a.prediction
    pi_text = (fmt.interval(pi.lb_bt * factor, pi.ub_bt * factor) if pi is not None
               and pi.lb_bt == pi.lb_bt else fmt.interval(*(v * factor for v in c.pi_bt))
               if pi is None else "–")
    return [f"{a.outcome.label}: {a.group.label}", str(k), idx,
            fmt.est_ci(*(v * factor for v in c.benchmark_bt)),
            (pi_text + (IMPRECISE if imprecise(a) else "")) if k > 1 else "–",
            diff, p_text,
            robust_cell(a),
            verdict_words(a)]


def table(result: ReportAnalysis) -> list[list[str]]:
    """Rows of the page-1 table: comparisons with a benchmark, decisive rows first."""
    done = [a for a in result.comparisons if a.comparison is not None]
    done.sort(key=lambda a: _ORDER[a.verdict])  # stable: plan order within a verdict
    return [row(a) for a in done]


def not_reported(result: ReportAnalysis) -> str:
    """One line naming the plan's outcomes the index study does not report ('' if none)."""
    missing = [d.outcome.label for d in result.outcomes
               if d.frame.empty or not d.frame["is_index"].any()]
    return ("Not reported by the index study (no comparison, no forest plot): "
            + "; ".join(missing) + ".") if missing else ""


def sentences(result: ReportAnalysis, overlap_reading: str = "") -> list[str]:
    """At most five sentences under the table."""
    alpha = result.alpha
    cs = [a for a in result.comparisons if a.comparison is not None]
    n = {v: sum(a.verdict is v for a in cs) for v in Verdict}
    tested = (n[Verdict.MORE_FAVOURABLE] + n[Verdict.LESS_FAVOURABLE]
              + n[Verdict.NOT_DIFFERENT] + n[Verdict.INCONCLUSIVE])
    out = [f"{len(cs)} comparison(s) with a benchmark; {tested} tested by the calibrated "
           f"predictive test (index against a single historical study; size held at "
           f"{alpha:g}) at every plausible value of the index: "
           f"{n[Verdict.MORE_FAVOURABLE]} more favourable, {n[Verdict.LESS_FAVOURABLE]} less "
           f"favourable, {n[Verdict.NOT_DIFFERENT]} without a difference, "
           f"{n[Verdict.INCONCLUSIVE]} inconclusive over the plausible range"
           + (" or within Monte Carlo error of alpha" if any(
               a.verdict is Verdict.INCONCLUSIVE and a.decision_test is not None
               and a.decision_test.mc_unsettled for a in cs) else "") + "; "
           f"{n[Verdict.NO_TEST]} without a test (a single benchmark arm, or no variance and "
           "no plausible range for the index)."]
    assumed = [a for a in cs if a.index_interval is not None
               and a.index_interval.kind.value == "denominator"]
    if assumed:
        out.append(f"The index's {assumed[0].outcome.label.lower()} rests on an assumed "
                   "denominator (the abstract gives only the percent): it is tested at every "
                   "plausible denominator ("
                   + ", ".join(s.label for s in assumed[0].index_interval.scenarios) + ").")
    fragile = [a for a in cs if a.robustness is not None and a.robustness.robust is False]
    if fragile:
        out.append("Fragile (another τ² estimator or Knapp–Hartung changes the verdict): "
                   + "; ".join(f"{a.outcome.label} vs {a.group.label}" for a in fragile) + ".")
    if overlap_reading:
        out.append(overlap_reading)
    out.append("The test against the average historical study (τ² ignored) describes the "
               "pooled mean only and decides no verdict.")
    out.append("A historical comparison shows where the index study's reported numbers sit "
               "among comparable published arms; it cannot show that the index treatment is "
               "better.")
    return out[:5]


def context(result: ReportAnalysis, overlap_reading: str = "") -> dict[str, Any]:
    """The page-1 block for the templates."""
    return {"header": HEADER, "rows": table(result), "not_reported": not_reported(result),
            "note": NOTE,
            "sentences": sentences(result, overlap_reading)}
