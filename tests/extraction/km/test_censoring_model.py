"""Reconstruction without a risk table (censoring from uniform potential follow-up), event dating
on sloped stretches, and the click order along the drawn path."""

from __future__ import annotations

import numpy as np
import pytest

from extraction.km import make_curve, preprocess, reconstruct, reconstruct_km
from extraction.km.censoring import (
    FOLLOW_UP_SHRINK,
    event_range,
    follow_up_start,
    implied_events,
    mean_survival,
)
from extraction.km.simulate import digitize_clean, simulate_arm

# exponential curve, median 10 months, drawn to 30 months as a fine step function
T = np.linspace(0.0, 30.0, 3001)
S = np.exp(-T * np.log(2) / 10)


def test_mean_survival_is_the_area_over_the_span():
    # ∫_a^τ e^{-λt} dt / (τ − a), λ = ln2/10; the step curve is within its step of it
    lam = np.log(2) / 10
    for a in (0.0, 10.0, 25.0):
        exact = (np.exp(-lam * a) - np.exp(-lam * 30)) / (lam * (30 - a))
        assert mean_survival(T, S, a) == pytest.approx(exact, abs=2e-3)
    assert mean_survival(T, S, 30.0) == S[-1]


@pytest.mark.parametrize("a", [3.0, 12.0, 21.0])
def test_follow_up_start_solves_the_expected_events(a):
    n = 400
    d = n * (1 - mean_survival(T, S, a))  # exact, not rounded
    events = round(d)
    got = follow_up_start(T, S, n, events)
    # one event moves a by about 1 / (N |dm/da|); the rounding of D is at most half of that
    assert abs(got - a) < 0.6 * abs(follow_up_start(T, S, n, events + 1) - got) + 1e-9
    assert implied_events(T, S, n, got) == events


def test_follow_up_start_at_the_limits():
    lo, hi = event_range(T, S, 100)
    assert hi == round(100 * (1 - S[-1]))  # nobody censored before the end
    assert lo == round(100 * (1 - mean_survival(T, S, 0.0)))
    assert follow_up_start(T, S, 100, lo - 5) == 0.0
    assert follow_up_start(T, S, 100, hi) == pytest.approx(30.0, abs=0.1)


def test_events_only_censors_from_the_solved_minimum_follow_up():
    rng = np.random.default_rng(3)
    t, e = simulate_arm(rng, 300, scale=14.0)  # entry over 24 months, 24 more of follow-up
    px, py = digitize_clean(t, e)
    rec = reconstruct_km(make_curve(px, py), 300, None, int(e.sum()))
    assert rec.n_events == int(e.sum())
    a0 = follow_up_start(np.asarray(rec.point_time), np.asarray(rec.point_survival), 300,
                         int(e.sum()))
    censored = rec.time[rec.event == 0]
    assert 8 < a0 < 35  # design: 24 months minimum follow-up, less with 1 %/month dropout
    assert np.all(censored >= FOLLOW_UP_SHRINK * a0 - 1e-9)
    assert np.mean(censored < a0) < 0.1


def test_n_only_range_holds_the_truth_and_beats_no_censoring():
    hits, closer = 0, 0
    for seed in range(12):
        rng = np.random.default_rng(seed)
        t, e = simulate_arm(rng, 200, scale=float(rng.uniform(8, 30)))
        px, py = digitize_clean(t, e)
        rec = reconstruct_km(make_curve(px, py), 200)
        lo, hi = rec.events_range
        hits += lo <= int(e.sum()) <= hi
        closer += abs(rec.n_events - int(e.sum())) < abs(hi - int(e.sum()))
    assert hits == 12
    assert closer >= 10  # Guyot's N-only answer is hi (no censoring): nearly always further


def test_events_are_dated_where_the_drawn_line_crosses_their_mid_level():
    # one straight segment from (0, 1) to (10, 0.5), 10 patients, 5 deaths, nobody censored:
    # the staircase the line stands for drops at 1, 3, 5, 7, 9 months (levels 0.95, 0.85, ...)
    rec = reconstruct_km(make_curve([0, 10], [1, 0.5]), 10, None, 5)
    np.testing.assert_allclose(rec.time[rec.event == 1], [1, 3, 5, 7, 9])
    step = reconstruct(preprocess(make_curve([0, 10], [1, 0.5])), 10, None, 5,
                       interpolate=False)
    np.testing.assert_array_equal(step.time[step.event == 1], [10] * 5)  # Guyot's reading


def test_clicks_out_of_time_order_are_not_pooled_flat():
    # a reader's time error swaps two clicks on a falling curve: sorting by time alone and the
    # isotonic fit would pool 0.8 and 0.7 into a flat 0.75
    curve = preprocess(make_curve([0, 5.1, 4.9, 10], [1, 0.8, 0.7, 0.5]))
    np.testing.assert_array_equal(curve.time, [0, 4.9, 5.1, 10])
    np.testing.assert_array_equal(curve.survival, [1, 0.8, 0.7, 0.5])
    assert curve.n_adjusted == 0
    # a real rise in survival is still fitted (both coordinates agree it is out of order)
    rising = preprocess(make_curve([0, 4, 6, 10], [1, 0.7, 0.8, 0.5]))
    np.testing.assert_allclose(rising.survival, [1, 0.75, 0.75, 0.5])
