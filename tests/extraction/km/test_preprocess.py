"""Preprocessing: isotonic (PAVA) fit against scipy's, anchoring, merging, reported movement."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import isotonic_regression

from extraction.km import make_curve, pava_nonincreasing, preprocess
from extraction.km.preprocess import densify


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0, 1), min_size=1, max_size=60))
def test_pava_against_scipy_isotonic_regression(values):
    y = np.array(values)
    want = isotonic_regression(y, increasing=False).x
    np.testing.assert_allclose(pava_nonincreasing(y), want, atol=1e-12)


def test_weighted_pava_against_scipy():
    rng = np.random.default_rng(3)
    y, w = rng.uniform(size=40), rng.uniform(0.1, 3, size=40)
    want = isotonic_regression(y, weights=w, increasing=False).x
    np.testing.assert_allclose(pava_nonincreasing(y, w), want, atol=1e-12)


def test_rise_is_pooled_not_dropped_and_movement_reported():
    curve = make_curve([0, 1, 2, 3, 4], [1.0, 0.9, 0.8, 0.84, 0.7])
    pre = preprocess(curve)
    np.testing.assert_allclose(pre.time, [0, 1, 2, 3, 4])
    np.testing.assert_allclose(pre.survival, [1.0, 0.9, 0.82, 0.82, 0.7])
    np.testing.assert_allclose(pre.moved, [0, 0, 0.02, 0.02, 0], atol=1e-12)
    assert pre.n_adjusted == 2 and pre.max_moved == pytest.approx(0.02)


def test_unsorted_percent_clicks_are_sorted_clipped_anchored_and_merged():
    curve = make_curve([5, 0.0, 2, 2, -0.02, 8], [60, 99.5, 90, 80, 100.3, -0.4])
    pre = preprocess(curve)
    assert pre.scale == "percent"
    np.testing.assert_allclose(pre.time, [0, 2, 5, 8])
    np.testing.assert_allclose(pre.survival, [1, 0.8, 0.6, 0])  # drop at 2 keeps its foot
    np.testing.assert_allclose(pre.top, [1, 0.9, 0.6, 0])  # the top of the drop at 2
    assert pre.n_merged == 1
    assert pre.max_moved == pytest.approx(0.005)  # the click at (0, 99.5 %) set to 1


def test_curve_without_time_zero_gets_the_anchor():
    pre = preprocess(make_curve([1, 2], [0.9, 0.8]))
    np.testing.assert_allclose(pre.time, [0, 1, 2])
    np.testing.assert_allclose(pre.survival, [1, 0.9, 0.8])


def test_results_are_frozen():
    pre = preprocess(make_curve([0, 1], [1, 0.5]))
    with pytest.raises(AttributeError):
        pre.n_input = 3  # type: ignore[misc]
    with pytest.raises(ValueError):
        pre.survival[0] = 0.3


def test_densify_fills_sloped_segments_only():
    t = np.array([0.0, 10.0, 10.5, 20.0])
    s = np.array([1.0, 0.8, 0.8, 0.8])
    top = np.array([1.0, 0.8, 0.8, 0.8])
    t2, s2 = densify(t, s, top, 0.05)
    assert t2.size == 7  # 3 points inserted on the slope 1 -> 0.8, none on the flat part
    assert np.all(np.diff(s2) >= -0.05 - 1e-12)
    np.testing.assert_allclose(np.interp(t2, t, s), s2)
    # a clicked vertical drop (top 1.0 at time 10) has no slope to fill
    t3, _ = densify(t, s, np.array([1.0, 1.0, 0.8, 0.8]), 0.05)
    np.testing.assert_array_equal(t3, t)
