"""Counts against their denominators, arms against totals, subgroups against their sums.

Check ids: ``count-within``, ``arms-sum``, ``arms-total``, ``subgroup-sum``, ``category-sum``,
``ae-nesting``. Where only percents are given, sums are compared with a tolerance of half a unit of
the last printed digit of each percent involved (the most their rounding can add up to).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from extraction.audit.findings import Finding, make
from extraction.audit.precision import fmt, half_unit
from extraction.audit.walk import arm_n, entry_list
from extraction.loader import StudyRecord

Path_ = tuple[str | int, ...]


@dataclass(frozen=True)
class Part:
    """A count/percent of one entry, with its path and printed half-unit of the percent."""

    path: Path_
    count: int | None
    total: int | None
    percent: float | None
    half: float
    count_name: str = "count"


def _part(record: StudyRecord, path: Path_, count: int | None, total: int | None,
          percent: float | None, count_name: str = "count") -> Part:
    half = half_unit(record, (*path, "percent"), percent) if percent is not None else 0.0
    return Part(path, count, total, percent, half, count_name)


def _count_within(record: StudyRecord) -> list[Finding]:
    study, out = record.study, []
    lists = ((("population",), ("count", "denominator")), (("outcomes", "binary"),
             ("events", "total")), (("outcomes", "adverse_events"), ("count", "total")),
             (("outcomes", "time_to_event"), ("events",)), (("curves",), ("total_events",)))
    for keys, names in lists:
        for i, entry in enumerate(entry_list(study, keys)):
            arm = getattr(entry, "arm", None)
            n = arm_n(study, arm)
            # a safety population is analysed as treated and may exceed the randomised n
            as_treated = keys == ("outcomes", "adverse_events")
            for name in names:
                value = getattr(entry, name)
                if n is not None and value is not None and value > n:
                    whose = f"arm {arm}" if arm else "all arms"
                    note = ("; fine for an as-treated safety population, else check"
                            if as_treated else "")
                    out.append(make(record, "count-within", (*keys, i, name),
                                    f"expected at most n = {n} ({whose}), got {value}{note}",
                                    {name: value, "n": n},
                                    severity="warning" if as_treated else None))
    return out


def _arms(record: StudyRecord) -> list[Finding]:
    study, out = record.study, []
    total_n = sum(arm.n for arm in study.arms)
    per_arm: dict[tuple[str, str | None], dict[str, tuple[int, object]]] = defaultdict(dict)
    for i, ch in enumerate(study.population):
        if ch.arm is not None:
            per_arm[(ch.characteristic, ch.label)][ch.arm] = (i, ch)
    for i, ch in enumerate(study.population):
        if ch.arm is not None:
            continue
        if ch.denominator is not None and ch.denominator < total_n:
            out.append(make(record, "arms-total", ("population", i, "denominator"),
                            f"expected the study total {total_n} (sum of the arms' n), got "
                            f"{ch.denominator}; fine if data were missing, else check",
                            {"denominator": ch.denominator, "sum_arm_n": total_n}))
        parts = per_arm.get((ch.characteristic, ch.label), {})
        if len(study.arms) < 2 or set(parts) != {a.id for a in study.arms}:
            continue
        for name in ("count", "denominator"):
            values = [getattr(e, name) for _, e in parts.values()]
            own = getattr(ch, name)
            if own is None or any(v is None for v in values) or sum(values) == own:
                continue
            out.append(make(record, "arms-sum", ("population", i, name),
                            f"expected the sum over arms {' + '.join(map(str, values))} = "
                            f"{sum(values)}, got {own}", {name: own, "sum_arms": sum(values)},
                            related=tuple(("population", j, name) for j, _ in parts.values())))
    return out


def _exceeds(record: StudyRecord, check: str, big: Part, small: Part, what: str) -> list[Finding]:
    """Finding when ``small`` (a subset) is larger than ``big``: counts if comparable, else %."""
    same_total = big.total is None or small.total is None or big.total == small.total
    if big.count is not None and small.count is not None and same_total:
        if small.count <= big.count:
            return []
        return [make(record, check, (*small.path, small.count_name),
                     f"expected {what} <= {big.count}, got {small.count}",
                     {"subset": small.count, "superset": big.count},
                     related=((*big.path, big.count_name),))]
    if big.percent is None or small.percent is None or not same_total:
        return []
    if small.percent - small.half <= big.percent + big.half:
        return []
    return [make(record, check, (*small.path, "percent"), f"expected {what} <= "
                 f"{fmt(big.percent)}%, got {fmt(small.percent)}%",
                 {"subset": small.percent, "superset": big.percent},
                 related=((*big.path, "percent"),))]


def _sum_check(record: StudyRecord, check: str, whole: Part, parts: list[Part], names: str,
               exact: bool, at: Path_ | None = None) -> list[Finding]:
    """``sum(parts) == whole`` (``exact``) or ``<= whole``; counts if all given, else percents.

    The finding is located at ``at``, by default the whole's count (or percent) field.
    """
    counts = [p.count for p in parts]
    same_total = len({p.total for p in [whole, *parts] if p.total is not None}) <= 1
    relation = "=" if exact else "<="
    related = tuple((*p.path, p.count_name if p.count is not None else "percent")
                    for p in parts)
    if whole.count is not None and all(c is not None for c in counts) and same_total:
        total = sum(c for c in counts if c is not None)
        if (total == whole.count) if exact else (total <= whole.count):
            return []
        return [make(record, check, at or (*whole.path, whole.count_name),
                     f"expected {names} {relation} {whole.count}, got "
                     f"{' + '.join(map(str, counts))} = {total}",
                     {"sum": total, "whole": whole.count}, related=related)]
    pcts = [p.percent for p in parts]
    if whole.percent is None or any(x is None for x in pcts) or not same_total:
        return []
    total_pct = sum(x for x in pcts if x is not None)
    slack = whole.half + sum(p.half for p in parts)
    gap = total_pct - whole.percent
    if (abs(gap) if exact else gap) <= slack + 1e-9:
        return []
    return [make(record, check, at or (*whole.path, "percent"),
                 f"expected {names} {relation} {fmt(whole.percent)}% within rounding "
                 f"(±{fmt(slack)}), got {' + '.join(fmt(x) for x in pcts)} = {fmt(total_pct)}%",
                 {"sum_percent": total_pct, "whole_percent": whole.percent}, related=related)]


def _responses(record: StudyRecord) -> list[Finding]:
    groups: dict[tuple[object, ...], dict[str, Part]] = defaultdict(dict)
    for i, b in enumerate(record.study.outcomes.binary):
        key = (b.arm, b.criteria, b.assessment, b.population)
        groups[key][b.endpoint] = _part(record, ("outcomes", "binary", i), b.events, b.total,
                                        b.percent, "events")
    out: list[Finding] = []
    for g in groups.values():
        if "orr" in g and "cr" in g and "pr" in g:
            out += _sum_check(record, "subgroup-sum", g["orr"], [g["cr"], g["pr"]],
                              "CR + PR", exact=True)
        if "dcr" in g and all(k in g for k in ("cr", "pr", "sd")):
            out += _sum_check(record, "subgroup-sum", g["dcr"], [g["cr"], g["pr"], g["sd"]],
                              "CR + PR + SD", exact=True)
        if "dcr" in g and "orr" in g:
            out += _exceeds(record, "subgroup-sum", g["dcr"], g["orr"], "ORR within DCR:")
        best = [g[k] for k in ("cr", "pr", "sd", "pd") if k in g]
        total = next((p.total for p in g.values() if p.total), None)
        if len(best) >= 2 and total is not None:
            whole = Part(best[0].path, total, total, 100.0, 0.0, "total")
            out += _sum_check(record, "subgroup-sum", whole, best,
                              "CR + PR + SD + PD (best responses)", exact=False,
                              at=(*best[-1].path, best[-1].count_name))
    return out


CATEGORIES = (("bclc_a", "bclc_b", "bclc_c"), ("child_pugh_a", "child_pugh_b"),
              ("ecog_0", "ecog_1", "ecog_2plus"))
"""Mutually exclusive characteristic categories: their counts add up to at most n."""


def _categories(record: StudyRecord) -> list[Finding]:
    study, out = record.study, []
    by_arm: dict[str | None, dict[str, Part]] = defaultdict(dict)
    for i, ch in enumerate(study.population):
        by_arm[ch.arm].setdefault(ch.characteristic, _part(
            record, ("population", i), ch.count, ch.denominator, ch.percent))
    for arm, chars in by_arm.items():
        for group in CATEGORIES:
            parts = [chars[c] for c in group if c in chars]
            if len(parts) < 2:
                continue
            n = next((p.total for p in parts if p.total), None) or arm_n(study, arm)
            if n is None:
                continue
            whole = Part(parts[-1].path, n, n, 100.0, 0.0)
            field = "count" if all(p.count is not None for p in parts) else "percent"
            out += _sum_check(record, "category-sum", whole, parts,
                              f"{' + '.join(c for c in group if c in chars)} (exclusive "
                              f"categories of n = {n})", exact=False,
                              at=(*parts[-1].path, field))
    return out


GRADE_NESTING = (("any", "3+"), ("3+", "5"), ("3+", "3-4"), ("3+", "3"), ("3-4", "3"),
                 ("any", "1-2"), ("any", "3-4"), ("any", "3"), ("any", "5"))
"""(wider, narrower) grade bands: patients with the narrower band are among the wider's."""


def _adverse_events(record: StudyRecord) -> list[Finding]:
    table: dict[tuple[object, ...], Part] = {}
    for i, ae in enumerate(record.study.outcomes.adverse_events):
        group = (ae.arm, ae.attribution, getattr(ae, "population", None))
        table.setdefault((*group, ae.term.lower(), ae.grade), _part(
            record, ("outcomes", "adverse_events", i), ae.count, ae.total, ae.percent))
    out: list[Finding] = []
    for (*arm_group, term, grade), part in table.items():
        for wide, narrow in GRADE_NESTING:
            if grade == narrow and (*arm_group, term, wide) in table:
                out += _exceeds(record, "ae-nesting", table[(*arm_group, term, wide)],
                                part, f"grade {narrow} {term} within grade {wide}:")
        if term != "any" and (*arm_group, "any", grade) in table:
            out += _exceeds(record, "ae-nesting", table[(*arm_group, "any", grade)], part,
                            f"{term} within any adverse event of grade {grade}:")
    return out


def check(record: StudyRecord) -> list[Finding]:
    """All count checks of one study file."""
    return (_count_within(record) + _arms(record) + _responses(record) + _categories(record)
            + _adverse_events(record))
