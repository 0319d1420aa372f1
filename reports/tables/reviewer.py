"""The tables a reviewer of a comparison with historical controls expects (issue 12), generated
from the study files, the plan and the typed analysis:

* :func:`characteristics` — one row per study: design and phase, setting, line, arms and N,
  response criteria, enrolment period, follow-up, the design tier (:data:`TIERS`) with flags,
  and whether the extraction was checked by a second person;
* :func:`findings` — summary of findings with a GRADE-style certainty per outcome × group;
* :func:`flow` — from the library to the pooled arms, with the count excluded at each step and
  the rules that excluded them.

Design tier (a stated design hierarchy for arms used as single-arm historical benchmarks,
adapted from the Oxford Centre for Evidence-Based Medicine 2011 Levels of Evidence: Howick J,
Chalmers I, Glasziou P, Greenhalgh T, Heneghan C, Liberati A, Moschetti I, Phillips B,
Thornton H, "The 2011 Oxford CEBM Levels of Evidence: Introductory Document", Oxford Centre
for Evidence-Based Medicine, 2011; explained at https://www.cebm.ox.ac.uk/resources/
levels-of-evidence/explanation-of-the-2011-ocebm-levels-of-evidence; the tier
numbers are this report's, not OCEBM's levels, whose treatment-benefit rows put a randomised
trial at level 2, a non-randomised controlled cohort at 3 and historically controlled studies
at 4): 1, an arm of a randomised controlled trial (prospective, protocol-defined eligibility,
assessment and follow-up); 2, a prospective non-randomised or single-arm trial; 3, a
prospective observational cohort; 4, a retrospective cohort or real-world series (selection
and assessment not protocolised). Flags that do not change the tier: single centre, abstract
only (every number used comes from an abstract), single extraction (no
``curation.checked_by``).

Certainty (GRADE: Guyatt GH, Oxman AD, Vist GE, Kunz R, Falck-Ytter Y, Alonso-Coello P,
Schünemann HJ, "GRADE: an emerging consensus on rating quality of evidence and strength of
recommendations", BMJ 2008;336(7650):924–926, doi:10.1136/bmj.39489.470347.AD; observational
evidence starts at low: Balshem H, Helfand M, Schünemann HJ et al., "GRADE guidelines: 3.
Rating the quality of evidence", J Clin Epidemiol 2011;64(4):401–406,
doi:10.1016/j.jclinepi.2010.07.015): a comparison of an index study with historical arms is
non-randomised, so it starts at *low*; each domain judged serious lowers it one level (to *very
low*, the floor). Domains, from the typed analysis:

* risk of bias — the index study is of tier 3–4, or more than half of the pooled arms are;
* inconsistency — I² ≥ 50% (Cochrane Handbook for Systematic Reviews of Interventions,
  version 5.0.1: "50% to 90%: may represent substantial heterogeneity", ranges as tabulated in
  BMC Med Res Methodol 2008;8:79, Table 3; the section number of the current edition was not
  checked);
* indirectness — the index study's line of therapy, or for response outcomes its response
  criteria, is not reported, so comparability with the group cannot be checked;
* imprecision — the verdict's reasons: a single benchmark study, fewer than 5 (imprecise
  prediction interval), τ² = 0, or the index's variance is unknown (no test).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from extraction import StudyRecord
from extraction import vocabulary as vocab
from reports.analysis import GroupAnalysis, ReportAnalysis
from reports.analysis.data import study_label
from reports.analysis.rules import group_failures
from reports.analysis.verdict import ReasonCode

TIERS = {"rct": 1, "nonrandomized_trial": 2, "single_arm_trial": 2, "prospective_cohort": 3,
         "retrospective_cohort": 4}
"""Design tier of each study design (see the module docstring)."""

TIER_WORDS = {1: "1", 2: "2", 3: "3", 4: "4"}

DESIGN_WORDS = {"rct": "RCT", "nonrandomized_trial": "non-randomised trial",
                "single_arm_trial": "single-arm trial", "prospective_cohort": "prospective "
                "cohort", "retrospective_cohort": "retrospective cohort"}
NR = "NR"
"""Printed for a characteristic the study file does not report."""

# Citations checked (2026-12-02) against the OCEBM pages (cebm.ox.ac.uk; the 2011 table as
# reprinted in BJSM) and reference lists giving the GRADE papers' volume, pages and doi; see the
# module docstring for the full references.
SCHEME = ("Design tier, this report's hierarchy adapted from the OCEBM 2011 Levels of Evidence "
          "(Howick et al., Oxford Centre for Evidence-Based Medicine; its tiers are not OCEBM's "
          "level numbers): 1 arm of a randomised trial; "
          "2 prospective non-randomised or single-arm trial; 3 prospective observational "
          "cohort; 4 retrospective cohort or real-world series. Flags do not change the tier. "
          "“Single”: single extraction, no second person checked the file "
          "(curation.checked_by); “double”: a second person checked it (who: the study file's "
          "curation.checked_by). NR: not reported.")

GRADE_NOTE = ("Certainty (GRADE, Guyatt et al. BMJ 2008;336:924–6; non-randomised evidence "
              "starts at low, Balshem et al. J Clin Epidemiol 2011;64:401–6): a comparison with "
              "historical arms is non-randomised and starts at low; each serious domain lowers "
              "it one level (very low is the floor). Risk of bias: index, or most pooled arms, "
              "of design tier 3–4. Inconsistency: I² ≥ 50%. Indirectness: the index's line of "
              "therapy (or, for response, its criteria) not reported. Imprecision: k < 5, a "
              "single study, τ² = 0, or the index's variance unknown.")

GROUP_RULES = {"line", "design", "phase", "min_phase", "disease", "exclude_disease", "arm_label"}
OUTCOME_RULES = {"criteria", "response_unit", "denominator", "grade", "attribution"}


def tier(record: StudyRecord) -> int:
    """The design tier of a study file (1 best, 4 worst)."""
    return TIERS.get(record.study.design, 4)


def single_extraction(record: StudyRecord) -> bool:
    """Whether nobody checked the extraction (``curation.checked_by`` empty)."""
    return not record.study.curation.checked_by


def _abstract_only(record: StudyRecord) -> bool:
    s = record.study.outcomes
    entries = [*s.binary, *s.time_to_event, *s.adverse_events]
    return bool(entries) and all(e.source.location == "abstract" for e in entries)


def _criteria(record: StudyRecord) -> str:
    found = sorted({b.criteria for b in record.study.outcomes.binary
                    if b.endpoint in ("orr", "dcr") and b.criteria not in (None, "not_reported")})
    names = {"recist_1.1": "RECIST 1.1", "recist": "RECIST (version NR)", "mrecist": "mRECIST",
             "irecist": "iRECIST", "easl": "EASL"}
    return ", ".join(names.get(c, c.replace("_", " ")) for c in found) or NR


def _followup(record: StudyRecord) -> str:
    out = []
    for f in record.study.followup:
        months = f.median if f.unit == "months" else None
        if months is None:
            from extraction.schema_entries import to_months

            months = to_months(f.median, f.unit)
        out.append(f"{months:.1f} mo" + (f" ({f.arm})" if f.arm else ""))
    return "; ".join(out) or NR


def _enrolment(record: StudyRecord) -> str:
    e = record.study.enrolment
    if e is None or (e.start is None and e.end is None):
        return NR
    return f"{e.start or '?'} to {e.end or '?'}"


def characteristics(records: list[StudyRecord], index_id: str,
                    used: dict[str, list[str]]) -> list[dict[str, str]]:
    """One row per study file (index first): what a reviewer's characteristics table shows,
    with the design tier and its flags (:data:`SCHEME`)."""
    rows = []
    for rec in sorted(records, key=lambda r: (r.id != index_id, tier(r), r.id)):
        s = rec.study
        design = DESIGN_WORDS.get(s.design, vocab.DESIGNS.get(s.design, s.design))
        if s.phase:
            design += f", phase {s.phase}"
        setting = ", ".join(x for x in (
            {"single": "single centre", "multi": "multi-centre"}.get(s.setting.centres, ""),
            s.setting.region or "") if x) or NR
        flags = [f for f, on in (("single centre", s.setting.centres == "single"),
                                 ("abstract only", _abstract_only(rec))) if on]
        label = study_label(rec) + (" [index]" if rec.id == index_id else "")
        rows.append({
            "id": rec.id, "label": label, "file": rec.shown, "design": design,
            "setting": setting, "line": s.setting.line.replace("_", " "),
            "arms": "; ".join(f"{a.label} ({a.treatment_class}, {a.n})" for a in s.arms),
            "criteria": _criteria(rec), "enrolment": _enrolment(rec),
            "followup": _followup(rec),
            "tier": TIER_WORDS[tier(rec)] + (f"; {', '.join(flags)}" if flags else ""),
            "extraction": "single" if single_extraction(rec)
            else "double",
            "used": ", ".join(used.get(rec.id, [])) or "none"})
    return rows


def _domains(a: GroupAnalysis, records: dict[str, StudyRecord]) -> list[tuple[str, str]]:
    """``(judgement, reason)`` per GRADE domain: risk of bias, inconsistency, indirectness,
    imprecision."""
    c = a.comparison
    assert c is not None
    index = records[a.index_ids[0]]
    arms = [records[s] for s, _ in a.used_ids if s in records]
    weak = sum(tier(r) >= 3 for r in arms)
    rob = []
    if tier(index) >= 3:
        rob.append(f"index design tier {tier(index)}")
    if arms and weak > len(arms) / 2:
        rob.append(f"{weak} of {len(arms)} pooled arms tier 3–4")
    i2 = c.benchmark.I2
    if c.benchmark.k < 3:
        inc = ("not assessable", f"k = {c.benchmark.k}")
    elif i2 >= 50:
        inc = ("serious", f"I² = {i2:.0f}%")
    else:
        inc = ("not serious", f"I² = {i2:.0f}%")
    ind = []
    if index.study.setting.line in ("not_reported", "mixed"):
        ind.append(f"index line {index.study.setting.line.replace('_', ' ')}")
    if a.outcome.kind == "proportion" and a.outcome.endpoint in ("orr", "dcr") and \
            _criteria(index) == NR:
        ind.append("index response criteria not reported")
    words = {ReasonCode.SINGLE_STUDY: "a single benchmark study",
             ReasonCode.FEW_STUDIES: f"k = {c.benchmark.k} < 5",
             ReasonCode.TAU2_ZERO: "τ² = 0",
             ReasonCode.INDEX_VARIANCE_UNKNOWN: "index variance unknown (no test)"}
    imp = [words[r.code] for r in a.reasons if r.code in words]
    return [("serious" if rob else "not serious", "; ".join(rob) or "index and most arms "
             "tier 1–2"), inc,
            ("serious" if ind else "not serious", "; ".join(ind) or "line and criteria "
             "reported"),
            ("serious" if imp else "not serious", "; ".join(dict.fromkeys(imp)) or
             f"k = {c.benchmark.k}, test possible")]


CERTAINTY = ("low", "very low")


def findings(result: ReportAnalysis, records: list[StudyRecord]) -> list[list[str]]:
    """Summary-of-findings rows: outcome: group, k, the four domains (judgement: reason) and the
    certainty, for each comparison with a benchmark."""
    by_id = {r.id: r for r in records}
    rows = []
    for a in result.comparisons:
        if a.comparison is None:
            continue
        domains = _domains(a, by_id)
        serious = sum(j == "serious" for j, _ in domains)
        rows.append([f"{a.outcome.label}: {a.group.label}", str(a.comparison.benchmark.k),
                     *(f"{j}: {why}" for j, why in domains),
                     CERTAINTY[min(serious, 1)] + (f" ({serious} serious)" if serious else "")])
    return rows


FINDINGS_HEADER = ["Outcome: comparator group", "k", "Risk of bias", "Inconsistency",
                   "Indirectness", "Imprecision", "Certainty"]


def _rules(counter: Counter[str]) -> str:
    n = sum(counter.values())
    if not n:
        return "0"
    return f"{n} (" + ", ".join(f"{rule.replace('_', ' ')} {k}" for rule, k in
                                sorted(counter.items())) + ")"


def _arm_label(record: StudyRecord, arm: Any) -> str:
    base = study_label(record)
    return f"{base}: {arm.label}" if len(record.study.arms) > 1 else base


def flow(result: ReportAnalysis, records: list[StudyRecord]) -> dict[str, Any]:
    """From the library to the pooled arms, per outcome × group: arms of the group's treatment
    classes, excluded by the group's rules, eligible, not reporting the outcome, excluded by the
    outcome's definition, other exclusions (superseded, unverified, single extraction, no
    variance), overlap-cluster duplicates, pooled."""
    plan = result.plan
    others = [r for r in records if r.id != result.index_study]
    arms_total = sum(len(r.study.arms) for r in others)
    rows = []
    for a in result.comparisons:
        if a.index_yi is None:
            continue
        g = a.group
        candidates = [(r, arm) for r in others for arm in r.study.arms
                      if arm.treatment_class in g.treatment_classes]
        failing = Counter(f[0].rule for r, arm in candidates
                          if (f := group_failures(r, arm, g)))
        eligible = len(candidates) - sum(failing.values())
        by_rule = Counter(e.rule for e in a.exclusions if e.rule not in GROUP_RULES)
        outcome_rules = Counter({k: v for k, v in by_rule.items() if k in OUTCOME_RULES})
        overlap = by_rule.pop("overlap", 0)
        other = Counter({k: v for k, v in by_rule.items() if k not in OUTCOME_RULES})
        pooled = len(a.used_ids)
        missing = eligible - pooled - overlap - sum(outcome_rules.values()) - sum(
            other.values())
        rows.append([f"{a.outcome.label}: {g.label}", str(len(candidates)), _rules(failing),
                     str(eligible), str(max(missing, 0)), _rules(outcome_rules), _rules(other),
                     str(overlap), str(pooled)])
    by_group = []
    for g in plan.groups:
        out = [f"{_arm_label(r, arm)} ({f[0].reason})" for r in others for arm in r.study.arms
               if arm.treatment_class in g.treatment_classes
               and (f := group_failures(r, arm, g))]
        if out:
            by_group.append((g.label, "; ".join(out)))
    reported = {a.outcome.id for a in result.comparisons if a.index_yi is not None}
    skipped = [o.label for o in plan.outcomes if o.id not in reported]
    return {"library": f"{len(records)} study files in the library: the index study and "
                       f"{len(others)} others with {arms_total} arms.",
            "header": ["Outcome: comparator group", "Arms of the group's classes",
                       "Excluded by group rules", "Eligible", "Not reporting the outcome",
                       "Excluded by the outcome's definition", "Other exclusions",
                       "Overlap duplicates", "Pooled"],
            "rows": rows, "group_exclusions": by_group,
            "not_analysed": ("Not analysed (the index study does not report them): "
                             + ", ".join(skipped) + ".") if skipped else ""}
