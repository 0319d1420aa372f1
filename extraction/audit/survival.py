"""Time-to-event summaries: medians against CIs, follow-up and landmark survival.

Check ids: ``median-ci``, ``median-followup``, ``landmark-followup``, ``landmark-monotone``,
``median-landmark``.

The Kaplan–Meier median is the smallest time with ``S(t) <= 0.5`` (Kaplan & Meier 1958; Brookmeyer
& Crowley 1982 for its CI), so a landmark ``S(t) < 50%`` implies ``median <= t`` and
``S(t) > 50%`` implies ``median > t``; a median not reached (NE) has an NE upper CI bound and
implies ``S(t) >= 50%`` at every landmark. A median beyond the longest follow-up cannot be
estimated (warning); beyond the *median* follow-up it is merely unusual (info). Comparisons allow
for the rounding of printed numbers (half a unit of the last printed digit).
"""

from __future__ import annotations

import itertools

from extraction.audit.findings import Finding, make
from extraction.audit.precision import fmt, half_unit
from extraction.loader import StudyRecord
from extraction.schema_common import NE
from extraction.schema_entries import TimeToEvent, to_months

Path_ = tuple[str | int, ...]


def _median_ci(record: StudyRecord, path: Path_, t: TimeToEvent) -> list[Finding]:
    out: list[Finding] = []
    numbers = {"median": t.median, "ci_lower": t.ci_lower, "ci_upper": t.ci_upper}

    def bad(field: str, message: str, *related: str) -> None:
        out.append(make(record, "median-ci", (*path, field), message, numbers,
                        related=tuple((*path, r) for r in related)))

    if t.median == NE and isinstance(t.ci_upper, float):
        bad("ci_upper", f"expected NE (a median not reached has no upper bound), got "
            f"{fmt(t.ci_upper)}", "median")
    if t.ci_lower == NE and (isinstance(t.median, float) or isinstance(t.ci_upper, float)):
        bad("ci_lower", "expected a number (a lower bound not reached implies an NE median and "
            "upper bound), got NE", "median")
    if not isinstance(t.median, float):
        return out
    h = half_unit(record, (*path, "median"), t.median)
    if isinstance(t.ci_lower, float) and t.median + h < t.ci_lower - half_unit(
            record, (*path, "ci_lower"), t.ci_lower):
        bad("median", f"expected the median inside its CI ({fmt(t.ci_lower)}, "
            f"{fmt(t.ci_upper)}), got {fmt(t.median)} below the lower bound", "ci_lower")
    if isinstance(t.ci_upper, float) and t.median - h > t.ci_upper + half_unit(
            record, (*path, "ci_upper"), t.ci_upper):
        bad("median", f"expected the median inside its CI ({fmt(t.ci_lower)}, "
            f"{fmt(t.ci_upper)}), got {fmt(t.median)} above the upper bound", "ci_upper")
    return out


def _followup(record: StudyRecord, path: Path_, t: TimeToEvent) -> list[Finding]:
    study, out = record.study, []
    fus = [(j, f) for j, f in enumerate(study.followup) if f.arm in (None, t.arm)]
    longest = [(j, to_months(f.range_upper, f.unit)) for j, f in fus if f.range_upper is not None]
    median_fu = [(j, to_months(f.median, f.unit)) for j, f in fus]
    unit_months = to_months(1.0, t.unit) or 1.0
    median = t.in_months("median")
    if median is not None:
        slack = half_unit(record, (*path, "median"), t.median) * unit_months
        over_max = [(j, m) for j, m in longest if m is not None and median - slack > m]
        over_median = [(j, m) for j, m in median_fu if m is not None and median - slack > m]
        if over_max:
            j, m = over_max[0]
            out.append(make(record, "median-followup", (*path, "median"),
                            f"expected a median within the longest follow-up {fmt(m)} months, "
                            f"got {fmt(median)} months", {"median_months": median,
                                                          "max_followup_months": m},
                            related=(("followup", j, "range_upper"),)))
        elif over_median:
            j, m = over_median[0]
            out.append(make(record, "median-followup", (*path, "median"),
                            f"median {fmt(median)} months exceeds the median follow-up "
                            f"{fmt(m)} months: it rests on few patients at risk",
                            {"median_months": median, "median_followup_months": m},
                            related=(("followup", j, "median"),), severity="info"))
    for k, lm in enumerate(t.landmarks):
        time = lm.time * unit_months
        over = [(j, m) for j, m in longest if m is not None and time > m]
        if over:
            j, m = over[0]
            out.append(make(record, "landmark-followup", (*path, "landmarks", k, "time"),
                            f"expected a landmark within the longest follow-up {fmt(m)} months, "
                            f"got {fmt(time)} months", {"time_months": time,
                                                        "max_followup_months": m},
                            related=(("followup", j, "range_upper"),)))
    return out


def _landmarks(record: StudyRecord, path: Path_, t: TimeToEvent) -> list[Finding]:
    out: list[Finding] = []
    order = sorted(range(len(t.landmarks)), key=lambda k: t.landmarks[k].time)
    for a, b in itertools.pairwise(order):
        early, late = t.landmarks[a], t.landmarks[b]
        pa, pb = (*path, "landmarks", a, "percent"), (*path, "landmarks", b, "percent")
        slack = half_unit(record, pa, early.percent) + half_unit(record, pb, late.percent)
        same_time = late.time == early.time and late.percent != early.percent
        if late.percent - early.percent > slack or same_time:
            out.append(make(record, "landmark-monotone", pb,
                            f"expected survival at {fmt(late.time)} {t.unit} <= "
                            f"{fmt(early.percent)}% (at {fmt(early.time)} {t.unit}), got "
                            f"{fmt(late.percent)}%", {"time": late.time, "percent": late.percent,
                                                      "earlier_time": early.time,
                                                      "earlier_percent": early.percent},
                            related=(pa,)))
    for k, lm in enumerate(t.landmarks):
        at = (*path, "landmarks", k, "percent")
        h = half_unit(record, at, lm.percent)
        numbers = {"time": lm.time, "percent": lm.percent, "median": t.median}
        if lm.percent + h < 50:
            if t.median == NE:
                out.append(make(record, "median-landmark", (*path, "median"),
                                f"expected a median <= {fmt(lm.time)} {t.unit} because S("
                                f"{fmt(lm.time)}) = {fmt(lm.percent)}% < 50%, got NE", numbers,
                                related=(at,)))
            elif isinstance(t.median, float) and t.median - half_unit(
                    record, (*path, "median"), t.median) > lm.time:
                out.append(make(record, "median-landmark", (*path, "median"),
                                f"expected a median <= {fmt(lm.time)} {t.unit} because S("
                                f"{fmt(lm.time)}) = {fmt(lm.percent)}% < 50%, got "
                                f"{fmt(t.median)}", numbers, related=(at,)))
        elif lm.percent - h > 50 and isinstance(t.median, float) and t.median + half_unit(
                record, (*path, "median"), t.median) < lm.time:
            out.append(make(record, "median-landmark", (*path, "median"),
                            f"expected a median >= {fmt(lm.time)} {t.unit} because S("
                            f"{fmt(lm.time)}) = {fmt(lm.percent)}% > 50%, got {fmt(t.median)}",
                            numbers, related=(at,)))
    return out


def check(record: StudyRecord) -> list[Finding]:
    """All survival checks of one study file."""
    out: list[Finding] = []
    for i, t in enumerate(record.study.outcomes.time_to_event):
        path = ("outcomes", "time_to_event", i)
        out += _median_ci(record, path, t) + _followup(record, path, t) + _landmarks(
            record, path, t)
    return out
