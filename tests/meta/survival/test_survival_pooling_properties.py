"""Properties of the IPD survival pools that hold whatever the data (complements the R fixtures)."""

from __future__ import annotations

import numpy as np
import pytest

from meta.survival import (
    index_median_position,
    kaplan_meier,
    landmark_survival,
    pooled_km_curve,
    survival_benchmark,
)
from meta.survival.scales import from_scale, to_scale


def _arm(seed: int, n: int = 200, scale: float = 12.0, follow: float = 30.0):
    rng = np.random.default_rng(seed)
    t = rng.exponential(scale, n)
    c = rng.uniform(follow / 2, follow, n)
    return np.round(np.minimum(t, c), 2), (t <= c).astype(int)


@pytest.mark.parametrize("scale", ["cloglog", "logit", "log"])
def test_scales_round_trip_and_delta_method(scale):
    s = np.array([0.1, 0.5, 0.9])
    y, v = to_scale(s, np.full(3, 0.02), scale)
    np.testing.assert_allclose(from_scale(y, scale), s)
    h = 1e-6  # numerical derivative of the transform
    y2, _ = to_scale(s + h, np.full(3, 0.02), scale)
    np.testing.assert_allclose(v, (0.02 * (y2 - y) / h) ** 2, rtol=1e-4)
    assert np.isnan(to_scale([1.0, 0.0], [0.1, 0.1], scale)[0]).all()


def test_identical_arms_pool_to_their_own_curve():
    t, e = _arm(1)
    curve = pooled_km_curve({"a": (t, e), "b": (t, e)}, [3.0, 6.0, 12.0])
    own = landmark_survival(kaplan_meier(t, e), [3.0, 6.0, 12.0]).surv
    np.testing.assert_allclose(curve.surv, own, rtol=1e-10)
    assert np.all(curve.tau2 == 0) and np.all(curve.k == 2)


def test_pooled_curve_is_monotone_and_bands_nest():
    arms = {f"arm{i}": _arm(i, scale=8 + 2 * i) for i in range(6)}
    curve = pooled_km_curve(arms)
    ok = np.isfinite(curve.surv)
    for band in (curve.surv, curve.ci_lb, curve.ci_ub, curve.pi_lb, curve.pi_ub):
        assert np.all(np.diff(band[ok]) <= 1e-12)
    assert np.all(curve.pi_lb[ok] <= curve.ci_lb[ok] + 1e-12)
    assert np.all(curve.ci_lb[ok] <= curve.surv[ok] + 1e-12)
    assert np.all(curve.surv[ok] <= curve.ci_ub[ok] + 1e-12)
    assert np.all(curve.ci_ub[ok] <= curve.pi_ub[ok] + 1e-12)
    assert curve.time[0] == 0 and curve.surv[0] == 1
    # drawn while at least half the arms (3) are followed; follow-up ends by 30 months
    assert curve.time[-1] <= 30 and curve.to_frame().shape[0] == curve.time.size


def test_benchmark_single_arm_and_nothing_to_pool():
    t, e = _arm(3)
    one = survival_benchmark({"only": (t, e)})
    assert one.landmarks[1].k == 1
    assert one.landmarks[1].estimate == pytest.approx(
        landmark_survival(kaplan_meier(t, e), [12.0]).surv[0], rel=1e-12)
    early = survival_benchmark({"a": (t, e), "b": _arm(4)}, landmarks=[0.001])
    assert early.landmarks[0].k == 0 and np.isnan(early.landmarks[0].estimate)
    assert all("not estimable" in why for _, why in early.landmarks[0].excluded)


def test_index_median_position_counts_arms_with_longer_medians():
    arms = {"short": _arm(5, scale=6), "long": _arm(6, scale=40), "mid": _arm(7, scale=14)}
    medians = {a: float(np.interp(0.5, *[x[::-1] for x in (kaplan_meier(*d).surv,
                                                            kaplan_meier(*d).time)]))
               for a, d in arms.items()}
    pos = index_median_position(arms, 9.0, 5.0, 14.0)
    assert pos.n_evaluable == 3
    assert pos.n_longer == sum(m > 9.0 for m in medians.values())
    assert {r.arm: r.above_half for r in pos.arms} == {a: m > 9.0 for a, m in medians.items()}
    assert pos.fraction_longer_at_lower >= pos.fraction_longer >= pos.fraction_longer_at_upper
    # no arm followed to 40 months: not evaluable, NaN rather than 0
    assert np.isnan(index_median_position(arms, 9.0, 5.0, 40.0).fraction_longer_at_upper)
    with pytest.raises(ValueError, match="median: expected months > 0"):
        index_median_position(arms, 0.0)


def test_benchmark_prints_a_summary():
    bench = survival_benchmark({"a": _arm(1), "b": _arm(2, follow=20.0)})
    text = str(bench)
    assert text.splitlines()[0].startswith("Survival benchmark: 2 arms; random effects (REML)")
    assert "  S(12)   2" in text and "RMST(24) leaves out b: follow-up ends at" in text
