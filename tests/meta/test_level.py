"""meta.level: the one confidence convention (level in percent) and the one critical value."""

from __future__ import annotations

import pytest
from scipy import stats

from meta import rma
from meta.errors import MetaInputError
from meta.level import check_level, critical_value


def test_critical_value_normal_and_t_against_scipy():
    assert critical_value(95) == pytest.approx(1.959963984540054, rel=1e-15)
    assert critical_value(90) == pytest.approx(stats.norm.ppf(0.95), rel=1e-14)
    assert critical_value(95, 10) == pytest.approx(stats.t.ppf(0.975, 10), rel=1e-12)


@pytest.mark.parametrize("bad", [0.95, 0, 100, 150, "x", None])
def test_check_level_refuses_proportions_and_out_of_range(bad):
    with pytest.raises(MetaInputError, match="level: expected a percentage"):
        check_level(bad)


def test_a_proportion_gets_a_hint_and_is_a_value_error():
    with pytest.raises(ValueError, match=r"for 95% write 95"):
        check_level(0.95)


@pytest.mark.parametrize("call", [
    lambda: rma([0.1, 0.2, 0.3], [0.01, 0.02, 0.03], level=0.95),
    lambda: critical_value(0.95),
])
def test_every_entry_point_uses_the_same_check(call):
    with pytest.raises(MetaInputError, match="level: expected a percentage"):
        call()
