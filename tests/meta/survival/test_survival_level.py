"""One confidence convention in the survival estimators: ``level`` in percent, as metafor."""

from __future__ import annotations

import numpy as np
import pytest

from meta.survival import cox_hr, kaplan_meier, summarize_arm

TIME = np.array([1.0, 2.0, 2.0, 3.5, 4.0, 5.0, 6.5, 7.0, 9.0, 12.0])
EVENT = np.array([1, 1, 0, 1, 0, 1, 1, 0, 1, 0])
ARM = np.array([0, 1, 0, 1, 0, 1, 0, 1, 0, 1])


@pytest.mark.parametrize("bad", [0.95, 0.9, 1.0, 0, -5, 100, 120, float("nan"), "95%"])
def test_level_as_proportion_or_out_of_range_is_refused_not_nan(bad):
    with pytest.raises(ValueError, match="level: expected a percent"):
        kaplan_meier(TIME, EVENT, level=bad)
    with pytest.raises(ValueError, match="level: expected a percent"):
        cox_hr(TIME, EVENT, ARM, level=bad)


def test_level_proportion_message_suggests_the_percent():
    with pytest.raises(ValueError, match=r"did you mean 95\?"):
        kaplan_meier(TIME, EVENT, level=0.95)


def test_old_conf_level_keyword_is_gone():
    with pytest.raises(TypeError):
        kaplan_meier(TIME, EVENT, conf_level=95)  # type: ignore[call-arg]


def test_level_90_uses_the_90_percent_quantile():
    f95, f90 = kaplan_meier(TIME, EVENT, level=95), kaplan_meier(TIME, EVENT, level=90)
    ok = np.isfinite(f95.lower) & (f95.surv > 0)
    # log CI: log(S / lower) = z se, so the ratio of log-widths is z90 / z95
    ratio = np.log(f90.surv[ok] / f90.lower[ok]) / np.log(f95.surv[ok] / f95.lower[ok])
    np.testing.assert_allclose(ratio[f95.std_err[ok] > 0], 1.6448536269514722 / 1.959963984540054)
    assert f90.level == 90.0 and np.isfinite(f90.lower).any()
    c = cox_hr(TIME, EVENT, ARM, level=90)
    assert np.log(c.upper / c.hr) == pytest.approx(1.6448536269514722 * c.se)


@pytest.mark.parametrize(("time", "event", "what"), [
    ([1.0, -2.0], [1, 0], "time"), ([1.0, np.nan], [1, 0], "time"), ([1.0, 2.0], [1, 2], "event"),
    ([1.0, 2.0], [1], "equal length"), ([], [], "non-empty")])
def test_bad_survival_input_names_the_argument(time, event, what):
    with pytest.raises(ValueError, match=what):
        kaplan_meier(time, event)


def test_arm_summary_flags_rmst_beyond_follow_up():
    s = summarize_arm("a", TIME, EVENT, tau=24)
    assert s.rmst_extrapolated and s.follow_up == 12.0
    assert np.isnan(s.landmarks.surv[-1])  # S(24) is beyond follow-up
    assert not summarize_arm("a", TIME, EVENT, tau=10).rmst_extrapolated
