"""Properties of the rounding-aware checks: a correctly printed number is never reported."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from extraction.audit.intervals import p_range_from_ci, reported_p_range
from extraction.audit.precision import counts_printing, rounds_to
from extraction.audit.proportions import METHODS, clopper_pearson, clopper_pearson_within


def _print(exact: Fraction, digits: int, mode: str) -> str:
    value = Decimal(exact.numerator) / Decimal(exact.denominator)
    return str(value.quantize(Decimal(1).scaleb(-digits), rounding=mode))


@settings(max_examples=300, deadline=None)
@given(n=st.integers(1, 2000), data=st.data(), digits=st.integers(0, 2),
       mode=st.sampled_from([ROUND_HALF_UP, ROUND_HALF_EVEN]))
def test_a_percent_printed_from_its_count_is_accepted(n, data, digits, mode):
    k = data.draw(st.integers(0, n))
    raw = _print(Fraction(100 * k, n), digits, mode)
    assert rounds_to(Fraction(100 * k, n), raw)
    assert k in counts_printing(raw, n)


@settings(max_examples=200, deadline=None)
@given(est=st.floats(0.05, 20), width=st.floats(0.05, 2.0), digits=st.integers(1, 3))
def test_p_printed_from_a_wald_ci_lies_in_the_recomputed_range(est, width, digits):
    # a Wald CI around est on the log scale, printed to `digits` decimals, with its exact p
    se = width / (2 * 1.959963984540054)
    lo, hi = est * math.exp(-width / 2), est * math.exp(width / 2)
    p = 2 * 0.5 * math.erfc(abs(math.log(est)) / se / math.sqrt(2))
    printed = [round(v, digits) for v in (est, lo, hi)]
    if min(printed) <= 0:
        return
    half = 0.5 * 10.0 ** -digits
    low, _, high = p_range_from_ci((printed[0], half), (printed[1], half), (printed[2], half),
                                   95, 2)
    assert low <= p * (1 + 1e-9) and p <= high * (1 + 1e-9) + 1e-300
    p_lo, p_hi = reported_p_range(f"{p:.3f}")
    assert p_lo - 1e-12 <= p <= p_hi + 1e-12


@settings(max_examples=100, deadline=None)
@given(n=st.integers(1, 300), data=st.data())
def test_every_proportion_ci_contains_the_estimate(n, data):
    k = data.draw(st.integers(0, n))
    for name, method in METHODS.items():
        interval = method(k, n, 95)
        if interval is None:  # logit: undefined for 0 or n events, and only there
            assert name == "logit" and k in (0, n)
            continue
        lower, upper = interval
        assert 0 <= lower <= k / n + 1e-12 and k / n - 1e-12 <= upper <= 1


@settings(max_examples=150, deadline=None)
@given(n=st.integers(1, 400), data=st.data(), digits=st.integers(1, 2))
def test_exact_ci_bracketing_agrees_with_solving_for_the_bounds(n, data, digits):
    x = data.draw(st.integers(0, n))
    lower, upper = clopper_pearson(x, n, 95)
    places = digits + 2  # a percent printed with `digits` decimals, as a proportion
    half = 0.5 * 10.0 ** -places

    def box(value: float, shift: float = 0.0) -> tuple[float, float]:
        printed = round(value + shift, places)
        return printed - half, printed + half

    assert clopper_pearson_within(x, n, 95, box(lower), box(upper))
    moved = 4 * half  # printed two units of the last digit away: no longer the exact CI
    assert not clopper_pearson_within(x, n, 95, box(lower, moved), box(upper, moved))
