"""Survival benchmarks of each comparator group from reconstructed patient-level data (issue 10).

For each comparator group and time-to-event endpoint, the arms are those the group's median
comparison uses (:mod:`reports.analysis.groups`: the comparability rules, the superseded-analysis
rule and one arm per overlap cluster), plus the group's arms left out of that comparison only
because their published median has no usable variance. Each such arm enters with its
reconstructed IPD (``ipd:`` entries, :func:`extraction.load_ipd`); when the arm used is an
updated analysis, the IPD of the earlier file of the same arm is used (and vice versa), and the
result names the file it came from. IPD that an unresolved recorded conflict of its study
file puts in doubt (SEARCH, whose reconstructed arm sizes look swapped) is not used, with the
conflict as the reason. Arms without IPD keep their reported median only (drawn as labelled
assumptions).

The statistics are :func:`meta.survival.group_survival`: per-arm KM median with CI, S(6, 12, 18,
24) and RMST(24) with SEs, pooled by random effects with CI and PI; the pointwise pooled KM curve
with its bands; and where the index study's reported median falls among the arms' curves. The
index median's interval is its reported CI or, when it has none, the envelope of
:func:`meta.median_interval` (an approximation over a plausible range of event counts).

No text and no figures.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from extraction import StudyRecord, load_ipd
from extraction.schema_entries import to_months
from meta.survival import GroupSurvival, group_survival
from reports.analysis.data import Exclusion, superseded
from reports.analysis.groups import GroupAnalysis
from reports.plan import Group, Plan

LANDMARKS = (6.0, 12.0, 18.0, 24.0)
TAU = 24.0


@dataclass(frozen=True)
class IpdArm:
    """One arm of a group's benchmark with its patient-level data (months; 1 event)."""

    study: str
    arm: str
    label: str
    ipd_study: str
    """Study file whose ``ipd:`` entry carries the data (an earlier or later analysis of the
    same arm when ``study`` has none)."""
    file: str
    time: np.ndarray = field(repr=False, compare=False)
    event: np.ndarray = field(repr=False, compare=False)


@dataclass(frozen=True)
class IndexMedian:
    """The index study's reported median (months) and the interval drawn around it."""

    median: float
    lower: float
    upper: float
    kind: str
    """``"reported"`` (its published CI) or ``"approximate"`` (:func:`meta.median_interval`
    envelope over plausible event counts), or ``"none"`` (no interval: NaN bounds)."""
    method: str


@dataclass(frozen=True)
class IpdBenchmark:
    """One comparator group's survival benchmark from IPD for one endpoint.

    Attributes
    ----------
    arms : tuple of IpdArm
        Arms whose IPD is pooled, in the order of the median comparison.
    excluded : tuple of Exclusion
        Comparable arms whose IPD is not used, with the reason (no IPD, recorded conflict).
    assumed : tuple of (str, float)
        Comparable arms without usable IPD: label and reported median (months).
    index : IndexMedian or None
        The index study's reported median for the endpoint.
    result : GroupSurvival or None
        :func:`meta.survival.group_survival` of ``arms`` (None without IPD).
    """

    endpoint: str
    group: Group
    outcome_id: str
    arms: tuple[IpdArm, ...]
    excluded: tuple[Exclusion, ...]
    assumed: tuple[tuple[str, float], ...]
    index: IndexMedian | None
    result: GroupSurvival | None

    @property
    def data(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """``label -> (time, event)`` of the pooled arms (as given to group_survival)."""
        return {a.label: (a.time, a.event) for a in self.arms}


def _num(x: Any) -> float | None:
    return float(x) if x is not None and math.isfinite(float(x)) else None


def _pooled_record(p: Any) -> dict[str, Any]:
    b = p.benchmark
    return {"statistic": p.statistic, "scale": p.scale, "k": p.k, "estimate": _num(p.estimate),
            "ci_lb": _num(p.ci_lb), "ci_ub": _num(p.ci_ub), "pi_lb": _num(p.pi_lb),
            "pi_ub": _num(p.pi_ub), "pi_t_lb": _num(p.pi_t_lb), "pi_t_ub": _num(p.pi_t_ub),
            "tau2": _num(b.tau2) if b else None, "I2": _num(b.I2) if b else None,
            "arms": list(p.arms), "excluded": [{"arm": a, "reason": r} for a, r in p.excluded]}


def benchmark_record(b: IpdBenchmark) -> dict[str, Any]:
    """``results.json`` record of one IPD benchmark (metafor's names; months; survival 0-1)."""
    rec: dict[str, Any] = {
        "endpoint": b.endpoint, "group": b.group.id, "outcome": b.outcome_id,
        "arms_used": [{"study": a.study, "arm": a.arm, "label": a.label,
                       "ipd_study": a.ipd_study, "ipd_file": a.file} for a in b.arms],
        "arms_excluded": [{"study": e.study, "arm": e.arm, "rule": e.rule, "reason": e.reason}
                          for e in b.excluded],
        "index": None if b.index is None else {
            "median": b.index.median, "lower": _num(b.index.lower),
            "upper": _num(b.index.upper), "interval": b.index.kind,
            "method": b.index.method}}
    if b.result is None:
        return rec
    bench = b.result.benchmark
    rec["method"], rec["level"] = bench.method, bench.level
    rec["per_arm"] = [{k: (_num(v) if isinstance(v, float) else v)
                       for k, v in s.to_row().items()} for s in bench.arms]
    rec["pooled"] = [_pooled_record(p) for p in (bench.median, *bench.landmarks, bench.rmst)]
    c = b.result.curve
    rec["pooled_curve"] = None if c is None else {
        "method": c.description, "time": [float(t) for t in c.time],
        **{name: [_num(v) for v in getattr(c, name)]
           for name in ("surv", "ci_lb", "ci_ub", "pi_lb", "pi_ub")}}
    p = b.result.position
    rec["index_position"] = None if p is None else {
        "time": p.time, "n_evaluable": p.n_evaluable, "n_longer": p.n_longer,
        "fraction_longer": _num(p.fraction_longer),
        "fraction_longer_at_lower": _num(p.fraction_longer_at_lower),
        "fraction_longer_at_upper": _num(p.fraction_longer_at_upper),
        "position": p.position, "pooled": _pooled_record(p.pooled)}
    return rec


def _ipd_entry(records: dict[str, StudyRecord], gone: dict[str, str], study: str, arm: str,
               endpoint: str) -> tuple[StudyRecord, Any] | None:
    """The ``ipd`` entry of ``arm`` for ``endpoint``: in ``study`` itself, else in an earlier
    or later analysis of it (``analysis.updates`` / ``related: updated_by``)."""
    chain = [study, *sorted(old for old, new in gone.items() if new == study)]
    if study in gone:
        chain.append(gone[study])
    for sid in chain:
        rec = records.get(sid)
        if rec is None:
            continue
        for entry in rec.study.ipd:
            if entry.arm == arm and entry.endpoint == endpoint:
                return rec, entry
    return None


def ipd_conflict(record: StudyRecord, entry: Any) -> str | None:
    """The recorded conflict that puts ``entry``'s IPD in doubt, as a reason; None if none.

    A conflict concerns the IPD when one of its sources names the IPD file (or the conflict
    says it is about the reconstructed IPD) and its fields name the arm (``arms[i]``). It puts
    the IPD in doubt while it is unresolved: no ``resolution``, or one that says
    "Unresolved" (SEARCH's swapped arm sizes); a resolved one (LIGHT's 512 of 514 patients,
    the file keeping the published 514) leaves the IPD in use, and the audit reports it."""
    arms = [a.id for a in record.study.arms]
    prefix = f"arms[{arms.index(entry.arm)}]" if entry.arm in arms else None
    name = entry.file.rsplit("/", 1)[-1]
    for c in record.study.conflicts:
        texts = [c.about, *((s.label or "") + " " + (s.quote or "") for s in c.sources)]
        about_ipd = any(name in t for t in texts) or "reconstructed IPD" in c.about
        unresolved = not c.resolution or c.resolution.lower().startswith("unresolved")
        if about_ipd and unresolved and prefix and any(f.startswith(prefix) for f in c.fields):
            values = " vs ".join(str(v) for v in c.values)
            return (f"IPD not used: unresolved conflict recorded in {record.shown}: {c.about} "
                    f"({values})")
    return None


def index_median(records: dict[str, StudyRecord], plan: Plan, endpoint: str,
                 level: float) -> IndexMedian | None:
    """The index study's reported median for ``endpoint`` with its interval (see module)."""
    from meta import median_interval

    rec = records[plan.index.study]
    arm_id = plan.index.arm or rec.study.arms[0].id
    row = next((t for t in rec.study.outcomes.time_to_event
                if t.arm == arm_id and t.endpoint == endpoint), None)
    if row is None or row.in_months("median") is None:
        return None
    m = float(row.in_months("median"))
    lo, hi = row.in_months("ci_lower"), row.in_months("ci_upper")
    if lo is not None or hi is not None:
        return IndexMedian(m, math.nan if lo is None else float(lo),
                           math.nan if hi is None else float(hi), "reported",
                           f"reported {row.ci_level:g}% CI")
    arm = rec.study.arm(arm_id)
    n = arm.n_analysed or arm.n
    follow = [f for f in rec.study.followup if f.arm in (None, arm_id)]
    if not follow:
        return IndexMedian(m, math.nan, math.nan, "none", "no CI reported and no follow-up "
                           "to approximate one")
    fu = to_months(follow[-1].median, follow[-1].unit)
    mi = median_interval(m, n, fu, level=level)
    return IndexMedian(m, mi.envelope[0], mi.envelope[1], "approximate",
                       f"approximate {level:g}% interval, the widest over the plausible event "
                       f"counts ({mi.method})")


def _candidates(analysis: GroupAnalysis) -> list[tuple[str, str, str, float | None]]:
    """``(study, arm, label, reported median)`` of the arms of the median comparison, then
    the group's arms left out only for want of a median variance."""
    out = []
    if not analysis.arms.empty:
        for r in analysis.arms.itertuples():
            out.append((str(r.study), str(r.arm), str(r.label), float(r.median)))
    for e in analysis.exclusions:
        if e.rule == "no_variance":
            out.append((e.study, e.arm, e.label, None))
    return out


def ipd_benchmark(records: list[StudyRecord], plan: Plan, analysis: GroupAnalysis,
                  cache: dict[tuple[str, str, str], tuple[np.ndarray, np.ndarray]] | None = None
                  ) -> IpdBenchmark:
    """The IPD benchmark of the group and endpoint of ``analysis`` (a median comparison).

    ``cache`` maps ``(study, arm, endpoint)`` to loaded IPD, shared across groups (an arm is
    in several groups; each CSV is read and its hash checked once)."""
    cache = {} if cache is None else cache
    by_id = {r.id: r for r in records}
    gone = superseded(records)
    endpoint = analysis.outcome.endpoint
    arms, excluded, assumed = [], [], []
    medians = {}
    if not analysis.arms.empty:
        medians = {(str(r.study), str(r.arm)): float(r.median)
                   for r in analysis.arms.itertuples()}
    for study, arm, label, median in _candidates(analysis):
        found = _ipd_entry(by_id, gone, study, arm, endpoint)
        why = None
        if found is None:
            why = f"no reconstructed IPD for {endpoint}"
        else:
            rec, entry = found
            why = ipd_conflict(rec, entry)
        if why is None:
            key = (rec.id, entry.arm, entry.endpoint)
            if key not in cache:
                cache[key] = load_ipd(rec, entry)
            time, event = cache[key]
            arms.append(IpdArm(study, arm, label, rec.id, entry.file, time, event))
            continue
        excluded.append(Exclusion(study, arm, label, "no_ipd" if found is None
                                  else "ipd_conflict", why))
        m = medians.get((study, arm), median)
        if m is not None:
            assumed.append((label, m))
    index = index_median(by_id, plan, endpoint, plan.level)
    result = None
    if arms:
        data = {a.label: (a.time, a.event) for a in arms}
        result = group_survival(
            data, index_median=index.median if index else None,
            index_interval=(index.lower, index.upper) if index and index.kind != "none"
            else None, landmarks=LANDMARKS, tau=TAU, method=plan.estimator, level=plan.level)
    return IpdBenchmark(endpoint, analysis.group, analysis.outcome.id, tuple(arms),
                        tuple(excluded), tuple(assumed), index, result)


def ipd_benchmarks(records: list[StudyRecord], plan: Plan, analyses: list[GroupAnalysis],
                   endpoint: str) -> tuple[IpdBenchmark, ...]:
    """One :class:`IpdBenchmark` per comparator group with a median comparison of
    ``endpoint`` (the first median outcome of that endpoint in the plan), in plan order."""
    out = []
    seen: set[str] = set()
    cache: dict[tuple[str, str, str], tuple[np.ndarray, np.ndarray]] = {}
    for a in analyses:
        if a.outcome.kind != "median" or a.outcome.endpoint != endpoint or a.group.id in seen:
            continue
        seen.add(a.group.id)
        out.append(ipd_benchmark(records, plan, a, cache))
    return tuple(out)
