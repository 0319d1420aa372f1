"""Properties of the proportion transforms that hold for every valid input (hypothesis)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from meta.effects import proportions
from meta.transforms import backtransform, ipft, pft


@st.composite
def counts(draw):
    n = draw(st.integers(min_value=1, max_value=5000))
    x = draw(st.integers(min_value=0, max_value=n))
    return x, n


@settings(max_examples=60, deadline=None)
@given(counts())
def test_events_and_non_events_are_mirror_images(xn):
    # swapping events and non-events negates the logit, and reflects PFT/PAS about pi/4 and PR
    # about 1/2, with identical variances (the continuity correction is symmetric too)
    x, n = xn
    for measure, centre in (("PLO", 0.0), ("PFT", np.pi / 4), ("PAS", np.pi / 4), ("PR", 0.5)):
        a = proportions([x], [n], measure)
        b = proportions([n - x], [n], measure)
        np.testing.assert_allclose(a.yi[0] - centre, centre - b.yi[0], atol=1e-12)
        np.testing.assert_allclose(a.vi, b.vi, rtol=1e-12)
        assert np.isfinite(a.yi[0]) and a.vi[0] > 0


@settings(max_examples=60, deadline=None)
@given(counts())
def test_back_transforms_recover_the_observed_proportion(xn):
    x, n = xn
    for measure in ("PFT", "PAS"):
        t = proportions([x], [n], measure)
        np.testing.assert_allclose(backtransform(measure, t.yi, ni=[n]), x / n, atol=1e-9)
    if 0 < x < n:
        t = proportions([x], [n], "PLO")
        np.testing.assert_allclose(backtransform("PLO", t.yi), x / n, rtol=1e-12)
    np.testing.assert_allclose(ipft(pft(x / n, n), n), x / n, atol=1e-9)
