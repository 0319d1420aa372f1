"""Findings of the independent statistics review of the verdict modules: each failed before its
fix (fragility scan instead of bisection; fragility at the reported test's draws).

Smallest reproductions found by the reviewer.
"""

from __future__ import annotations

from meta.decision import decision_test
from meta.effects import proportions
from meta.fragility import fragility_proportion

# Historical arms of finding 1 (k = 4 ORR arms, PLO scale)
HIST_X, HIST_N = [109, 28, 19, 35], [254, 80, 103, 116]


def _plo(x, n):
    t = proportions(list(x), list(n), "PLO")
    return list(t.yi), list(t.vi)


def test_fragility_bisection_agrees_with_exhaustive_scan_when_verdict_is_not_monotone():
    """meta/fragility.py:99-117 bisects assuming the verdict is monotone in j. On the logit
    (Wald, PLO) scale |T| is not monotone near x = n: with N = 23 the verdicts for
    x = 0..23 are 'within' x 21, 'above' at x = 21, 'within' at 22 and 23. Bisection checks
    x = 23 first, sees no flip, and reports "no change within the data" (patients None)
    where the exhaustive scan finds 18 responders."""
    yi, vi = _plo(HIST_X, HIST_N)
    bisect = fragility_proportion(3, 23, yi, vi, linear=False)
    default = fragility_proportion(3, 23, yi, vi)
    scan = fragility_proportion(3, 23, yi, vi, linear=True)
    assert default.patients == scan.patients  # the default scans
    assert scan.patients is not None and 15 <= scan.patients <= 20  # 18 at 1000 draws
    assert bisect.patients is None  # bisection misses it: why it is not the default


def test_fragility_is_about_the_reported_verdict():
    """meta/fragility.py:229-231 re-runs the decision test with 1000 draws (the verdict uses
    4000), and the maximised MC p-value is biased upwards at fewer draws (max over 13 noisy
    tails, (1 + #)/(draws + 1)). At 31/60 the report's verdict is 'above' (p 0.0495) but the
    fragility is computed for 'within' ("1 responder to gain")."""
    yi, vi = [-1.2, -0.9, -1.0, -0.6], [0.03, 0.05, 0.04, 0.06]
    t = proportions([31], [60], "PLO")
    verdict = decision_test(yi, vi, float(t.yi[0]), float(t.vi[0]), check_size=False)
    frag = fragility_proportion(31, 60, yi, vi)
    assert verdict.verdict == "above"
    assert frag.verdict == verdict.verdict, (frag.verdict, frag.kind, frag.patients)
