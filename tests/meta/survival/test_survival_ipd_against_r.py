"""meta.survival on the 18 reconstructed HCC trials (studies/ipd/) against R survival 3.5.3 and
metafor 3.8.1 (fixture from tests/reference/r/survival_ipd.R; tests never run R).

Tolerances: 1e-12 relative for KM medians (a time read off the curve), 1e-10 for closed-form
quantities (KM, Greenwood SE, CI limits, RMST; only summation order differs), 1e-7 for the Cox
coefficient and SE (iterative; R stops at eps 1e-11), 1e-6 for random-effects pools (REML
iterations converged to 1e-12 in R; meta's own convergence is tested against metafor elsewhere).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from meta.survival import (
    cox_hr,
    index_median_position,
    pooled_km_curve,
    summarize_arm,
    survival_benchmark,
)

ROOT = Path(__file__).resolve().parents[3]
IPD = ROOT / "studies" / "ipd"
REF = json.loads((ROOT / "tests" / "reference" / "fixtures" / "survival_ipd.json").read_text())
TRIALS = sorted(REF["trials"])


def _nan(values) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in np.atleast_1d(values)], dtype=float)


def _arms(name: str) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    data = pd.read_csv(IPD / name)
    return {a: (g["time"].to_numpy(float), g["event"].to_numpy(int))
            for a, g in data.groupby("arm", sort=False)}


def _sorafenib() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    return {name.split("_")[0]: _arms(name)["sorafenib"] for name in TRIALS
            if "sorafenib" in _arms(name)}


def test_reference_grid_cannot_shrink():
    # 18 trials, 36 arms (two per file; issue 10 says 37), 13 sorafenib arms; versions are
    # recorded with the script that made them
    assert len(TRIALS) == 18
    assert sum(len(REF["trials"][t]["arms"]) for t in TRIALS) == 36
    assert len(_sorafenib()) == 13
    assert REF["survival_version"] == "3.5.3" and REF["metafor_version"] == "3.8.1"
    assert (ROOT / REF["script"]).exists()
    assert sorted(p.name for p in IPD.glob("*.csv")) == TRIALS


@pytest.mark.parametrize("name", TRIALS)
def test_ipd_files_are_the_ones_r_read(name):
    assert hashlib.sha256((IPD / name).read_bytes()).hexdigest() == REF["trials"][name]["sha256"]


@pytest.mark.parametrize("name", TRIALS)
def test_arm_summaries_against_r_survfit(name):
    for arm, (time, event) in _arms(name).items():
        r = REF["trials"][name]["arms"][arm]
        got = summarize_arm(arm, time, event)
        assert (got.n, got.events) == (r["n"], r["events"])
        assert got.follow_up == pytest.approx(r["follow_up"], rel=1e-12)
        np.testing.assert_allclose([got.median.estimate, got.median.lower, got.median.upper],
                                   _nan([r["median"], r["median_lower"], r["median_upper"]]),
                                   rtol=1e-12, err_msg=f"{name} {arm} median")
        np.testing.assert_allclose([got.rmst.estimate, got.rmst.se], [r["rmean"], r["rmean_se"]],
                                   rtol=1e-10, err_msg=f"{name} {arm} RMST(24)")
        lm = got.landmarks
        keep = np.isin(lm.time, _nan(r["landmark_time"]))
        assert np.all(np.isnan(lm.surv[~keep]))  # R drops times after follow-up
        for ours, theirs in ((lm.surv, "landmark_surv"), (lm.se, "landmark_se"),
                             (lm.lower, "landmark_lower"), (lm.upper, "landmark_upper"),
                             (lm.n_risk, "landmark_n_risk")):
            np.testing.assert_allclose(ours[keep], _nan(r[theirs]), rtol=1e-10,
                                       err_msg=f"{name} {arm} {theirs}")


@pytest.mark.parametrize("name", TRIALS)
@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_cox_hr_against_r_coxph(name, ties):
    data = pd.read_csv(IPD / name)
    ref = REF["trials"][name]
    x = (data["arm"] == ref["experimental"]).to_numpy(float)
    got = cox_hr(data["time"], data["event"], x, ties=ties)
    r = ref["cox"][ties]
    np.testing.assert_allclose([got.coef, got.se], [r["coef"], r["se"]], rtol=1e-7)
    np.testing.assert_allclose([got.hr, got.lower, got.upper], [r["hr"], r["lower"], r["upper"]],
                               rtol=1e-7)


@pytest.fixture(scope="module")
def bench():
    return survival_benchmark(_sorafenib())


@pytest.mark.parametrize("stat", ["S(6)", "S(12)", "S(18)", "S(24)", "RMST(24)", "median"])
def test_sorafenib_benchmark_against_metafor(bench, stat):
    r = REF["sorafenib_benchmark"][stat]
    pooled = {p.statistic: p for p in (*bench.landmarks, bench.rmst, bench.median)}[stat]
    b = pooled.benchmark
    assert pooled.k == r["k"] and list(pooled.arms) == list(np.atleast_1d(r["arms"]))
    np.testing.assert_allclose([b.estimate, b.se, b.ci_lb, b.ci_ub, b.pi_lb, b.pi_ub],
                               [r["estimate"], r["se"], r["ci_lb"], r["ci_ub"], r["pi_lb"],
                                r["pi_ub"]], rtol=1e-6, err_msg=stat)
    np.testing.assert_allclose(b.tau2, r["tau2"], rtol=1e-5, atol=1e-9)
    back = (lambda y: np.exp(-np.exp(y))) if stat.startswith("S(") else (
        np.exp if stat == "median" else (lambda y: y))
    np.testing.assert_allclose(sorted([pooled.pi_t_lb, pooled.pi_t_ub]),
                               sorted(back(np.array([r["pi_t_lb"], r["pi_t_ub"]]))), rtol=1e-6)
    # RMST is pooled on the natural scale; the others are back-transformed
    assert pooled.ci_lb < pooled.estimate < pooled.ci_ub
    assert pooled.pi_lb <= pooled.ci_lb and pooled.ci_ub <= pooled.pi_ub


def test_index_median_position_pooled_s17_against_metafor():
    r = REF["sorafenib_benchmark"]["S(17)"]
    pos = index_median_position(_sorafenib(), 17.0)
    b = pos.pooled.benchmark
    np.testing.assert_allclose([b.estimate, b.pi_lb, b.pi_ub],
                               [r["estimate"], r["pi_lb"], r["pi_ub"]], rtol=1e-6)
    assert pos.n_evaluable == r["k"] == 11  # SHARP and IMbrave150 end before 17 months
    # the cloglog PI of S(17) is wholly below 0.5: a new sorafenib arm's median is expected
    # shorter than 17.0 months
    assert np.exp(-np.exp(r["pi_lb"])) < 0.5 and pos.position == "index longer"


def test_pooled_curve_against_metafor_pointwise_and_isotonic():
    r = REF["sorafenib_curve"]
    curve = pooled_km_curve(_sorafenib())
    np.testing.assert_allclose(curve.time, r["time"], atol=1e-12)
    np.testing.assert_array_equal(curve.k[np.isfinite(curve.surv)],
                                  _nan(r["k"])[np.isfinite(curve.surv)])
    # at 0.5 months 6 of the 13 arms have had no event (S = 1): that time is pooled on the
    # survival scale with all 13 arms (before: the 7 arms with an event, biased down)
    np.testing.assert_array_equal(curve.boundary, r["boundary"])
    assert curve.boundary[1] and not curve.boundary[2:].any() and curve.k[1] == 13
    for ours, key in ((curve.surv, "est"), (curve.ci_lb, "ci_lb"), (curve.ci_ub, "ci_ub"),
                      (curve.pi_lb, "pi_lb"), (curve.pi_ub, "pi_ub")):
        np.testing.assert_allclose(ours, _nan(r["monotone"][key]), rtol=1e-6, atol=1e-9,
                                   err_msg=key)
