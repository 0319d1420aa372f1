"""The pooled KM curve keeps arms that have had no event yet (S = 1) instead of dropping them
(meta/survival/curve.py; statistics review, finding 3). Independent computations: the
Kaplan–Meier curve of all arms' patients together (arms drawn from one distribution), and the
binomial arithmetic of the survival-scale pool written out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from extraction.survival import kaplan_meier, landmark_survival
from meta.survival import pooled_km_curve
from meta.survival.scales import common_binomial, effective_n


def _arms(rng: np.random.Generator, k: int, n: int, median: float) -> dict:
    lam = np.log(2) / median
    out = {}
    for i in range(k):
        t = rng.exponential(1 / lam, n)
        c = rng.uniform(10, 40, n)
        out[f"a{i}"] = (np.minimum(t, c), (t <= c).astype(int))
    return out


def test_early_pooled_curve_matches_the_km_of_all_patients_together():
    # 8 arms of 40 patients, median 20 months: at 0.5-1 month about half the arms have had no
    # event. Dropping them pooled only the arms with an event: 20 per mille too low on average
    rng = np.random.default_rng(7)
    grid = [0.0, 0.5, 1.0]
    dev, at_one = [], np.zeros(2)
    for _ in range(30):
        arms = _arms(rng, 8, 40, 20.0)
        t = np.concatenate([a[0] for a in arms.values()])
        e = np.concatenate([a[1] for a in arms.values()])
        together = landmark_survival(kaplan_meier(t, e), grid).surv
        curve = pooled_km_curve(arms, grid)
        at_one += curve.boundary[1:]
        assert (curve.k[1:] == 8).all()
        dev.append(curve.surv - together)
    assert at_one[0] == 30 and at_one[1] >= 20  # an arm without an event at 0.5 / 1 month
    mean = np.mean(dev, axis=0)
    assert np.all(np.abs(mean) < 1e-3), mean  # was -0.020 and -0.019


def test_an_arm_without_events_is_kept_with_its_known_value():
    # arm a: events from 0.2 months; arm b: first event at 2 months. At 1 month only a has had
    # one; before, the time was not pooled at all (fewer than 2 arms on the cloglog scale)
    a = (np.r_[0.2, 0.4, np.linspace(3, 20, 48)], np.r_[1, 1, np.ones(48, int)])
    b = (np.r_[2.0, np.linspace(2.5, 25, 59)], np.ones(60, int))
    curve = pooled_km_curve({"a": a, "b": b}, [0.0, 1.0, 3.5], method="FE")
    assert curve.boundary.tolist() == [False, True, False]
    # by hand: S_a = 48/50 with n_eff = 50 (Greenwood at the first event times: S(1-S)/se²),
    # S_b = 1 with n_eff = 60 at risk; fixed effect = sum(n_eff S)/sum(n_eff)
    s = np.array([48 / 50, 1.0])
    n = np.array([50.0, 60.0])
    sbar = float(np.sum(n * s) / n.sum())
    assert curve.surv[1] == pytest.approx(sbar, rel=1e-10)
    se = np.sqrt(sbar * (1 - sbar) / n.sum())
    assert curve.ci_lb[1] == pytest.approx(sbar - 1.959963984540054 * se, rel=1e-9)
    assert curve.ci_ub[1] == pytest.approx(min(1.0, sbar + 1.959963984540054 * se), rel=1e-9)
    assert curve.k[1] == 2
    assert "no event yet" in curve.description


def test_effective_sample_size_and_common_variance():
    fit = kaplan_meier(np.r_[1.0, 2.0, np.full(8, 9.0)], np.r_[1, 0, np.zeros(8, int)])
    lm = landmark_survival(fit, [0.5, 1.5])
    n = effective_n(lm.surv, lm.se, lm.n_risk)
    assert n.tolist() == pytest.approx([10.0, 10.0])  # S = 1: at risk; just after 1 of 10: 10
    y, v, sbar = common_binomial([1.0, 0.9, np.nan], [0.0, 0.03, np.nan], [20, 100, 0])
    n2 = np.array([20.0, 0.9 * 0.1 / 0.03 ** 2])
    assert sbar == pytest.approx(float(np.sum(n2 * [1.0, 0.9]) / n2.sum()))
    assert v[:2] == pytest.approx(sbar * (1 - sbar) / n2) and np.isnan(v[2]) and np.isnan(y[2])


def test_no_event_in_any_arm_is_one_with_a_zero_width_band():
    a = (np.r_[3.0, np.linspace(4, 20, 19)], np.ones(20, int))
    b = (np.r_[2.5, np.linspace(4, 20, 29)], np.ones(30, int))
    curve = pooled_km_curve({"a": a, "b": b}, [0.0, 1.0, 2.0])
    assert curve.boundary[1:].all()
    for band in (curve.surv, curve.ci_lb, curve.ci_ub, curve.pi_lb, curve.pi_ub):
        assert band[1:].tolist() == [1.0, 1.0]
