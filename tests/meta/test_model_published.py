"""meta.model.rma against published values and documented behaviour (no R needed).

Published values: Viechtbauer W (2010). Conducting meta-analyses in R with the metafor package.
J Stat Softw 36(3):1-48, section 4 (BCG vaccine data, log relative risks): REML estimate -0.7145
with tau² 0.3132; DerSimonian-Laird estimate -0.7141 with tau² 0.3088 (also in the metafor
documentation, help(dat.bcg) / help(rma.uni) examples). The 2x2 counts are metadat's dat.bcg
(Colditz et al. 1994, JAMA 271:698), printed from R.
"""

from __future__ import annotations

import numpy as np
import pytest

from meta.model import rma

TPOS = np.array([4, 6, 3, 62, 33, 180, 8, 505, 29, 17, 186, 5, 27], dtype=float)
TNEG = np.array([119, 300, 228, 13536, 5036, 1361, 2537, 87886, 7470, 1699, 50448, 2493, 16886.0])
CPOS = np.array([11, 29, 11, 248, 47, 372, 10, 499, 45, 65, 141, 3, 29], dtype=float)
CNEG = np.array([128, 274, 209, 12619, 5761, 1079, 619, 87892, 7232, 1600, 27197, 2338, 17825.0])


def bcg_log_rr() -> tuple[np.ndarray, np.ndarray]:
    """log RR and its variance (Rothman 2008: 1/a - 1/n1 + 1/c - 1/n2)."""
    n1 = TPOS + TNEG
    n2 = CPOS + CNEG
    yi = np.log((TPOS / n1) / (CPOS / n2))
    vi = 1 / TPOS - 1 / n1 + 1 / CPOS - 1 / n2
    return yi, vi


def test_bcg_reml_matches_viechtbauer_2010():
    # published to 4 decimals, so agreement within half a unit of the last digit
    fit = rma(*bcg_log_rr(), method="REML")
    assert fit.estimate == pytest.approx(-0.7145, abs=5e-5)
    assert fit.tau2 == pytest.approx(0.3132, abs=5e-5)


def test_bcg_dl_matches_viechtbauer_2010():
    fit = rma(*bcg_log_rr(), method="DL")
    assert fit.estimate == pytest.approx(-0.7141, abs=5e-5)
    assert fit.tau2 == pytest.approx(0.3088, abs=5e-5)


def test_to_dict_has_contract_names_and_no_nan():
    import json
    import math

    fit = rma(*bcg_log_rr(), method="REML", test="knha")
    d = fit.to_dict()
    for key in ("k", "estimate", "se", "zval", "pval", "ci_lb", "ci_ub", "tau2", "tau",
                "tau2_ci_lb", "tau2_ci_ub", "I2", "H2", "Q", "Q_df", "Q_pval", "pi_lb",
                "pi_ub", "weights_pct", "knha"):
        assert key in d, key
    assert set(d["knha"]) >= {"estimate", "se", "tval", "df", "pval", "ci_lb", "ci_ub",
                              "pi_lb", "pi_ub"}
    text = json.dumps(d, allow_nan=False)  # raises on NaN/inf
    assert "NaN" not in text
    assert math.isclose(sum(d["weights_pct"]), 100.0)


def test_result_is_frozen():
    fit = rma(*bcg_log_rr())
    with pytest.raises(AttributeError):
        fit.tau2 = 0.0  # type: ignore[misc]
    with pytest.raises(ValueError):
        fit.yi[0] = 1.0  # read-only array


def test_caller_arrays_are_not_frozen_or_aliased():
    yi, vi = bcg_log_rr()
    fit = rma(yi, vi)
    yi[0] = 99.0  # the caller may still write to its own arrays
    assert fit.yi[0] != 99.0 and vi.flags.writeable


def test_knha_adhoc_never_narrower_than_wald():
    yi, vi = bcg_log_rr()
    fit = rma(yi, vi, test="knha", knha_adhoc=True)
    wald = rma(yi, vi)
    assert fit.se >= wald.se
    # s² < 1 data: homogeneous effects, ad hoc SE is exactly the Wald SE
    yh = np.array([0.1, 0.11, 0.09, 0.1])
    vh = np.array([0.04, 0.05, 0.03, 0.06])
    assert rma(yh, vh, test="knha", knha_adhoc=True).se == pytest.approx(rma(yh, vh).se)
    assert rma(yh, vh, test="knha").se < rma(yh, vh).se


def test_k1_is_documented_common_effect_result():
    fit = rma([0.3], [0.04], method="REML")
    assert fit.k == 1 and fit.tau2 == 0.0
    assert fit.estimate == 0.3 and fit.se == pytest.approx(0.2)
    assert (fit.Q, fit.Q_df, fit.Q_pval, fit.I2, fit.H2) == (0.0, 0, 1.0, 0.0, 1.0)
    assert fit.qprofile is None and fit.pi_higgins is None and fit.knha is None
    assert (fit.pi.lb, fit.pi.ub) == pytest.approx((fit.ci_lb, fit.ci_ub))
    d = fit.to_dict()
    assert d["tau2_ci_lb"] is None and d["knha"] is None


def test_k1_with_knha_is_an_error():
    with pytest.raises(ValueError, match="test='knha' needs k > p"):
        rma([0.3], [0.04], test="knha")


@pytest.mark.parametrize(
    ("yi", "vi", "message"),
    [
        ([0.1, 0.2], [0.1], "yi and vi: lengths differ"),
        ([0.1, np.nan], [0.1, 0.1], "yi: expected finite numbers"),
        ([0.1, 0.2], [0.1, np.inf], "vi: expected finite numbers"),
        ([0.1, 0.2], [0.1, 0.0], "vi: sampling variances must be > 0"),
        ([0.1, 0.2], [0.1, -0.5], "vi: sampling variances must be > 0"),
        ([], [], "yi: no studies"),
        ([[0.1, 0.2]], [[0.1, 0.2]], "yi: expected a 1-D array"),
    ],
)
def test_bad_input_names_the_argument(yi, vi, message):
    with pytest.raises(ValueError, match=message):
        rma(yi, vi)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"method": "XX"}, "method: expected one of"),
        ({"test": "t"}, "test: expected 'z' or 'knha'"),
        ({"level": 0.95}, "level: expected a percentage"),
        ({"mods": [1.0, 2.0]}, "mods: expected a"),
        ({"mods": [1.0, 1.0, 1.0]}, "mods: columns are constant or collinear"),
        ({"mods": [1.0, np.nan, 2.0]}, "mods: expected finite values"),
        ({"control": {"treshold": 1e-8}}, "control: unknown setting"),
    ],
)
def test_bad_options_name_the_argument(kwargs, message):
    with pytest.raises(ValueError, match=message):
        rma([0.1, 0.5, 0.3], [0.01, 0.02, 0.03], **kwargs)


def test_more_coefficients_than_studies_is_an_error():
    with pytest.raises(ValueError, match="mods: 3 coefficients need more than 3 studies"):
        rma([0.1, 0.5, 0.3], [0.01, 0.02, 0.03], mods=[[1, 0], [2, 5], [4, 1]])


def test_knha_with_an_exact_fit_is_documented_zero_se():
    """Identical effects: the Knapp–Hartung scale is 0 (as metafor); ad hoc falls back to Wald."""
    import json

    yi, vi = [0.0, 0.0, 0.0], [0.1, 0.2, 0.3]
    fit = rma(yi, vi, test="knha")
    assert fit.se == 0.0 and fit.ci_lb == fit.ci_ub == 0.0
    json.dumps(fit.to_dict(), allow_nan=False)  # 0/0 statistic becomes None, not NaN
    assert rma(yi, vi, test="knha", knha_adhoc=True).se == pytest.approx(rma(yi, vi).se)
