"""The censoring pattern when no risk table is published: potential follow-up uniform on [a, τ].

Without a risk table, Guyot et al. (2012, BMC Med Res Methodol 12:9) assume no censoring before
the end of follow-up τ (N only), or spread the censorings of the one interval [0, τ] evenly
(total events D known). Both ignore what trials look like: with staggered entry and analysis at a
cut-off, each patient's potential follow-up C is roughly uniform on [a, τ], where a is the
minimum follow-up (time from the last entry to the cut-off; Schoenfeld 1983, Biometrics 39:499,
uses the same accrual/follow-up model for trial design). Under independent censoring a patient is
censored at C if still alive then, so

* censorings occur with density ∝ S(t) on [a, τ] (placed evenly in the area under S from a);
* the expected number of events is N (1 − m(a)), with m(a) = mean of S over [a, τ].

m(a) decreases from RMST(τ)/τ (a = 0) to S(τ) (a = τ, no censoring before τ). With D known, a
solves N (1 − m(a)) = D (a = 0 when D is below what a = 0 allows: censoring is then earlier than
uniform, and the even spread from 0 is kept), then shrunk by :data:`FOLLOW_UP_SHRINK`. With N
only, a is set to
:data:`MIN_FOLLOW_UP_FRACTION` of τ, a prior measured on real data
(benchmarks/bench_km_real_ipd.py), and the events it implies are used as D; the range of event
counts the curve allows is reported beside it (:func:`event_range`).
"""

from __future__ import annotations

import numpy as np

#: Minimum follow-up as a fraction of the longest, assumed when neither a risk table nor total
#: events are published (chosen on R survival's data sets, benchmarks/bench_km_real_ipd.py).
#: Leave-one-data-set-out (benchmarks/km_censoring_loo.py, 30 digitizations, seeds 100 and 7):
#: re-chosen on nine sets by |Δlog HR| it is 0.3 in 10/10 folds (seed 100) and 0.2–0.3 (seed 7,
#: where 0.2 and 0.3 tie in-sample, 0.0138 vs 0.0140); the held-out |Δlog HR| of the re-chosen
#: value is no better than 0.3's, so 0.3 is kept.
MIN_FOLLOW_UP_FRACTION = 0.3

#: With D known, censoring starts at this fraction of the solved minimum follow-up: a hedge for
#: early dropout, which the one-parameter model cannot represent (on the real-IPD benchmark,
#: three seed sets: |Δlog HR| 0.010–0.011 against 0.011–0.012 unshrunk, and sup |ΔKM| back to the
#: level of an even spread from time 0, 0.049–0.050, from 0.051–0.053).
#: Leave-one-data-set-out (benchmarks/km_censoring_loo.py): re-chosen on nine sets by |Δlog HR|
#: it is 0.9 in 9/10 and 8/10 folds (else 1.0); kept.
FOLLOW_UP_SHRINK = 0.9


def area_from(t: np.ndarray, s: np.ndarray, a: float) -> np.ndarray:
    """Cumulative area under the step curve (t, s) counted from time ``a`` on, at each knot.

    ``t`` strictly increasing, ``s`` the step value from ``t[i]`` to ``t[i+1]``; survival × months.
    """
    start = np.minimum(np.maximum(t[:-1], a), t[1:])
    return np.concatenate(([0.0], np.cumsum(s[:-1] * (t[1:] - start))))


def mean_survival(t: np.ndarray, s: np.ndarray, a: float) -> float:
    """m(a): the mean of the step curve over [a, t[-1]] (S(t[-1]) when the span is empty)."""
    span = float(t[-1]) - a
    if span <= 0:
        return float(s[-1])
    return float(area_from(t, s, a)[-1]) / span


def follow_up_start(t: np.ndarray, s: np.ndarray, n: int, events: int) -> float:
    """Minimum follow-up a with N (1 − m(a)) = D (bisection; m is non-increasing in a).

    Returns 0 when D ≤ N (1 − m(0)) (more censoring than uniform follow-up from 0 gives), and
    t[-1] when D ≥ N (1 − S(τ)) (no censoring before the end).
    """
    target = 1.0 - events / n
    lo, hi = 0.0, float(t[-1])
    if mean_survival(t, s, lo) <= target:
        return 0.0
    if mean_survival(t, s, hi) >= target:
        return hi
    for _ in range(50):
        mid = 0.5 * (lo + hi)
        if mean_survival(t, s, mid) > target:
            lo = mid
        else:
            hi = mid
    return lo


def implied_events(t: np.ndarray, s: np.ndarray, n: int, a: float) -> int:
    """Expected events N (1 − m(a)), rounded, with follow-up uniform on [a, τ]; at least one
    when the curve drops at all (a drop needs a death)."""
    expected = round(n * (1.0 - mean_survival(t, s, a)))
    return max(expected, 1) if s[-1] < 1.0 else expected


def event_range(t: np.ndarray, s: np.ndarray, n: int) -> tuple[int, int]:
    """Event counts the curve allows under uniform potential follow-up on [a, τ], a in [0, τ].

    The upper end, N (1 − S(τ)), is a hard limit (no censoring before the end: any censoring
    makes each death a larger drop, so fewer deaths draw the same curve); the lower end is
    follow-up spread evenly from time 0, N (1 − RMST(τ)/τ). Heavier early censoring than that
    (early dropout) would allow fewer still.
    """
    return implied_events(t, s, n, 0.0), implied_events(t, s, n, float(t[-1]))
