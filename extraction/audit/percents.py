"""GRIM-style checks of percents against counts and denominators at the printed precision.

Check ids: ``percent-count`` (count/denominator does not print as the percent),
``percent-grim`` (no integer count of the denominator prints as the percent) and
``percent-count-assumed`` (no denominator given; the count over the arm's n does not print as
the percent). See :mod:`extraction.audit.precision` for the rounding rules (Brown & Heathers 2017).
"""

from __future__ import annotations

from fractions import Fraction

from extraction.audit.findings import Finding, make
from extraction.audit.precision import counts_printing, raw_or_repr, rounds_to, truncates_to
from extraction.audit.walk import arm_denominators, entry_list
from extraction.loader import StudyRecord

Path_ = tuple[str | int, ...]

FIELDS: tuple[tuple[Path_, str, str, str], ...] = (
    (("population",), "count", "percent", "denominator"),
    (("outcomes", "binary"), "events", "percent", "total"),
    (("outcomes", "adverse_events"), "count", "percent", "total"),
)
"""(entry list, count field, percent field, denominator field) of every percent in a study."""


def _pct(count: int, n: int) -> str:
    return f"{count}/{n} = {100 * count / n:.2f}%"


def _counts_text(raw: str, n: int) -> str:
    counts = counts_printing(raw, n)
    if not counts:
        return f"no count of {n} prints as {raw}%"
    return f"count(s) printing as {raw}% of {n}: {', '.join(map(str, counts))}"


def _derived(record: StudyRecord, path: Path_) -> dict[str, str]:
    node: object = record.study
    for key in path:
        node = node[key] if isinstance(key, int) else getattr(node, key)  # type: ignore[index]
    return getattr(node, "derived", {})


def check_percent(record: StudyRecord, path: Path_, count: int | None, percent: float,
                  denominator: int | None, names: tuple[str, str, str],
                  arm: str | None) -> list[Finding]:
    """Findings for one (count, percent, denominator) triple of the entry at ``path``."""
    count_name, percent_name, den_name = names
    raw = raw_or_repr(record, (*path, percent_name), percent)
    entry_derived = _derived(record, path)
    # a derived denominator is an assumption: a mismatch questions it rather than the paper
    assumed = den_name in entry_derived and count_name not in entry_derived
    severity = "warning" if assumed else None
    why = f" ({den_name} is derived: the paper may use another denominator)" if assumed else ""
    at = (*path, percent_name)
    numbers = {percent_name: percent, count_name: count, den_name: denominator}
    if denominator is not None:
        if count is not None:
            exact = Fraction(100 * count, denominator)
            if rounds_to(exact, raw):
                return []
            if truncates_to(exact, raw):
                return [make(record, "percent-count", at,
                             f"{raw}% is {count_name}/{den_name} = {_pct(count, denominator)} "
                             "truncated, not rounded: accepted, check the paper's other "
                             "percents", numbers, related=((*path, count_name), (*path, den_name)),
                             severity="warning")]
            return [make(record, "percent-count", at,
                         f"expected {raw}% to equal {count_name}/{den_name} = "
                         f"{_pct(count, denominator)} at the printed precision; "
                         f"{_counts_text(raw, denominator)}{why}", numbers,
                         related=((*path, count_name), (*path, den_name)), severity=severity)]
        if counts_printing(raw, denominator):
            return []
        if counts_printing(raw, denominator, truncated=True):
            severity, why = "warning", f"{why} (a truncated, not rounded, count/{den_name} fits)"
        return [make(record, "percent-grim", at,
                     f"expected a percent that some whole count of {den_name} {denominator} "
                     f"prints as, got {raw}% (GRIM inconsistent){why}", numbers,
                     related=((*path, den_name),), severity=severity)]
    if count is None:
        return []
    dens = arm_denominators(record.study, arm)
    if not dens or any(rounds_to(Fraction(100 * count, d), raw) for d in dens):
        return []
    tried = "; ".join(_pct(count, d) for d in dens)
    return [make(record, "percent-count-assumed", at,
                 f"no {den_name} given and {raw}% is not {count_name} over the arm's n ({tried}); "
                 f"give the {den_name} the paper used", {**numbers, "arm_n": dens[0]},
                 related=((*path, count_name),))]


def check(record: StudyRecord) -> list[Finding]:
    """All percent checks of one study file."""
    out: list[Finding] = []
    for keys, count_name, percent_name, den_name in FIELDS:
        for i, entry in enumerate(entry_list(record.study, keys)):
            percent = getattr(entry, percent_name)
            if percent is None:
                continue
            out += check_percent(record, (*keys, i), getattr(entry, count_name), percent,
                                 getattr(entry, den_name), (count_name, percent_name, den_name),
                                 getattr(entry, "arm", None))
    return out
