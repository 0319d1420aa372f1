"""meta.survival against R survival 3.5.3 (fixtures from tests/reference/r/survival_reference.R).

Data: survival::lung (by sex), survival::veteran (by trt), and a simulated two-arm data set with
ties (times to 0.1 month). Tolerances: 1e-10 relative for closed-form quantities (KM, Greenwood
SE, CI limits, RMST, log-rank): only floating-point summation order differs; 1e-7 for the Cox
coefficient and SE (iterative fit: R stops at eps 1e-11 on the log likelihood, statsmodels at
gtol 1e-12 on the gradient).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from meta.survival import (
    cox_hr,
    kaplan_meier,
    landmark_survival,
    log_rank,
    median_survival,
    rmst,
)

FIXTURES = Path(__file__).resolve().parents[2] / "reference" / "fixtures"
REF = json.loads((FIXTURES / "survival_reference.json").read_text())
SETS = sorted(REF["data"])
CONF_TYPES = ["log", "log-log", "plain"]


def _load(name: str) -> dict[str, np.ndarray]:
    raw = np.genfromtxt(FIXTURES / REF["data"][name]["csv"], delimiter=",", names=True)
    return {k: np.asarray(raw[k], dtype=float) for k in raw.dtype.names}


def _arr(values) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def _groups(name: str):
    data = _load(name)
    for label, ref in REF["data"][name]["arms"].items():
        keep = data["arm"] == float(label)
        yield f"{name}-arm{label}", data["time"][keep], data["event"][keep], ref
    yield f"{name}-pooled", data["time"], data["event"], REF["data"][name]["pooled"]


CASES = [(n, *g[1:], ct) for n in SETS for g in _groups(n) for ct in CONF_TYPES]
IDS = [f"{g[0]}-{ct}" for n in SETS for g in _groups(n) for ct in CONF_TYPES]


def test_reference_grid_cannot_shrink():
    # 3 data sets x (2 arms + pooled) x 3 CI types; R and package versions are recorded.
    assert len(CASES) == 27
    assert REF["survival_version"] == "3.5.3"
    assert REF["script"] == "tests/reference/r/survival_reference.R"


@pytest.mark.parametrize(("name", "time", "event", "ref", "conf_type"), CASES, ids=IDS)
def test_kaplan_meier_against_r_survfit(name, time, event, ref, conf_type):
    r = ref[conf_type]
    fit = kaplan_meier(time, event, conf_type=conf_type)
    np.testing.assert_array_equal(fit.time, _arr(r["time"]))
    np.testing.assert_array_equal(fit.n_risk, _arr(r["n_risk"]))
    np.testing.assert_array_equal(fit.n_event, _arr(r["n_event"]))
    np.testing.assert_array_equal(fit.n_censor, _arr(r["n_censor"]))
    np.testing.assert_allclose(fit.surv, _arr(r["surv"]), rtol=1e-10, atol=1e-14)
    finite = np.isfinite(_arr(r["std_err"]))
    np.testing.assert_allclose(fit.std_err[finite], _arr(r["std_err"])[finite], rtol=1e-10)
    np.testing.assert_allclose(fit.lower, _arr(r["lower"]), rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(fit.upper, _arr(r["upper"]), rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize(("name", "time", "event", "ref", "conf_type"), CASES, ids=IDS)
def test_median_and_ci_against_r_survfit_table(name, time, event, ref, conf_type):
    r = ref[conf_type]
    med = median_survival(kaplan_meier(time, event, conf_type=conf_type))
    got = [med.estimate, med.lower, med.upper]
    want = _arr([r["median"], r["median_lower"], r["median_upper"]])
    np.testing.assert_allclose(got, want, rtol=1e-12)


@pytest.mark.parametrize(("name", "time", "event", "ref", "conf_type"), CASES, ids=IDS)
def test_landmarks_against_r_summary_times(name, time, event, ref, conf_type):
    r = ref[conf_type]
    lm_times = np.asarray(REF["data"][name]["landmarks"], dtype=float)
    got = landmark_survival(kaplan_meier(time, event, conf_type=conf_type), lm_times)
    want_t = _arr(r["landmark_time"])
    keep = np.isin(lm_times, want_t)
    assert np.all(np.isnan(got.surv[~keep]))  # R leaves out times after follow-up
    np.testing.assert_allclose(got.surv[keep], _arr(r["landmark_surv"]), rtol=1e-10)
    np.testing.assert_allclose(got.lower[keep], _arr(r["landmark_lower"]), rtol=1e-10)
    np.testing.assert_allclose(got.upper[keep], _arr(r["landmark_upper"]), rtol=1e-10)
    np.testing.assert_array_equal(got.n_risk[keep], _arr(r["landmark_n_risk"]))


@pytest.mark.parametrize(("name", "time", "event", "ref", "conf_type"),
                         [c for c in CASES if c[-1] == "log"],
                         ids=[i for i, c in zip(IDS, CASES, strict=True) if c[-1] == "log"])
def test_rmst_against_r_print_rmean(name, time, event, ref, conf_type):
    r = ref["log"]
    got = rmst(kaplan_meier(time, event), REF["data"][name]["tau"])
    np.testing.assert_allclose([got.estimate, got.se], [r["rmean"], r["rmean_se"]], rtol=1e-10)


@pytest.mark.parametrize("name", SETS)
@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_cox_hr_against_r_coxph(name, ties):
    data = _load(name)
    r = REF["data"][name]["compare"][ties]
    got = cox_hr(data["time"], data["event"], data["arm"], ties=ties)
    np.testing.assert_allclose([got.coef, got.se], [r["coef"], r["se"]], rtol=1e-7)
    np.testing.assert_allclose([got.hr, got.lower, got.upper, got.z, got.p],
                               [r["hr"], r["lower"], r["upper"], r["z"], r["p"]], rtol=1e-6)


@pytest.mark.parametrize("name", SETS)
def test_log_rank_against_r_survdiff(name):
    data = _load(name)
    r = REF["data"][name]["compare"]["logrank"]
    got = log_rank(data["time"], data["event"], data["arm"])
    np.testing.assert_allclose(got.observed, r["observed"], rtol=1e-12)
    np.testing.assert_allclose(got.expected, r["expected"], rtol=1e-10)
    np.testing.assert_allclose(got.variance, np.array(r["var"]), rtol=1e-10)
    np.testing.assert_allclose([got.chisq, got.p], [r["chisq"], r["p"]], rtol=1e-10)
