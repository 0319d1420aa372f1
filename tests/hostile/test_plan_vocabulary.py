"""Issue 15: plan outcomes are checked against the vocabulary (``endpoint: orrr``, ``time: .inf``,
a landmark time on ``orr``) and a missing reference-line file is an error: each a located error,
exit 2, instead of "the index study does not report this outcome"."""

from __future__ import annotations

import pytest
from hostile_helpers import run

from reports.plan import DEFAULT_PLAN, PlanError, load_plan


def _plan(tmp_path, old: str, new: str):
    text = DEFAULT_PLAN.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path = tmp_path / "plan.yaml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path, text.replace(old, new)


@pytest.mark.parametrize("old,new,field,words", [
    ("endpoint: orr\n", "endpoint: orrr\n", "outcomes[0].endpoint", "did you mean 'orr'"),
    ("time: 12\n", "time: .inf\n", "outcomes[4].time", "expected"),
    ("time: 12\n", "time: 1e9\n", "outcomes[4].time", "1200"),
    ("endpoint: orr\n", "endpoint: orr\n    time: 12\n", "outcomes[0].time", "no time"),
    ("endpoint: os\n    measure: MED\n", "endpoint: orr\n    measure: MED\n",
     "outcomes[2].endpoint", "median outcome"),
])
def test_plan_vocabulary_errors_are_located(tmp_path, old, new, field, words):
    path, _text = _plan(tmp_path, old, new)
    with pytest.raises(PlanError) as info:
        load_plan(path)
    lines = [i.format() for i in info.value.issues]
    hit = [ln for ln in lines if f": {field}: " in ln]
    assert hit and words in hit[0], lines
    assert not hit[0].startswith(f"{path}:0:"), hit


def test_plan_typo_exits_2_in_the_report(tmp_path):
    path, _ = _plan(tmp_path, "endpoint: orr\n", "endpoint: orrr\n")
    result = run("report", "--plan", path, "--out", tmp_path / "out")
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "outcomes[0].endpoint: expected an endpoint" in result.output


def test_a_missing_reference_line_file_a_plan_asks_for_is_an_error(tmp_path):
    import shutil

    from hostile_helpers import STUDIES
    lib = tmp_path / "lib"
    lib.mkdir()
    for sid in ("zhai2025", "kim2024"):
        shutil.copy(STUDIES / f"{sid}.yaml", lib)
    plan = tmp_path / "plan.yaml"
    plan.write_text(DEFAULT_PLAN.read_text(encoding="utf-8"), encoding="utf-8")
    result = run("report", "--plan", plan, "--studies", lib, "--out", tmp_path / "out")
    assert result.exit_code == 2 and "Traceback" not in result.output, result.output
    assert f"{plan}:" in result.output
    assert "groups[0].references: expected the reference-line file" in result.output
    assert not (tmp_path / "out").exists()
