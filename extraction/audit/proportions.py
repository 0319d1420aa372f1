"""A proportion's printed CI against the CIs that common methods give for its events and total.

Check id: ``binary-ci`` (warning). The printed ``(ci_lower, ci_upper)`` of a binary outcome must,
within the rounding of its printed digits, equal the interval of at least one of:

* Clopper–Pearson exact (Clopper & Pearson 1934, Biometrika 26:404; R ``binom.test``);
* Wilson score (Wilson 1927, JASA 22:209; R ``prop.test(correct = FALSE)``);
* Wilson score with continuity correction (Newcombe 1998, Stat Med 17:857, method 4; R
  ``prop.test()`` default, whose correction is ``min(0.5, |x − n/2|)``);
* Wald ``p ± z √(p(1−p)/n)`` clipped to [0, 1];
* logit (Wald on the log-odds scale, Brown, Cai & DasGupta 2001, Stat Sci 16:101, section
  4.2.2): ``expit(logit p ± z / √(n p (1−p)))``, undefined for 0 or n events;
* Agresti–Coull (Agresti & Coull 1998, Am Stat 52:119, "adjusted Wald"):
  ``ñ = n + z²``, ``p̃ = (x + z²/2)/ñ``, ``p̃ ± z √(p̃(1−p̃)/ñ)`` clipped to [0, 1];
* Jeffreys (Brown, Cai & DasGupta 2001, section 4.1.2): the ``α/2`` and ``1−α/2`` quantiles of
  ``Beta(x + ½, n − x + ½)`` (R ``qbeta``), with lower bound 0 for ``x = 0`` and upper bound 1 for
  ``x = n`` as the paper defines it.

A CI matching none usually means the events or the total are not the ones the CI was computed
from (e.g. an evaluable subset), which is what this check is for.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from extraction.audit.findings import Finding, make
from extraction.audit.precision import decimals, fmt, half_unit
from extraction.levels import critical_value
from extraction.loader import StudyRecord

Interval = tuple[float, float]


def _log_pmf(k: int, n: int, p: float) -> float:
    return (math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)
            + k * math.log(p) + (n - k) * math.log1p(-p))


def _upper_tail(x: int, n: int, p: float) -> float:
    """P(X >= x) for X ~ Binomial(n, p), 0 < p < 1 (terms by the ratio recurrence)."""
    if x <= 0:
        return 1.0
    if x > n:
        return 0.0
    term = math.exp(_log_pmf(x, n, p))
    total, odds = term, p / (1 - p)
    for k in range(x, n):
        term *= (n - k) / (k + 1) * odds
        total += term
    return min(1.0, total)


def _solve(f: Callable[[float], float], target: float) -> float:
    """Root of the increasing ``f(p) = target`` on (0, 1) by bisection (to 1e-12)."""
    lo, hi = 0.0, 1.0
    for _ in range(60):
        mid = (lo + hi) / 2
        if f(mid) < target:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def clopper_pearson(x: int, n: int, level: float = 95) -> Interval:
    """Exact binomial CI (proportions): ``P(X >= x | L) = α/2``, ``P(X <= x | U) = α/2``."""
    alpha = 1 - level / 100
    lower = 0.0 if x == 0 else _solve(lambda p: _upper_tail(x, n, p), alpha / 2)
    upper = 1.0 if x == n else _solve(lambda p: _upper_tail(x + 1, n, p), 1 - alpha / 2)
    return lower, upper


def clopper_pearson_within(x: int, n: int, level: float, lower: tuple[float, float],
                           upper: tuple[float, float]) -> bool:
    """Whether the exact CI's bounds lie in the boxes ``lower``/``upper`` (proportions).

    Both defining tails increase with p, so a bound lies in ``[a, b]`` exactly when the tail at
    ``a`` is at most its target and the tail at ``b`` at least: four tail evaluations instead
    of solving for the bounds.
    """
    alpha = 1 - level / 100

    def brackets(box: tuple[float, float], x_tail: int, target: float) -> bool:
        a, b = max(box[0], 0.0), min(box[1], 1.0)
        if a > b:
            return False
        a, b = max(a, 1e-300), min(b, 1 - 1e-16)
        return _upper_tail(x_tail, n, a) <= target <= _upper_tail(x_tail, n, b)

    ok_low = (lower[0] <= 0 <= lower[1]) if x == 0 else brackets(lower, x, alpha / 2)
    ok_high = (upper[0] <= 1 <= upper[1]) if x == n else brackets(upper, x + 1, 1 - alpha / 2)
    return ok_low and ok_high


def wilson(x: int, n: int, level: float = 95, correct: bool = False) -> Interval:
    """Wilson score CI, optionally with R ``prop.test``'s continuity correction."""
    z = critical_value(level)
    est = x / n
    yates = min(0.5, abs(x - n / 2)) if correct else 0.0
    z22n = z * z / (2 * n)

    def bound(pc: float, sign: int) -> float:
        return (pc + z22n + sign * z * math.sqrt(pc * (1 - pc) / n + z22n / (2 * n))) / (
            1 + 2 * z22n)

    pc_hi, pc_lo = est + yates / n, est - yates / n
    upper = 1.0 if pc_hi >= 1 else bound(pc_hi, 1)
    lower = 0.0 if pc_lo <= 0 else bound(pc_lo, -1)
    return lower, upper


def wald(x: int, n: int, level: float = 95) -> Interval:
    """Normal-approximation CI ``p ± z √(p(1−p)/n)``, clipped to [0, 1]."""
    est, z = x / n, critical_value(level)
    half = z * math.sqrt(est * (1 - est) / n)
    return max(0.0, est - half), min(1.0, est + half)


def logit(x: int, n: int, level: float = 95) -> Interval | None:
    """Wald CI on the log-odds scale, ``expit(logit p̂ ± z/√(n p̂(1−p̂)))``; None for 0 or n
    events (the log-odds are infinite)."""
    if x <= 0 or x >= n:
        return None
    est, z = x / n, critical_value(level)
    centre, half = math.log(est / (1 - est)), z / math.sqrt(n * est * (1 - est))
    return _expit(centre - half), _expit(centre + half)


def _expit(v: float) -> float:
    return 1 / (1 + math.exp(-v))


def agresti_coull(x: int, n: int, level: float = 95) -> Interval:
    """Agresti & Coull (1998) interval: Wald around ``(x + z²/2)/(n + z²)`` with ``n + z²``
    trials, clipped to [0, 1]."""
    z = critical_value(level)
    n_adj = n + z * z
    centre = (x + z * z / 2) / n_adj
    half = z * math.sqrt(centre * (1 - centre) / n_adj)
    return max(0.0, centre - half), min(1.0, centre + half)


def jeffreys(x: int, n: int, level: float = 95) -> Interval:
    """Equal-tailed Jeffreys interval: quantiles of ``Beta(x + ½, n − x + ½)``; 0 / 1 at the
    edges (Brown, Cai & DasGupta 2001)."""
    from scipy.special import betaincinv  # deferred: only needed once simpler methods fail

    alpha = 1 - level / 100
    lower = 0.0 if x == 0 else float(betaincinv(x + 0.5, n - x + 0.5, alpha / 2))
    upper = 1.0 if x == n else float(betaincinv(x + 0.5, n - x + 0.5, 1 - alpha / 2))
    return lower, upper


METHODS: dict[str, Callable[[int, int, float], Interval | None]] = {
    "Wilson": wilson,
    "Wilson (continuity-corrected)": lambda x, n, level: wilson(x, n, level, correct=True),
    "Wald": wald,
    "Clopper-Pearson": clopper_pearson,
    "logit": logit,
    "Agresti-Coull": agresti_coull,
    "Jeffreys": jeffreys,
}
"""Proportion CI methods the printed CI is compared with (name -> function in proportions; None
where a method is undefined)."""


def check(record: StudyRecord) -> list[Finding]:
    """``binary-ci`` for every binary outcome with events, total and both CI bounds."""
    out = []
    for i, b in enumerate(record.study.outcomes.binary):
        if None in (b.events, b.total, b.ci_lower, b.ci_upper):
            continue
        assert b.events is not None and b.total is not None
        assert b.ci_lower is not None and b.ci_upper is not None
        path = ("outcomes", "binary", i)
        h_lo = half_unit(record, (*path, "ci_lower"), b.ci_lower) + 1e-9
        h_hi = half_unit(record, (*path, "ci_upper"), b.ci_upper) + 1e-9
        level = getattr(b, "ci_level", 95)
        boxes = ((b.ci_lower - h_lo) / 100, (b.ci_lower + h_lo) / 100), (
            (b.ci_upper - h_hi) / 100, (b.ci_upper + h_hi) / 100)
        if clopper_pearson_within(b.events, b.total, level, *boxes):
            continue
        tried = {}
        for name, method in METHODS.items():
            interval = method(b.events, b.total, level)
            if interval is None:
                continue
            lo, hi = (100 * v for v in interval)
            if abs(lo - b.ci_lower) <= h_lo and abs(hi - b.ci_upper) <= h_hi:
                break
            tried[name] = (lo, hi)
        else:
            shown_lo = record.raw_text(*path, "ci_lower") or fmt(b.ci_lower)
            shown_hi = record.raw_text(*path, "ci_upper") or fmt(b.ci_upper)
            digits = max(1, decimals(shown_lo), decimals(shown_hi))
            listing = "; ".join(f"{k} {lo:.{digits}f}-{hi:.{digits}f}"
                                for k, (lo, hi) in tried.items())
            out.append(make(record, "binary-ci", (*path, "ci_lower"),
                            f"expected the CI ({shown_lo}, {shown_hi}) of "
                            f"{b.events}/{b.total} to match a common method, got none: "
                            f"{listing}; check events and total",
                            {"events": b.events, "total": b.total, "ci_lower": b.ci_lower,
                             "ci_upper": b.ci_upper},
                            related=((*path, "ci_upper"), (*path, "events"), (*path, "total"))))
    return out
