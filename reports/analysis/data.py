"""Study records -> one tidy frame per outcome of the plan, every number with its provenance.

Rows are arms. The index study's arm is flagged ``is_index``; comparator arms carry the ids of the
plan's groups they fall in. Each number used keeps the file, YAML line, field path and quote it
came from (:class:`Provenance`) so the report's audit appendix can link it back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from extraction import StudyRecord
from extraction.audit import number_verified, usable_for_pooling
from extraction.issues import field_path
from extraction.schema_entries import to_months
from reports.analysis.rules import (
    RuleFailure,
    ae_failure,
    allowed_attributions,
    binary_failure,
    group_failures,
)
from reports.plan import Outcome, Plan


@dataclass(frozen=True)
class Provenance:
    """Where one number of the report came from."""

    study: str
    file: str
    line: int
    field: str
    value: str
    location: str
    quote: str
    derived: str = ""
    arm: str = ""
    """Id of the arm the number belongs to (set by :func:`outcome_data`)."""
    used_for: str = ""
    """Id of the study whose arm uses the number when that is not ``study``: a baseline
    characteristic an updating analysis inherits (:mod:`reports.analysis.baseline`)."""


@dataclass(frozen=True)
class Exclusion:
    """An arm left out of a comparison, with the rule that excluded it.

    Attributes
    ----------
    rule : str
        Rule id: ``not_reported``, ``superseded``, ``unverified``, ``single_extraction``,
        ``no_variance``,
        ``overlap`` or a comparability rule of :mod:`reports.analysis.rules` (``phase``,
        ``attribution``...).
    reason : str
        The reason in words, with the values compared.
    """

    study: str
    arm: str
    label: str
    rule: str
    reason: str


@dataclass(frozen=True)
class OutcomeData:
    """The arms that report an outcome, plus what was left out and why."""

    outcome: Outcome
    frame: pd.DataFrame
    excluded: tuple[Exclusion, ...] = ()
    provenance: tuple[Provenance, ...] = field(default_factory=tuple)
    group_excluded: tuple[tuple[str, Exclusion], ...] = ()
    """``(group id, exclusion)`` of arms that fail a comparability rule of a group."""


def _source_text(src: Any) -> tuple[str, str]:
    where = src.location + (f" {src.label}" if src.label else "") + (
        f", p. {src.page}" if src.page else "")
    return where, src.quote or ""


def _prov(record: StudyRecord, path: tuple[Any, ...], entry: Any, name: str,
          value: Any) -> Provenance:
    where, quote = _source_text(entry.source_of(name))
    full = (*path, name)
    return Provenance(record.id, record.shown, record.line_of(*full),
                      field_path(full), str(value), where, quote,
                      entry.derived.get(name, ""))


def _derived_events(record: StudyRecord, path: tuple[Any, ...], entry: Any, name: str,
                    pct_name: str, total: int) -> tuple[int, Provenance]:
    """A count the report derives from a percent: ``round(percent × total / 100)``, with an
    audit row at the percent's line saying so (the study file holds no count)."""
    percent = getattr(entry, pct_name)
    events = round(percent * total / 100)
    written = record.raw_text(*path, pct_name) or f"{percent:g}"
    where, quote = _source_text(entry.source_of(pct_name))
    return events, Provenance(record.id, record.shown, record.line_of(*path, pct_name),
                              field_path((*path, name)), str(events), where, quote,
                              f"{name} = round({written}% × {total}) = {events} (derived by the "
                              f"report: the study file gives no {name})")


def superseded(records: list[StudyRecord]) -> dict[str, str]:
    """Study id -> id of the later analysis that replaces it (``analysis.updates``)."""
    out = {}
    for rec in records:
        if rec.study.analysis.updates:
            out[rec.study.analysis.updates] = rec.id
    for rec in records:
        for rel in rec.study.related:
            if rel.relation == "updated_by":
                out.setdefault(rec.id, rel.study)
    return out


def source_column(moderator_id: str) -> str:
    """The frame column naming, per arm, the characteristic a moderator's value came from
    (the plan's ``characteristic``, its ``fallback``, or '' when neither is reported)."""
    return f"{moderator_id}__source"


def inherited_column(moderator_id: str) -> str:
    """The frame column holding, per arm, the ``analysis.updates`` chain a moderator's value was
    inherited through (:attr:`reports.analysis.baseline.ModeratorValue.chain`; () when own)."""
    return f"{moderator_id}__inherited"


def not_inherited_column(moderator_id: str) -> str:
    """The frame column saying, per arm, why no value could be inherited ('' when not asked)."""
    return f"{moderator_id}__not_inherited"


def moderator_value(record: StudyRecord, arm_id: str, characteristic: str
                    ) -> tuple[float | None, Provenance | None]:
    """Percent of patients with ``characteristic`` in the arm (or the whole study)."""
    best = None
    for i, ch in enumerate(record.study.population):
        if ch.characteristic != characteristic or ch.arm not in (arm_id, None):
            continue
        pct = ch.percent
        if pct is None and ch.count is not None and ch.denominator:
            pct = 100 * ch.count / ch.denominator
        if pct is None:
            continue
        prov = _prov(record, ("population", i), ch, "percent" if ch.percent is not None
                     else "count", ch.percent if ch.percent is not None else ch.count)
        if ch.arm == arm_id or best is None:
            best = (float(pct), prov)
    return best if best else (None, None)


def study_label(record: StudyRecord) -> str:
    """``Surname year (TRIAL)``; the study id when the first author is not known."""
    s = record.study
    first = s.citation.authors[0]
    if not first[:1].isalpha():  # e.g. "[first author not retrieved]"
        return record.id
    base = f"{first.split()[0]} {s.citation.year}"
    return base + (f" ({s.citation.trial_name})" if s.citation.trial_name else "")


def _label(record: StudyRecord, arm: Any, multi_arm: bool) -> str:
    base = study_label(record)
    return f"{base}: {arm.label}" if multi_arm else base


def _value(record: StudyRecord, arm: Any, outcome: Outcome, allowed: set[str] | None = None,
           is_index: bool = False
           ) -> tuple[dict[str, Any], list[Provenance]] | str | RuleFailure:
    """The outcome's numbers for one arm, the reason there are none (str), or the
    outcome-definition rule that excludes the arm (:mod:`reports.analysis.rules`)."""
    s = record.study
    if outcome.kind == "proportion":
        rows = [(i, b) for i, b in enumerate(s.outcomes.binary)
                if b.arm == arm.id and b.endpoint == outcome.endpoint]
        rows.sort(key=lambda r: outcome.criteria.index(r[1].criteria)
                  if r[1].criteria in outcome.criteria else 99)
        if not rows:
            return "not reported"
        if not is_index:
            failures = [binary_failure(b, outcome) for _, b in rows]
            if all(failures):
                return failures[0]  # type: ignore[return-value]
            rows = [r for r, f in zip(rows, failures, strict=True) if f is None]
        i, b = rows[0]
        path = ("outcomes", "binary", i)
        total = b.total or arm.n_analysed or arm.n
        events = b.events
        provs = []
        if events is None:
            events, derived = _derived_events(record, path, b, "events", "percent", total)
            provs += [_prov(record, path, b, "percent", b.percent), derived]
        else:
            provs.append(_prov(record, path, b, "events", events))
        provs.append(_prov(record, path, b, "total", total) if b.total else
                     _prov(record, ("arms", s.arms.index(arm)), arm, "n", arm.n))
        assumed = (b.percent is not None and (getattr(b, "denominator", None) or "not_reported")
                   == "not_reported" and (b.total is None or "total" in b.derived))
        return ({"events": int(events), "total": int(total), "criteria": b.criteria,
                 "assumed_total": assumed,
                 "percent_text": (record.raw_text(*path, "percent") or f"{b.percent:g}")
                 if assumed else "",
                 "verified": usable_for_pooling(b, ("events", "total", "percent"))}, provs)
    if outcome.kind == "adverse_event":
        rows = [(i, a) for i, a in enumerate(s.outcomes.adverse_events)
                if a.arm == arm.id and a.term.lower() == "any"]
        if not rows:
            return "not reported"
        failures = [ae_failure(a, outcome, None if is_index else allowed) for _, a in rows]
        if all(failures):  # the most telling rule: attribution of a row of an accepted grade
            return next((f for f in failures if f and f.rule != "grade"),
                        failures[0])  # type: ignore[return-value]
        rows = [r for r, f in zip(rows, failures, strict=True) if f is None]
        rows.sort(key=lambda r: outcome.grades.index(r[1].grade))
        i, a = rows[0]
        path = ("outcomes", "adverse_events", i)
        total = a.total or arm.n_analysed or arm.n
        if a.count is not None:
            events = a.count
            provs = [_prov(record, path, a, "count", a.count)]
        else:
            events, derived = _derived_events(record, path, a, "count", "percent", total)
            provs = [_prov(record, path, a, "percent", a.percent), derived]
        provs.append(_prov(record, path, a, "total", total) if a.total else
                     _prov(record, ("arms", s.arms.index(arm)), arm, "n", arm.n))
        return ({"events": int(events), "total": int(total), "criteria": f"grade {a.grade}",
                 "verified": usable_for_pooling(a, ("count", "total", "percent"))}, provs)
    rows = [(i, t) for i, t in enumerate(s.outcomes.time_to_event)
            if t.arm == arm.id and t.endpoint == outcome.endpoint]
    if not rows:
        return "not reported"
    i, t = rows[0]
    path = ("outcomes", "time_to_event", i)
    if outcome.kind == "median":
        median = t.in_months("median")
        if median is None:
            return "median not reached or not reported"
        provs = [_prov(record, path, t, "median", t.median)]
        lo, hi = t.in_months("ci_lower"), t.in_months("ci_upper")
        for name in ("ci_lower", "ci_upper", "events"):
            if getattr(t, name) is not None:
                provs.append(_prov(record, path, t, name, getattr(t, name)))
        return ({"median": median, "ci_lower": lo, "ci_upper": hi, "ci_level": t.ci_level,
                 "tte_events": t.events, "total": arm.n,
                 "follow_up": follow_up(record, arm.id),
                 "verified": usable_for_pooling(t, ("median", "ci_lower", "ci_upper"))}, provs)
    # landmark: survival at outcome.time months, as a proportion of the arm (approximate)
    for j, lm in enumerate(t.landmarks):
        if abs(to_months(lm.time, t.unit) - outcome.time) < 0.05:
            total = arm.n_analysed or arm.n
            events = round(lm.percent * total / 100)
            src = lm.source or t.source
            where, quote = _source_text(src)
            prov = Provenance(record.id, record.shown,
                              record.line_of(*path, "landmarks", j, "percent"),
                              field_path((*path, "landmarks", j, "percent")),
                              str(lm.percent), where, quote,
                              f"alive at {outcome.time:g} months: {lm.percent}% of {total} = "
                              f"{events} (approximate: ignores censoring before the landmark)")
            return ({"events": events, "total": total, "percent": lm.percent,
                     "verified": src.verified and number_verified(t, "landmarks")}, [prov])
    return f"no {outcome.time:g}-month landmark"


def follow_up(record: StudyRecord, arm_id: str) -> float | None:
    """The arm's median follow-up in months (the arm's own, else the study's), or None."""
    rows = [f for f in record.study.followup if f.arm in (arm_id, None)]
    rows.sort(key=lambda f: f.arm != arm_id)
    return to_months(rows[0].median, rows[0].unit) if rows else None


def _date(text: str, end: bool) -> tuple[int, int]:
    parts = str(text).split("-")
    return int(parts[0]), int(parts[1]) if len(parts) > 1 else (12 if end else 1)


def enrolment_mid(record: StudyRecord, plan: Plan) -> tuple[float | None, bool]:
    """``(mid-point, proxy)``: the enrolment mid-point in decimal years from the study's
    ``enrolment`` period (:func:`meta.adjusted.midpoint_year`), or, with ``plan.era_missing:
    publication_year``, the publication year minus ``plan.era_lag_years`` (``proxy`` True);
    ``(None, False)`` when neither."""
    from meta.adjusted import midpoint_year

    period = record.study.enrolment
    if period is not None and period.start and period.end:
        (y0, m0), (y1, m1) = _date(period.start, False), _date(period.end, True)
        try:
            return midpoint_year(y0, m0, y1, m1), False
        except ValueError:  # same month: the month's middle
            return y0 + (m0 - 0.5) / 12, False
    if plan.era_missing == "publication_year":
        return record.study.citation.year - plan.era_lag_years, True
    return None, False


def replaced_by(records: list[StudyRecord], record: StudyRecord, arm_id: str,
                has: Callable[[StudyRecord, Any], bool],
                gone: dict[str, str] | None = None) -> str | None:
    """The one rule for superseded analyses: the id of the later analysis that replaces arm
    ``arm_id`` of ``record`` for a result, or None when ``record``'s own result is used.

    ``record`` is replaced only when it is superseded (:func:`superseded`) and the later analysis
    has the result for an arm with the same id (``has(later_record, later_arm)``, e.g. reports
    the outcome, or has a digitized curve of the endpoint). ``gone`` is :func:`superseded` of
    ``records``, when already computed.
    """
    newer_id = (gone if gone is not None else superseded(records)).get(record.id)
    newer = next((r for r in records if r.id == newer_id), None)
    if newer is None:
        return None
    arms = [a for a in newer.study.arms if a.id == arm_id]
    return newer.id if arms and has(newer, arms[0]) else None


def index_attribution(records: list[StudyRecord], plan: Plan, outcome: Outcome) -> str | None:
    """The AE attribution of the index study's row for ``outcome`` (None when not an AE
    outcome or the index has none)."""
    if outcome.kind != "adverse_event":
        return None
    rec = next(r for r in records if r.id == plan.index.study)
    arm_id = plan.index.arm or rec.study.arms[0].id
    rows = [a for a in rec.study.outcomes.adverse_events
            if a.arm == arm_id and a.term.lower() == "any" and a.grade in outcome.grades]
    rows.sort(key=lambda a: outcome.grades.index(a.grade))
    return rows[0].attribution if rows else None


def outcome_data(records: list[StudyRecord], plan: Plan, outcome: Outcome) -> OutcomeData:
    """Tidy frame of all arms (index and comparators) reporting ``outcome``.

    An analysis superseded by a later one (``analysis.updates``) is used for an outcome only
    when the later analysis does not report that outcome for the same arm id; the later one
    takes the baseline characteristics it does not report from the earlier
    (:func:`reports.analysis.baseline.arm_moderator`). An arm of a
    group's treatment classes that reports the outcome but fails another rule of the group or
    of the outcome's definition is listed in :attr:`OutcomeData.group_excluded`.
    """
    from reports.analysis.baseline import arm_moderator

    gone = superseded(records)
    rows, excluded, provs = [], [], []
    group_excluded: list[tuple[str, Exclusion]] = []
    groups = plan.groups_for(outcome)
    allowed = allowed_attributions(outcome, index_attribution(records, plan, outcome))
    for rec in records:
        s = rec.study
        is_index_study = rec.id == plan.index.study
        for arm in s.arms:
            is_index = is_index_study and arm.id == (plan.index.arm or s.arms[0].id)
            fails = {g.id: group_failures(rec, arm, g) for g in groups}
            candidates = [g.id for g in groups if not any(
                f.rule == "treatment_class" for f in fails[g.id])]
            member = [gid for gid in candidates if not fails[gid]]
            if not is_index and (is_index_study or not candidates):
                continue
            label = _label(rec, arm, len(s.arms) > 1)
            got = _value(rec, arm, outcome, allowed, is_index)
            if isinstance(got, str):
                if is_index or member:
                    excluded.append(Exclusion(rec.id, arm.id, label, "not_reported", got))
                continue
            if not is_index:
                for gid in candidates:
                    if fails[gid]:
                        f = fails[gid][0]
                        group_excluded.append((gid, Exclusion(rec.id, arm.id, label, f.rule,
                                                              f.reason)))
                if isinstance(got, RuleFailure):
                    group_excluded += [(gid, Exclusion(rec.id, arm.id, label, got.rule,
                                                       got.reason)) for gid in member]
                    continue
                if not member:
                    continue
            assert not isinstance(got, RuleFailure)
            newer = None if is_index else replaced_by(
                records, rec, arm.id,
                lambda r, a: not isinstance(_value(r, a, outcome, allowed), str | RuleFailure),
                gone)
            if newer is not None:
                excluded.append(Exclusion(rec.id, arm.id, label, "superseded",
                                          f"superseded by {newer}"))
                group_excluded += [(gid, excluded[-1]) for gid in member]
                continue
            values, prov = got
            prov = [replace(p, arm=arm.id) for p in prov]
            if (not is_index and plan.exclude_single_extraction
                    and not rec.study.curation.checked_by):
                excluded.append(Exclusion(rec.id, arm.id, label, "single_extraction",
                                          "single extraction (no curation.checked_by) and the "
                                          "plan excludes single extractions"))
                group_excluded += [(gid, excluded[-1]) for gid in member]
                continue
            if not values.pop("verified") and not plan.include_unverified:
                excluded.append(Exclusion(rec.id, arm.id, label, "unverified",
                                          "source not verified against the publication"))
                group_excluded += [(gid, excluded[-1]) for gid in member]
                continue
            row = {"study": rec.id, "arm": arm.id, "label": label, "year": s.citation.year,
                   "design": s.design, "phase": s.phase or "", "line": s.setting.line,
                   "treatment_class": arm.treatment_class, "is_index": is_index,
                   "groups": tuple(member), "file": rec.shown, **values}
            row["era"], row["era_proxy"] = enrolment_mid(rec, plan)
            for mod in plan.moderators:
                # the plan's stated approximation (e.g. MVI for PVTT) and the baseline
                # characteristics of an earlier data cut, recorded per arm
                mv = arm_moderator(records, rec, arm.id, mod)
                row[mod.id] = mv.value
                row[source_column(mod.id)] = mv.characteristic
                row[inherited_column(mod.id)] = mv.chain
                row[not_inherited_column(mod.id)] = mv.not_inherited
                if mv.provenance is not None:
                    prov.append(replace(mv.provenance, arm=arm.id))
            rows.append(row)
            provs += prov
    frame = pd.DataFrame(rows)
    return OutcomeData(outcome, frame, tuple(excluded), tuple(provs), tuple(group_excluded))
