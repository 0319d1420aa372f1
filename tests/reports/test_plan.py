"""The analysis plan: the bundled default validates; errors are located by line and column."""

from __future__ import annotations

from pathlib import Path

import pytest

from reports.plan import DEFAULT_PLAN, PlanError, load_plan


def test_default_plan_is_valid_and_names_the_index_study():
    plan, _ = load_plan()
    assert plan.index.study == "zhai2025"
    assert plan.estimator == "REML"
    assert {g.id for g in plan.groups} >= {"rt_ici", "ici_1l_phase3", "tki"}
    kinds = {o.kind for o in plan.outcomes}
    assert kinds == {"proportion", "median", "landmark", "adverse_event"}
    assert {o.measure for o in plan.outcomes if o.kind == "median"} == {"MED"}


def _bad(tmp_path: Path, old: str, new: str) -> list[str]:
    text = DEFAULT_PLAN.read_text()
    assert old in text
    path = tmp_path / "plan.yaml"
    path.write_text(text.replace(old, new, 1))
    with pytest.raises(PlanError) as info:
        load_plan(path)
    return [i.format() for i in info.value.issues]


def _line(old: str) -> int:
    return DEFAULT_PLAN.read_text().splitlines().index(old) + 1


def test_unknown_key_is_reported_with_its_line(tmp_path):
    line = _line("estimator: REML")
    msgs = _bad(tmp_path, "estimator: REML", "estimatr: REML")
    assert any(m.startswith(f"{tmp_path / 'plan.yaml'}:{line}:1: estimatr:") for m in msgs), msgs


def test_bad_estimator_is_reported_with_its_line_and_column(tmp_path):
    line = _line("estimator: REML")
    msgs = _bad(tmp_path, "estimator: REML", "estimator: REMLX")
    assert any(f":{line}:12: estimator: expected" in m for m in msgs), msgs


def test_unknown_group_in_outcome_is_rejected(tmp_path):
    msgs = _bad(tmp_path, "    measure: PLO\n  - id: dcr", "    measure: PLO\n    groups: [nope]\n"
                "  - id: dcr")
    assert any("nope" in m for m in msgs), msgs


def test_median_outcome_needs_med_measure(tmp_path):
    msgs = _bad(tmp_path, "    measure: MED", "    measure: PLO")
    assert any("expected measure MED" in m for m in msgs), msgs


def test_missing_plan_file(tmp_path):
    with pytest.raises(PlanError, match="does not exist"):
        load_plan(tmp_path / "none.yaml")
