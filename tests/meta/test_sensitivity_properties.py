"""Invariances of the sensitivity and small-study analyses (hypothesis)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from meta.bias import trimfill
from meta.sensitivity import leave1out

studies = st.lists(
    st.tuples(st.floats(-2, 2, allow_nan=False), st.floats(0.01, 1.0, allow_nan=False)),
    min_size=3, max_size=12)


@settings(max_examples=25, deadline=None)
@given(studies, st.randoms(use_true_random=False))
def test_leave1out_rows_follow_the_studies_when_permuted(data, rnd):
    yi, vi = map(np.array, zip(*data, strict=True))
    perm = list(range(len(yi)))
    rnd.shuffle(perm)
    a = leave1out(yi, vi, method="DL")
    b = leave1out(yi[perm], vi[perm], method="DL")
    np.testing.assert_allclose(b["estimate"], a["estimate"].to_numpy()[perm], rtol=1e-9,
                               atol=1e-12)


@settings(max_examples=25, deadline=None)
@given(studies)
def test_trimfill_is_equivariant_under_reflection(data):
    # reflecting the effects mirrors the funnel plot: same k0, opposite side, negated estimate
    yi, vi = map(np.array, zip(*data, strict=True))
    a = trimfill(yi, vi, method="FE", side="left")
    b = trimfill(-yi, vi, method="FE", side="right")
    assert a.k0 == b.k0
    np.testing.assert_allclose(b.fit.estimate, -a.fit.estimate, rtol=1e-9, atol=1e-12)
