"""Printed precision, GRIM rounding rules, and p-values recomputed from CIs against R."""

from __future__ import annotations

import doctest
import json
import math
from fractions import Fraction
from pathlib import Path
from statistics import NormalDist

import pytest

from extraction.audit import precision
from extraction.audit.intervals import p_range_from_ci, reported_p_range
from extraction.audit.precision import counts_printing, decimals, rounds_to, truncates_to
from extraction.audit.proportions import clopper_pearson, wilson
from extraction.levels import critical_value

FIXTURES = Path(__file__).resolve().parents[2] / "reference" / "fixtures"


def test_doctests_of_precision():
    assert doctest.testmod(precision).failed == 0


@pytest.mark.parametrize(("raw", "expected"), [("75.0", 1), ("108", 0), ("0.004", 3),
                                               ("0.0040", 4), ("1e-3", 3), ("NE", 0)])
def test_decimals_follow_the_printed_text(raw, expected):
    assert decimals(raw) == expected


def test_grim_counts_of_the_seed_abstract():
    # Zhai 2025 abstract (evidence/seed-abstract.txt): 58 (53.7%), 69 (63.9%), ORR 75.0%, 30.6%,
    # 17.6% of 108 patients; each percent is printed by exactly one count of 108
    assert counts_printing("53.7", 108) == [58]
    assert counts_printing("63.9", 108) == [69]
    assert counts_printing("75.0", 108) == [81]
    assert counts_printing("30.6", 108) == [33]
    assert counts_printing("17.6", 108) == [19]
    assert counts_printing("53.8", 108) == []  # no count of 108 prints as 53.8%


def test_half_up_and_half_even_are_both_accepted():
    eighth = Fraction(100, 8)  # 12.5% exactly
    assert rounds_to(eighth, "12")  # half-even (R, Python)
    assert rounds_to(eighth, "13")  # half-up (SPSS, SAS, Excel)
    assert not rounds_to(eighth, "14")
    assert counts_printing("13", 8) == [1] and counts_printing("12", 8) == [1]


def test_truncation_is_recognised_separately():
    third_of_14 = Fraction(300, 14)  # 21.428571...%
    assert not rounds_to(third_of_14, "21.42") and truncates_to(third_of_14, "21.42")
    assert counts_printing("21.42", 14) == [] and counts_printing("21.42", 14, True) == [3]


def test_p_from_ci_against_r():
    ref = json.loads((FIXTURES / "audit_cox.json").read_text())
    for row in ref["p_from_ci"]:
        low, mid, high = p_range_from_ci((row["est"], 0.0), (row["lo"], 0.0), (row["hi"], 0.0),
                                         95, 2)
        # same closed formula as R (2*pnorm(-|z|)); erfc vs pnorm agree to ~1e-15 relative
        assert mid == pytest.approx(row["p"], rel=1e-10)
        assert low == pytest.approx(mid, rel=1e-10) and high == pytest.approx(mid, rel=1e-10)


def test_rounding_widens_the_recomputed_p_range():
    # HR 0.58 (0.42-0.79) printed to 2 decimals: the extreme p come from the box corners,
    # smallest |ln HR| with the widest CI (0.585; 0.415-0.795) and the reverse (0.575; 0.425-0.785)
    low, mid, high = p_range_from_ci((0.58, 0.005), (0.42, 0.005), (0.79, 0.005), 95, 2)
    zc = NormalDist().inv_cdf(0.975)
    z_hi = abs(math.log(0.575)) / ((math.log(0.785) - math.log(0.425)) / (2 * zc))
    z_lo = abs(math.log(0.585)) / ((math.log(0.795) - math.log(0.415)) / (2 * zc))
    assert low == pytest.approx(2 * NormalDist().cdf(-z_hi), rel=1e-9)
    assert high == pytest.approx(2 * NormalDist().cdf(-z_lo), rel=1e-9)
    assert low < mid < high
    assert low < 0.001 < high  # so a printed "<0.001" is consistent, "=0.01" is not
    assert critical_value(95) == pytest.approx(1.959963984540054, rel=1e-12)


@pytest.mark.parametrize(("text", "expected"), [("0.04", (0.035, 0.045)), ("<0.001", (0, 0.001)),
                                                (">0.05", (0.05, 1.0)), ("0.040", (0.0395,
                                                                                   0.0405))])
def test_reported_p_range(text, expected):
    assert reported_p_range(text) == pytest.approx(expected)


def test_proportion_cis_against_r_binom_and_prop_test():
    ref = json.loads((FIXTURES / "audit_proportion_ci.json").read_text())
    assert len(ref["cases"]) == 10  # the reference grid cannot shrink silently
    for case in ref["cases"]:
        x, n, level = case["x"], case["n"], case["level"]
        # bisection to 2^-60 and a summed binomial tail: 1e-12 absolute is ample
        assert clopper_pearson(x, n, level) == pytest.approx(case["clopper_pearson"], abs=1e-12)
        # closed formulas identical to R's prop.test: agree to rounding error
        assert wilson(x, n, level) == pytest.approx(case["wilson"], abs=1e-14)
        assert wilson(x, n, level, correct=True) == pytest.approx(case["wilson_cc"], abs=1e-14)
