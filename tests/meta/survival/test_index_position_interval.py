"""The index median's position among historical KM curves holds over its whole interval (issue 11;
statistics review finding 2): "index longer" only if it holds at the index's lower bound too."""

from __future__ import annotations

import math

import numpy as np

from meta.survival.position import index_median_position


def _arms() -> dict[str, tuple[list[float], list[int]]]:
    rng = np.random.default_rng(5)
    arms = {}
    for i, med in enumerate((11.0, 12.0, 13.0, 12.5)):
        t = rng.exponential(med / math.log(2), 300)
        c = rng.uniform(20, 40, 300)
        arms[f"a{i}"] = (np.minimum(t, c).tolist(), (t <= c).astype(int).tolist())
    return arms


def test_a_wide_index_interval_is_within_not_longer():
    # point median 20 vs historical ~12: longer at the point, but its lower bound 9 is shorter
    assert index_median_position(_arms(), 20.0).position == "index longer"
    assert index_median_position(_arms(), 20.0, lower=9.0, upper=40.0).position == "within"


def test_a_narrow_index_interval_keeps_the_direction():
    pos = index_median_position(_arms(), 20.0, lower=17.0, upper=24.0)
    assert pos.position == "index longer"
    short = index_median_position(_arms(), 6.0, lower=5.0, upper=7.0)
    assert short.position == "index shorter"
    assert index_median_position(_arms(), 6.0, lower=5.0, upper=30.0).position == "within"
