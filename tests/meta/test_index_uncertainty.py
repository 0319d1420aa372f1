"""The index study's own uncertainty: a median's CI over a plausible event range (closed forms,
R survival's exponential fit, simulated coverage) and a proportion over plausible denominators."""

from __future__ import annotations

import math

import numpy as np
import pytest

from meta.effects import median_survival as med_effect
from meta.effects import proportions
from meta.index_uncertainty import (
    event_fraction,
    event_range,
    median_at_events,
    median_interval,
    proportion_interval,
)
from meta.survival import kaplan_meier, median_survival
from tests.meta._fixture_io import load_fixture


def test_event_fraction_closed_forms_and_jensen_order():
    m, f = 17.0, 18.8
    lam = math.log(2) / m
    p_lo, p_hi = event_fraction(m, f)
    assert p_hi == pytest.approx(1 - math.exp(-lam * f), rel=1e-14)
    # E[1 - exp(-lam C)], C ~ U(0, 2f), by quadrature
    c = np.linspace(0, 2 * f, 200_001)
    assert p_lo == pytest.approx(np.trapezoid(1 - np.exp(-lam * c), c) / (2 * f), rel=1e-9)
    assert p_lo < p_hi
    # follow-up equal to the median: half the patients have died if all were followed that long
    assert event_fraction(10.0, 10.0)[1] == pytest.approx(0.5)


def test_event_range_brackets_the_index_and_widens_the_interval():
    lo, mid, hi = event_range(108, 17.0, 18.8)
    p_lo, p_hi = event_fraction(17.0, 18.8)
    assert lo < 108 * p_lo < mid < 108 * p_hi < hi <= 108
    res = median_interval(17.0, 108, 18.8)
    assert (res.low.events, res.central.events, res.high.events) == (lo, mid, hi)
    widths = [r.upper - r.lower for r in res.rows]
    assert widths[0] > widths[1] > widths[2]  # fewer events, wider interval
    assert res.envelope == (res.low.lower, res.low.upper)
    assert all(r.lower < 17.0 < r.upper for r in res.rows)
    assert len(res.assumptions) == 5 and "exponential" in res.method


def test_km_variance_is_the_benchmark_arms_one():
    row = med_effect([17.0], events=[55])
    got = median_at_events(17.0, 55, "km")
    assert got.vi == row.vi[0] and got.yi == row.yi[0]
    assert got.vi == pytest.approx(1 / (55 * math.log(2) ** 2), rel=1e-14)


def test_exponential_variance_against_r_survreg():
    ref = load_fixture("adjusted_benchmark")["exponential"]
    d = ref["events"]
    got = median_at_events(math.exp(ref["log_median"]), d, "exponential")
    assert math.sqrt(got.vi) == pytest.approx(ref["se_log_median"], rel=1e-10)
    # and the fitted exponential's median is total time ln 2 / d
    t = np.asarray(ref["time"])
    assert math.exp(ref["log_median"]) == pytest.approx(t.sum() * math.log(2) / d, rel=1e-8)


def test_simulated_coverage_under_the_stated_assumptions():
    # exponential survival, censoring U(0, 2f): the event count falls in the plausible range
    # and the KM-median interval (at the realised d) covers the true median about 95% of the
    # time. 400 runs: Monte Carlo SE of a 95% coverage is 1.1 points, so [0.91, 0.99] is
    # about +-3.5 SE and a wrong variance (1/d instead of 1/(d ln²2), ~88%) still fails it.
    rng = np.random.default_rng(7)
    m, f, n, reps = 17.0, 18.8, 108, 400
    lo, _, hi = event_range(n, m, f)
    lam = math.log(2) / m
    in_range = covered = covered_exp = 0
    for _ in range(reps):
        t = rng.exponential(1 / lam, n)
        c = rng.uniform(0, 2 * f, n)
        time, event = np.minimum(t, c), (t <= c).astype(int)
        d = int(event.sum())
        in_range += lo <= d <= hi
        est = median_survival(kaplan_meier(time, event)).estimate
        if not np.isfinite(est):
            continue
        row = median_at_events(est, d, "km")
        covered += row.lower <= m <= row.upper
        fitted = time.sum() * math.log(2) / d  # exponential fit: 1/d is its variance
        ex = median_at_events(fitted, d, "exponential")
        covered_exp += ex.lower <= m <= ex.upper
    assert in_range / reps >= 0.95
    assert 0.91 <= covered / reps <= 0.995
    assert 0.91 <= covered_exp / reps <= 0.99


def test_proportion_over_plausible_denominators():
    res = proportion_interval([108, 100, 90], percent=75.0)
    assert [r.events for r in res.rows] == [81, 75, 68]
    ref = proportions([81, 75, 68], [108, 100, 90], "PLO")
    assert [r.yi for r in res.rows] == pytest.approx(list(ref.yi), rel=1e-14)
    assert [r.vi for r in res.rows] == pytest.approx(list(ref.vi), rel=1e-14)
    r0 = res.rows[0]
    half = 1.959963984540054 * math.sqrt(1 / 81 + 1 / 27)
    assert r0.lower == pytest.approx(1 / (1 + math.exp(-(math.log(3) - half))), rel=1e-12)
    assert res.envelope[0] == min(r.lower for r in res.rows)
    assert res.envelope[1] == max(r.upper for r in res.rows)
    assert res.rows[2].upper - res.rows[2].lower > r0.upper - r0.lower  # smaller N, wider


@pytest.mark.parametrize("kwargs,match", [
    ({"percent": None, "events": None}, "exactly one"),
    ({"percent": 120.0}, "percent"),
    ({"events": [200]}, "events"),
])
def test_proportion_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        proportion_interval([108], **kwargs)


def test_median_bad_input():
    with pytest.raises(ValueError, match=r"median: expected a number > 0.*follow_up"):
        median_interval(-1.0, 108, 0.0)
    with pytest.raises(ValueError, match="events"):
        median_interval(17.0, 108, 18.8, events=(60, 50, 70))
    with pytest.raises(ValueError, match="variance"):
        median_at_events(17.0, 50, "weibull")
