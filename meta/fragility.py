"""How fragile a verdict is, in index patients.

**Definition.** The *patient fragility* of a verdict of :func:`meta.decision.decision_test` is
the smallest number ``j`` of index patients whose outcome would have to have been different
for the verdict to change, everything else (the historical arms, the index's size) fixed:

* a verdict ``"above"`` or ``"below"`` (the index is beyond the predictive range of the
  historical arms) is *lost* when ``j`` outcomes move towards the benchmark;
* a verdict ``"within"`` is *gained* with ``j`` outcomes moved away from the benchmark,
  whichever direction needs fewer (reported with ``kind="to gain"``, Bomze's negative SIFI).

It generalises the Fragility Index of Walsh et al. (2014, "The statistical significance of
randomized controlled trial results is frequently fragile: a case for a Fragility Index",
J Clin Epidemiol 67(6):622-8, doi:10.1016/j.jclinepi.2013.10.019: patients switched from
non-event to event in one arm of a two-arm trial until Fisher's exact p >= 0.05) and the
survival-inferred fragility index of Bomze et al. (2020, "Survival-Inferred Fragility Index of
Phase 3 Clinical Trials Evaluating Immune Checkpoint Inhibitors", JAMA Netw Open
3(10):e2017675, doi:10.1001/jamanetworkopen.2020.17675: best survivors reassigned between
groups until the log-rank p >= 0.05; negative when significance is gained) to a *single arm
against a random-effects distribution of historical arms*, with the calibrated predictive test
as the verdict.

What changes per patient:

* **proportion** (e.g. ORR): one responder becomes a non-responder or vice versa; the index's
  ``yi``/``vi`` are recomputed from ``x ± j`` of ``n`` (:func:`meta.effects.proportions`, PLO).
* **median survival**: one death before the median that did not happen (the patient survives
  past it) or one survivor who died before it. Approximation (stated in the result): with no
  censoring before the median each such change moves the Kaplan–Meier curve by ``1/n``
  beyond that time, so the median moves to where the curve stood at ``0.5 ∓ j/n``; the curve is
  taken as exponential with the reported median, giving ``m_j = m ln(1/(0.5 ∓ j/n)) / ln 2``,
  and the events become ``d ∓ j`` (variance as :func:`meta.index_uncertainty.median_at_events`).
  With censoring before the median each change moves the curve by more than ``1/n``, so this
  *overstates* the fragility (fewer patients would do).

The search scans ``j = 1, 2, ...`` and stops at the first change: the verdict need not be
monotone in ``j`` (on the logit scale the variance grows near 0 and n, and a verdict can change
and change back; the statistics review found a case where bisection missed the change).
``linear=False`` bisects, for callers who know the verdict is monotone.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from meta.decision import decision_test
from meta.effects import proportions
from meta.index_uncertainty import median_at_events


@dataclass(frozen=True)
class Fragility:
    """The patient fragility of one verdict.

    Attributes
    ----------
    outcome : str
        ``"proportion"`` or ``"median"``.
    verdict : str
        The decision test's verdict on the reported data (``above``, ``below``, ``within``).
    kind : str
        ``"to lose"`` (a verdict beyond the range) or ``"to gain"`` (``within``).
    patients : int or None
        The fragility; None when no change of up to ``searched`` patients changes the verdict.
    change : str
        What the ``patients`` changes are, in words.
    value_after : float
        The index's value after the change (proportion, or median in months); NaN if None.
    verdict_after : str
        The verdict after the change.
    pval, pval_after : float
        Decision-test p-values before and after.
    searched : int
        Largest number of changes examined in each direction.
    definition : str
        One line for the report's methods.
    """

    outcome: str
    verdict: str
    kind: str
    patients: int | None
    change: str
    value_after: float
    verdict_after: str
    pval: float
    pval_after: float
    searched: int
    definition: str


DEFINITION = ("smallest number of index patients whose outcome would have to differ for the "
              "calibrated predictive test's verdict to change (generalises Walsh 2014's "
              "fragility index and Bomze 2020's survival-inferred fragility index)")


def first_flip(flipped: Callable[[int], bool], limit: int, linear: bool = True) -> int | None:
    """Smallest ``j`` in ``1..limit`` with ``flipped(j)``; None if ``flipped(limit)`` is False.

    Bisection assumes ``flipped`` is monotone in ``j``; ``linear=True`` scans every ``j``.
    """
    if limit < 1:
        return None
    if linear:
        return next((j for j in range(1, limit + 1) if flipped(j)), None)
    if not flipped(limit):
        return None
    lo, hi = 0, limit  # flipped(hi) is True; flipped(lo) False (lo = 0 is the data itself)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if flipped(mid):
            hi = mid
        else:
            lo = mid
    return hi


def fragility_proportion(events: int, n: int, yi: Sequence[float], vi: Sequence[float], *,
                         level: float = 95.0, linear: bool = True,
                         **test: Any) -> Fragility:
    """Patient fragility of the verdict on an index proportion ``events / n`` (PLO scale).

    Parameters
    ----------
    events, n : int
        Index responders (or patients with the event) and patients.
    yi, vi : sequence of float
        Historical arms on the logit scale (metafor PLO) and their variances.
    level : float
        Percent, as :func:`meta.decision.decision_test`.
    linear : bool
        Scan j = 1, 2, ... up to the first change (default); False bisects (assumes a
        monotone verdict).
    **test
        Passed to :func:`meta.decision.decision_test` (``method``, ``draws``, ``seed``); the
        search uses 1000 draws per test unless ``draws`` is given (a verdict whose p-value is
        within Monte Carlo error of alpha may differ from a 4000-draw test's).
    """
    if not (0 <= events <= n and n >= 1):
        raise ValueError(f"events, n: expected 0 <= events <= n, n >= 1, got {events}, {n}")

    def verdict_at(x: int) -> tuple[str, float]:
        tab = proportions([x], [n], "PLO")
        res = decision_test(yi, vi, float(tab.yi[0]), float(tab.vi[0]), level=level,
                            **_fast(test))
        return res.verdict, res.pval

    v0, p0 = verdict_at(events)
    steps = {"above": [-1], "below": [1]}.get(v0, [-1, 1])
    best: tuple[int, int] | None = None
    for s in steps:
        limit = events if s < 0 else n - events
        def flips(j: int, s: int = s) -> bool:
            return verdict_at(events + s * j)[0] != v0

        j = first_flip(flips, limit, linear)
        if j is not None and (best is None or j < best[0]):
            best = (j, s)
    searched = max(events, n - events) if len(steps) == 2 else (events if steps[0] < 0
                                                                 else n - events)
    if best is None:
        return Fragility("proportion", v0, _kind(v0), None, "no change within the data",
                         float("nan"), v0, p0, p0, searched, DEFINITION)
    j, s = best
    v1, p1 = verdict_at(events + s * j)
    change = (f"{j} responder{'s' if j > 1 else ''} that {'were' if j > 1 else 'was'} not"
              if s > 0 else f"{j} non-responder{'s' if j > 1 else ''} that "
              f"{'were' if j > 1 else 'was'} responding")
    return Fragility("proportion", v0, _kind(v0), j, change, (events + s * j) / n, v1, p0, p1,
                     searched, DEFINITION)


def shifted_median(median: float, n: int, j: int) -> float:
    """The median after ``j`` outcome changes (``j > 0``: deaths before the median that did not
    happen, so later; ``j < 0``: survivors who died before it, so earlier), months (module
    notes); NaN when the curve would not reach the new level."""
    level = 0.5 - j / n
    if not 0 < level < 1:
        return float("nan")
    return median * math.log(1 / level) / math.log(2)


def fragility_median(median: float, n: int, events: int, yi: Sequence[float],
                     vi: Sequence[float], *, variance: str = "km", level: float = 95.0,
                     linear: bool = True, **test: Any) -> Fragility:
    """Patient fragility of the verdict on an index median (``MED`` scale, log months).

    Parameters
    ----------
    median : float
        Index median survival, months.
    n, events : int
        Patients and events (e.g. the ``central`` count of
        :func:`meta.index_uncertainty.median_interval`, or each of low/central/high).
    yi, vi : sequence of float
        Historical arms' log medians and variances.
    variance : {"km", "exponential"}
        Variance of the index's log median (:func:`meta.index_uncertainty.median_at_events`).
    level, linear, **test
        As :func:`fragility_proportion`.
    """
    if not (1 <= events <= n):
        raise ValueError(f"events: expected 1..n={n}, got {events}")

    def verdict_at(j: int) -> tuple[str, float, float]:
        m = shifted_median(median, n, j)
        row = median_at_events(m, events - j, variance, level)
        res = decision_test(yi, vi, row.yi, row.vi, level=level, **_fast(test))
        return res.verdict, res.pval, m

    v0, p0, _ = verdict_at(0)
    steps = {"above": [-1], "below": [1]}.get(v0, [-1, 1])
    half = math.ceil(n / 2) - 1  # the curve must stay strictly inside (0, 1)
    best: tuple[int, int] | None = None
    for s in steps:
        limit = min(half, events - 1) if s > 0 else min(half, n - events)
        def flips(j: int, s: int = s) -> bool:
            return verdict_at(s * j)[0] != v0

        j = first_flip(flips, limit, linear)
        if j is not None and (best is None or j < best[0]):
            best = (j, s)
    if best is None:
        return Fragility("median", v0, _kind(v0), None, "no change within the data",
                         float("nan"), v0, p0, p0, half, DEFINITION)
    j, s = best
    v1, p1, m1 = verdict_at(s * j)
    plural = "s" if j > 1 else ""
    change = (f"{j} death{plural} before the median that did not happen" if s > 0 else
              f"{j} survivor{plural} past the median who died before it")
    return Fragility("median", v0, _kind(v0), j, change, m1, v1, p0, p1, half, DEFINITION)


def _fast(test: dict[str, Any]) -> dict[str, Any]:
    """Decision-test options for the search: the reported test's options (draws, seed...), so
    that the verdict searched from is the verdict reported (statistics review: 1000 draws here
    against the test's 4000 flipped a verdict at p = 0.0495), without the size check."""
    return {**test, "check_size": False}


def _kind(verdict: str) -> str:
    return "to gain" if verdict == "within" else "to lose"
