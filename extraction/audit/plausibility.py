"""Plausibility checks for silent slips that pass every schema rule (issue 15).

Check ids:

- ``percent-fraction`` (warning): a percent below 1 with no count, that is either impossible as a
  count of the arm's n at its printed precision (GRIM, Brown & Heathers 2017) or far below every
  other rate of its endpoint in the library: ``percent: 0.75`` typed for 75% (the report then
  said "index 0.9%, p < 0.001").
- ``pfs-above-os`` (warning): a median PFS (or TTP) above the median OS of the same arm and
  population, beyond printed rounding. Progression or death cannot come later than death.
- ``landmark-far-followup`` (warning): a landmark time more than twice the median follow-up (when
  no longest follow-up is given, which ``landmark-followup`` compares with): few patients remain at
  risk, or the time unit is wrong.
"""

from __future__ import annotations

import statistics

from extraction.audit.findings import Finding, make
from extraction.audit.precision import counts_printing, fmt, half_unit, raw_or_repr
from extraction.audit.walk import arm_denominators
from extraction.loader import StudyRecord
from extraction.schema_entries import to_months

Path_ = tuple[str | int, ...]

RATE_LISTS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("binary", "events", "total", ("endpoint",)),
    ("adverse_events", "count", "total", ("term", "grade")),
)
"""(outcome list, count field, denominator field, the fields that group comparable rates)."""


def _key(entry: object, fields: tuple[str, ...]) -> str:
    return " grade ".join(str(getattr(entry, f)) for f in fields)

FAR_FACTOR = 10.0
"""A percent below 1 is "far" from its endpoint's other rates when all are >= 10 times it."""
MIN_OTHERS = 2
"""Other rates of the endpoint needed before "far from every other rate" is judged."""
FOLLOWUP_FACTOR = 2.0
"""A landmark beyond twice the median follow-up is flagged (without a longest follow-up)."""


def _rates(records: list[StudyRecord]) -> dict[tuple[str, str], list[tuple[str, float]]]:
    """Every rate in percent by (list, endpoint or grade): (study id, percent)."""
    out: dict[tuple[str, str], list[tuple[str, float]]] = {}
    for r in records:
        for name, count, den, key in RATE_LISTS:
            for e in getattr(r.study.outcomes, name):
                c, d, p = getattr(e, count), getattr(e, den), e.percent
                value = 100.0 * c / d if c is not None and d else p
                if value is not None:
                    out.setdefault((name, _key(e, key)), []).append((r.id, value))
    return out


def _percent_fraction(record: StudyRecord, rates: dict[tuple[str, str], list[tuple[str, float]]]
                      ) -> list[Finding]:
    out = []
    for name, count, den, key in RATE_LISTS:
        for i, e in enumerate(getattr(record.study.outcomes, name)):
            p = e.percent
            if p is None or not 0 < p < 1 or getattr(e, count) is not None:
                continue
            at = ("outcomes", name, i, "percent")
            raw = raw_or_repr(record, at, p)
            ns = [getattr(e, den)] if getattr(e, den) else arm_denominators(record.study, e.arm)
            impossible = [n for n in ns if not counts_printing(raw, n)
                          and not counts_printing(raw, n, truncated=True)]
            others = [v for sid, v in rates.get((name, _key(e, key)), [])
                      if sid != record.id]
            far = len(others) >= MIN_OTHERS and min(others) >= FAR_FACTOR * max(p, 1e-9)
            if not (impossible and len(impossible) == len(ns)) and not far:
                continue
            why = []
            if impossible and len(impossible) == len(ns):
                why.append(f"no whole count of n = {impossible[0]} prints as {raw}%")
            if far:
                why.append(f"every other {_key(e, key)} rate in the library is "
                           f">= {fmt(min(others))}% (median {fmt(statistics.median(others))}%)")
            out.append(make(record, "percent-fraction", at,
                            f"expected a percent (0-100), got {raw}: {'; '.join(why)}; did you "
                            f"type a proportion? {raw} as a proportion is {fmt(100 * p)}%",
                            {"percent": p, "n": ns[0] if ns else None}))
    return out


def _pfs_above_os(record: StudyRecord) -> list[Finding]:
    out = []
    tte = list(enumerate(record.study.outcomes.time_to_event))
    for i, t in tte:
        if t.endpoint not in ("pfs", "ttp"):
            continue
        m = t.in_months("median")
        for j, os_ in tte:
            if os_.endpoint != "os" or os_.arm != t.arm or os_.population != t.population:
                continue
            o = os_.in_months("median")
            if m is None or o is None:
                continue
            slack = (half_unit(record, ("outcomes", "time_to_event", i, "median"), t.median)
                     * (to_months(1.0, t.unit) or 1.0)
                     + half_unit(record, ("outcomes", "time_to_event", j, "median"), os_.median)
                     * (to_months(1.0, os_.unit) or 1.0))
            if m - o > slack:
                out.append(make(record, "pfs-above-os", ("outcomes", "time_to_event", i,
                                                         "median"),
                                f"expected a median {t.endpoint.upper()} <= the median OS of arm "
                                f"{t.arm} ({fmt(o)} months), got {fmt(m)} months: check the "
                                "endpoints, arms and units", {"median_months": m,
                                                              "os_median_months": o},
                                related=(("outcomes", "time_to_event", j, "median"),)))
    return out


def _landmark_far(record: StudyRecord) -> list[Finding]:
    out = []
    study = record.study
    for i, t in enumerate(study.outcomes.time_to_event):
        fus = [(j, f) for j, f in enumerate(study.followup) if f.arm in (None, t.arm)]
        if not fus or any(f.range_upper is not None for _, f in fus):
            continue  # the longest follow-up is known: landmark-followup judges
        j, f = fus[0]
        median_fu = to_months(f.median, f.unit)
        for k, lm in enumerate(t.landmarks):
            months = to_months(lm.time, t.unit)
            if median_fu and months is not None and months > FOLLOWUP_FACTOR * median_fu:
                out.append(make(record, "landmark-far-followup",
                                ("outcomes", "time_to_event", i, "landmarks", k, "time"),
                                f"expected a landmark within {fmt(FOLLOWUP_FACTOR)} x the median "
                                f"follow-up ({fmt(median_fu)} months), got {fmt(months)} months: "
                                "few patients remain at risk, or the time unit is wrong",
                                {"time_months": months, "median_followup_months": median_fu},
                                related=(("followup", j, "median"),)))
    return out


def check(records: list[StudyRecord], cross_file: bool = True) -> list[Finding]:
    """Plausibility findings of ``records`` (rates compared across them when ``cross_file``)."""
    out: list[Finding] = []
    for record in records:
        rates = _rates(records if cross_file else [record])
        out += _percent_fraction(record, rates) + _pfs_above_os(record) + _landmark_far(record)
    return out


def likely_slips(records: list[StudyRecord]) -> list[Finding]:
    """The findings ``hccmeta validate`` shows as hints: a proportion typed for a percent."""
    return [f for f in check(records) if f.check == "percent-fraction"]
