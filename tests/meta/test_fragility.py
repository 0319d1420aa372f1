"""Patient fragility of the calibrated verdict: the search against an exhaustive scan, one
patient at the boundary, monotone beyond it, and the median's stated approximation."""

from __future__ import annotations

import math

import numpy as np
import pytest

from meta.decision import decision_test
from meta.effects import median_survival, proportions
from meta.fragility import first_flip, fragility_median, fragility_proportion, shifted_median

# four small historical arms (logit ORR around 30%), a 20-patient index
ARMS = proportions([9, 12, 7, 10], [30, 35, 28, 32], "PLO")
Y, V = list(ARMS.yi), list(ARMS.vi)
FAST = {"draws": 300, "seed": 5}
N = 20


def _verdict(x: int) -> str:
    tab = proportions([x], [N], "PLO")
    return decision_test(Y, V, float(tab.yi[0]), float(tab.vi[0]), **FAST).verdict


VERDICTS = {x: _verdict(x) for x in range(N + 1)}


def _brute(x: int) -> int | None:
    """Smallest |x' - x| with a different verdict, in the allowed direction(s)."""
    v = VERDICTS[x]
    sides = {"above": (-1,), "below": (1,)}.get(v, (-1, 1))
    dist = [abs(y - x) for y in VERDICTS if VERDICTS[y] != v and np.sign(y - x) in sides]
    return min(dist) if dist else None


def test_first_flip_is_exact_on_monotone_functions():
    for limit in (1, 2, 7, 50):
        for t in range(1, limit + 2):
            want = t if t <= limit else None
            assert first_flip(lambda j, t=t: j >= t, limit) == want
            assert first_flip(lambda j, t=t: j >= t, limit, linear=True) == want
    assert first_flip(lambda j: True, 0) is None


@pytest.mark.parametrize("x", [4, 10, 15, 17, 19])
def test_search_equals_brute_force(x):
    got = fragility_proportion(x, N, Y, V, **FAST)
    assert got.verdict == VERDICTS[x]
    assert got.patients == _brute(x)
    if got.patients is not None:
        assert got.verdict_after != got.verdict


def test_one_patient_at_the_boundary_and_monotone_beyond():
    above = [x for x in range(N + 1) if VERDICTS[x] == "above"]
    assert above, "the small library must allow an 'above' verdict"
    edge = min(above)
    assert VERDICTS[edge - 1] != "above"
    fi = [fragility_proportion(x, N, Y, V, **FAST).patients for x in above]
    assert fi[0] == 1  # one responder fewer and the verdict is lost
    assert fi == sorted(fi) and fi[-1] == above[-1] - edge + 1  # monotone, +1 per responder
    assert fragility_proportion(edge, N, Y, V, **FAST).kind == "to lose"


def test_within_gains_in_the_nearer_direction():
    x = next(x for x in range(N + 1) if VERDICTS[x] == "within")
    got = fragility_proportion(x, N, Y, V, **FAST)
    assert got.kind == "to gain" and got.patients == _brute(x)


def test_shifted_median():
    assert shifted_median(17.0, 108, 0) == 17.0
    assert shifted_median(17.0, 108, 5) > 17.0 > shifted_median(17.0, 108, -5)
    # S = 0.5 - j/n on the exponential curve with median 17
    assert shifted_median(17.0, 100, 10) == pytest.approx(17 * math.log(1 / 0.4) / math.log(2))
    assert math.isnan(shifted_median(17.0, 10, 5))


def test_median_fragility_against_brute_force():
    arms = median_survival([8.0, 9.5, 10.2, 11.0, 9.0], events=[150, 200, 180, 220, 160])
    ay, av = list(arms.yi), list(arms.vi)
    for m in (16.0, 30.0):
        got = fragility_median(m, 60, 30, ay, av, **FAST)
        lin = fragility_median(m, 60, 30, ay, av, linear=True, **FAST)
        assert got == lin
    strong = fragility_median(30.0, 60, 30, ay, av, **FAST)
    assert strong.verdict == "above" and strong.patients >= 1
    assert strong.value_after < 30.0 and "died before" in strong.change
