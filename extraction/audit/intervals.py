"""Estimates against their confidence intervals, and p-values against ratio CIs.

Check ids: ``estimate-in-ci``, ``ci-log-symmetry``, ``p-ci``, ``p-direction``.

Every comparison allows for the rounding of the printed numbers: a value printed with ``d``
decimals may be anything within ``± 0.5·10^-d``, and a check fails only when no choice of true
values inside those rounding boxes satisfies it (interval arithmetic on the box corners; each
quantity is monotone in each argument, so the corners bound it).

For a ratio with a Wald CI on the log scale, ``ln U − ln E = ln E − ln L`` and the standard
error is ``se = (ln U − ln L) / (2 z_{1−α/2})``; the p-value of ``H0: ratio = 1`` is
``p = 2 Φ(−|ln E| / se)`` (Altman & Bland 2011, "How to obtain the P value from a confidence
interval", BMJ 343:d2304, steps 1–3). A p from a log-rank test or a CI from a profile likelihood
differs somewhat, hence ``p-ci`` and ``ci-log-symmetry`` are warnings; ``p-direction`` (p below
α although the CI contains 1, or the reverse) is an error.
"""

from __future__ import annotations

import math

from extraction.audit.findings import Finding, Number, make
from extraction.audit.precision import decimals, fmt, half_unit
from extraction.levels import critical_value
from extraction.loader import StudyRecord
from extraction.schema_common import parse_p
from extraction.schema_entries import Contrast

Path_ = tuple[str | int, ...]
TINY = 1e-12


def p_from_z(z: float, sided: int = 2) -> float:
    """p-value of a standard normal statistic: ``2Φ(−|z|)`` (or ``Φ(−|z|)`` one-sided)."""
    tail = 0.5 * math.erfc(abs(z) / math.sqrt(2))
    return min(1.0, tail * (2 if sided == 2 else 1))


def _box(value: float, half: float) -> tuple[float, float]:
    return max(value - half, TINY), value + half


def _in_ci(record: StudyRecord, path: Path_, names: tuple[str, str, str],
           values: tuple[float | None, float | None, float | None], what: str) -> list[Finding]:
    est, lo, hi = values
    if est is None:
        return []
    h_est = half_unit(record, (*path, names[0]), est)
    out = []
    if lo is not None and est + h_est < lo - half_unit(record, (*path, names[1]), lo):
        out.append(make(record, "estimate-in-ci", (*path, names[0]),
                        f"expected the {what} inside its CI ({fmt(lo)}, {fmt(hi)}), got "
                        f"{fmt(est)} below the lower bound", {names[0]: est, names[1]: lo,
                                                              names[2]: hi},
                        related=((*path, names[1]),)))
    if hi is not None and est - h_est > hi + half_unit(record, (*path, names[2]), hi):
        out.append(make(record, "estimate-in-ci", (*path, names[0]),
                        f"expected the {what} inside its CI ({fmt(lo)}, {fmt(hi)}), got "
                        f"{fmt(est)} above the upper bound", {names[0]: est, names[1]: lo,
                                                              names[2]: hi},
                        related=((*path, names[2]),)))
    return out


def p_range_from_ci(est: tuple[float, float], lo: tuple[float, float], hi: tuple[float, float],
                    level: float, sided: int) -> tuple[float, float, float]:
    """(smallest, central, largest) p recomputed from a ratio CI over the rounding boxes.

    Each argument is ``(printed value, half unit)``. Altman & Bland 2011, steps 1-3.
    """
    zc = critical_value(level)
    e_lo, e_hi = _box(*est)
    l_lo, l_hi = _box(*lo)
    u_lo, u_hi = _box(*hi)
    abs_min = 0.0 if e_lo <= 1 <= e_hi else min(abs(math.log(e_lo)), abs(math.log(e_hi)))
    abs_max = max(abs(math.log(e_lo)), abs(math.log(e_hi)))
    w_max = math.log(u_hi) - math.log(l_lo)
    w_min = math.log(u_lo) - math.log(l_hi)
    z_min = 2 * zc * abs_min / w_max
    z_max = math.inf if w_min <= 0 else 2 * zc * abs_max / w_min
    z_mid = 2 * zc * abs(math.log(est[0])) / (math.log(hi[0]) - math.log(lo[0])) \
        if hi[0] > lo[0] else math.inf
    return p_from_z(z_max, sided), p_from_z(z_mid, sided), p_from_z(z_min, sided)


def reported_p_range(text: str) -> tuple[float, float]:
    """Range of true p a printed p-value allows: ``'0.04' -> (0.035, 0.045)``, ``'<0.001' ->
    (0, 0.001)``."""
    relation, value = parse_p(text)
    if relation.startswith("<") or relation == "≤":
        return 0.0, value
    if relation.startswith(">") or relation == "≥":
        return value, 1.0
    half = 0.5 * 10.0 ** -decimals(text.lstrip("=").strip())
    return max(0.0, value - half), min(1.0, value + half)


def p_not_below(text: str, alpha: float) -> bool:
    """True when the printed p says ``p >= alpha`` for every true p it allows.

    ``'>0.05'`` and ``'≥0.05'`` say so at ``alpha = 0.05`` (the bound itself is excluded from
    ``p < alpha``); a rounded ``'0.05'`` (0.045 to 0.055) does not.
    """
    relation, value = parse_p(text)
    if relation[0] in ">≥":
        return value >= alpha - TINY  # alpha = 1 - 95/100 is 0.05000000000000004
    return reported_p_range(text)[0] > alpha


def p_below(text: str, alpha: float) -> bool:
    """True when the printed p says ``p < alpha`` for every true p it allows (``'<0.05'``,
    ``'≤0.04'``, ``'0.03'`` at ``alpha = 0.05``).

    ``'≤0.05'`` allows ``p = alpha`` but no ``p > alpha``, which a CI containing 1 implies.
    """
    relation, value = parse_p(text)
    if relation[0] in "<≤":
        return value <= alpha + TINY
    return reported_p_range(text)[1] < alpha


def _symmetry(record: StudyRecord, path: Path_, c: Contrast) -> list[Finding]:
    assert c.ci_lower is not None and c.ci_upper is not None
    e_lo, e_hi = _box(c.estimate, half_unit(record, (*path, "estimate"), c.estimate))
    l_lo, l_hi = _box(c.ci_lower, half_unit(record, (*path, "ci_lower"), c.ci_lower))
    u_lo, u_hi = _box(c.ci_upper, half_unit(record, (*path, "ci_upper"), c.ci_upper))
    # symmetric on the log scale <=> e^2 = l*u for some values in the boxes
    if e_lo ** 2 <= l_hi * u_hi and l_lo * u_lo <= e_hi ** 2:
        return []
    below = math.log(c.estimate / c.ci_lower)
    above = math.log(c.ci_upper / c.estimate)
    return [make(record, "ci-log-symmetry", (*path, "ci_upper"),
                 f"expected ln(upper/estimate) = ln(estimate/lower) within rounding, got "
                 f"{above:.3f} vs {below:.3f} (geometric centre of the CI "
                 f"{math.sqrt(c.ci_lower * c.ci_upper):.3g}, estimate {fmt(c.estimate)}); "
                 "check for a typo or a non-Wald CI", {"estimate": c.estimate,
                                                       "ci_lower": c.ci_lower,
                                                       "ci_upper": c.ci_upper},
                 related=((*path, "estimate"), (*path, "ci_lower")))]


def _p_checks(record: StudyRecord, path: Path_, c: Contrast) -> list[Finding]:
    assert c.ci_lower is not None and c.ci_upper is not None and c.p_value is not None
    h = {k: half_unit(record, (*path, k), getattr(c, k)) for k in
         ("estimate", "ci_lower", "ci_upper")}
    numbers: dict[str, Number] = {"estimate": c.estimate, "ci_lower": c.ci_lower,
                                  "ci_upper": c.ci_upper, "p_value": c.p_value}
    related = ((*path, "ci_lower"), (*path, "ci_upper"), (*path, "estimate"))
    alpha = (1 - c.ci_level / 100) / (1 if c.p_sided == 2 else 2)
    p_text = record.raw_text(*path, "p_value") or c.p_value  # raw keeps '0.040'
    p_lo, p_hi = reported_p_range(p_text)
    excludes = c.ci_lower - h["ci_lower"] > 1 or c.ci_upper + h["ci_upper"] < 1
    includes = c.ci_lower + h["ci_lower"] < 1 < c.ci_upper - h["ci_upper"]
    if (excludes and p_not_below(p_text, alpha)) or (includes and p_below(p_text, alpha)):
        ci_says = "excludes" if excludes else "contains"
        return [make(record, "p-direction", (*path, "p_value"),
                     f"expected p {'<' if excludes else '>'} {alpha:g} because the "
                     f"{c.ci_level:g}% CI ({fmt(c.ci_lower)}, {fmt(c.ci_upper)}) {ci_says} 1, "
                     f"got p {c.p_value}", numbers, related=related)]
    if c.p_test not in ("wald", "not_reported"):
        return []  # a log-rank/score/LR p need not match a Wald CI: p-ci only for Wald p-values
    low, mid, high = p_range_from_ci((c.estimate, h["estimate"]), (c.ci_lower, h["ci_lower"]),
                                     (c.ci_upper, h["ci_upper"]), c.ci_level, c.p_sided)
    if low <= p_hi and p_lo <= high:
        return []
    return [make(record, "p-ci", (*path, "p_value"),
                 f"expected p in [{low:.2g}, {high:.2g}] from the CI (Wald on the log scale: "
                 f"p = {mid:.2g}), got {c.p_value}; a log-rank p or a non-Wald CI can differ",
                 {**numbers, "p_recomputed": mid}, related=related)]


def check(record: StudyRecord) -> list[Finding]:
    """All interval checks of one study file."""
    study, out = record.study, []
    for i, c in enumerate(study.contrasts):
        path = ("contrasts", i)
        out += _in_ci(record, path, ("estimate", "ci_lower", "ci_upper"),
                      (c.estimate, c.ci_lower, c.ci_upper), c.measure.upper())
        if c.ci_lower is None or c.ci_upper is None:
            continue
        out += _symmetry(record, path, c)
        if c.p_value is not None:
            out += _p_checks(record, path, c)
    for i, b in enumerate(study.outcomes.binary):
        out += _in_ci(record, ("outcomes", "binary", i), ("percent", "ci_lower", "ci_upper"),
                      (b.percent, b.ci_lower, b.ci_upper), "percent")
    for i, t in enumerate(study.outcomes.time_to_event):
        for j, lm in enumerate(t.landmarks):
            out += _in_ci(record, ("outcomes", "time_to_event", i, "landmarks", j),
                          ("percent", "ci_lower", "ci_upper"),
                          (lm.percent, lm.ci_lower, lm.ci_upper), "landmark percent")
    return out
