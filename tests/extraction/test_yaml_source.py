"""The YAML layer: positions, what is fatal, what is reported while the rest is still validated
(from an adversarial review: deep nesting, YAML 1.1 number forms, control characters, line
breaks that editors do not count, every error of a file at once)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from minimal_study import MINIMAL_STUDY

from extraction import StudyFileError, load_paths, load_study

SEED = Path(__file__).resolve().parents[2] / "studies" / "zhai2025.yaml"
BASE = MINIMAL_STUDY


def _issues(tmp_path: Path, text: str, name: str = "t") -> list[tuple[int, int, str, str]]:
    path = tmp_path / f"{name}.yaml"
    path.write_text(text.replace("{id}", name), encoding="utf-8")
    with pytest.raises(StudyFileError) as info:
        load_study(path)
    return [(i.line, i.col, i.field, i.message) for i in info.value.issues]


def test_base_is_valid(tmp_path: Path):
    path = tmp_path / "t.yaml"
    path.write_text(BASE.replace("{id}", "t"))
    assert load_study(path).study.arms[0].n == 108


@pytest.mark.parametrize("depth", [65, 490, 999])
def test_deep_nesting_is_an_error_not_a_crash(tmp_path: Path, depth: int):
    text = BASE + "notes: " + "[" * depth + "1" + "]" * depth + "\n"
    issues = _issues(tmp_path, text)
    deep = [i for i in issues if "levels of nesting" in i[3]]
    assert len(deep) == 1 and deep[0][0] == 18
    assert [i[2] for i in issues if i not in deep] == ["notes"]  # and notes is not text


@pytest.mark.parametrize(("written", "meaning"), [("010", "octal 8"), ("1:48", "base-60 108"),
                                                  ("0x6C", "hex 108"), ("1_08", "108")])
def test_numbers_not_in_plain_decimal_are_refused(tmp_path: Path, written: str, meaning: str):
    (issue,) = _issues(tmp_path, BASE.replace("n: 108", f"n: {written}"))
    assert issue[:3] == (13, 8, "arms[0].n"), meaning
    assert issue[3] == f"expected a decimal number, got {written!r}"


def test_plain_decimals_still_read(tmp_path: Path):
    text = BASE.replace("n: 108", "n: 108\n    rt_dose_gy: 0.5e2\n    rt_fractions: +5\n"
                        "    regimen: '1e5'")
    path = tmp_path / "t.yaml"
    path.write_text(text.replace("{id}", "t"))
    arm = load_study(path).study.arms[0]
    assert (arm.rt_dose_gy, arm.rt_fractions, arm.regimen) == (50.0, 5, "1e5")  # quoted: text


def test_a_huge_number_gets_a_short_message(tmp_path: Path):
    (issue,) = _issues(tmp_path, BASE.replace("n: 108", "n: " + "9" * 5000))
    assert issue[2] == "arms[0].n" and len(issue[3]) < 80 and "digits" in issue[3]


def test_control_character_is_located(tmp_path: Path):
    (issue,) = _issues(tmp_path, BASE.replace("label: A", "label: A\x07B"))
    assert issue[:2] == (11, 13)
    assert issue[3] == "expected text without control characters, got U+0007"


def test_unicode_line_separators_do_not_shift_lines(tmp_path: Path):
    text = BASE.replace("title: T", 'title: "Foo\u2028bar\x85baz"').replace("n: 108", "n: -1")
    (issue,) = _issues(tmp_path, text)
    assert issue[:3] == (13, 8, "arms[0].n")


def test_non_ascii_text_keeps_columns(tmp_path: Path):
    text = BASE.replace("label: A", "label: ≥≥≥ ✓\n    colour: x")
    (issue,) = _issues(tmp_path, text)
    assert issue[:3] == (12, 5, "arms[0].colour")


def test_yaml_level_problems_do_not_hide_schema_errors(tmp_path: Path):
    text = BASE.replace("    n: 108", "    n: 108\n    n: 109\n    label2: x")
    text = text.replace("design: retrospective_cohort", "design: cohort\n!!python/name:os.system"
                        " : 1\nnotes: !!python/object/apply:os.system ['true']")
    fields = [(line, f) for line, _, f, _ in _issues(tmp_path, text)]
    assert sorted(fields) == [(8, "design"), (9, ""), (10, "notes"), (16, "arms[0].n"),
                              (17, "arms[0].label2")]


def test_a_dropped_value_is_reported_once(tmp_path: Path):
    issues = _issues(tmp_path, BASE.replace("  year: 2025", "  year: !!python/none ''"))
    assert [(i[2]) for i in issues] == ["citation.year"]


def test_unclosed_bracket_names_where_it_opened(tmp_path: Path):
    (issue,) = _issues(tmp_path, BASE.replace("authors: [Zhai Y]", "authors: [Zhai Y\n  x: 1"))
    assert "at line 5, col 12" in issue[3]


def test_non_scalar_key_message(tmp_path: Path):
    (issue,) = _issues(tmp_path, BASE + "[a]: b\n")
    assert issue[3] == "expected a field name as key, got a list"


@pytest.mark.parametrize(("top", "got"), [("~", "nothing (null)"), ("hello", "text 'hello'")])
def test_top_level_scalar(tmp_path: Path, top: str, got: str):
    (issue,) = _issues(tmp_path, top + "\n")
    assert issue[3] == f"expected a mapping of study fields, got {got}"


def test_fifo_is_refused_without_blocking(tmp_path: Path):
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    _, issues = load_paths([fifo])
    assert [i.message for i in issues] == [
        "expected a regular file, got a special file (pipe, socket, device)"]


def test_symlink_loop_is_named(tmp_path: Path):
    loop = tmp_path / "loop.yaml"
    loop.symlink_to(loop)
    _, issues = load_paths([loop])
    assert issues[0].message == "expected a study file, got a broken or looping symbolic link"


def test_plan_and_reference_files_report_yaml_level_problems_too(tmp_path: Path):
    from extraction.external import ReferenceFileError, load_reference_file
    from reports.plan import DEFAULT_PLAN, PlanError, load_plan

    plan = tmp_path / "plan.yaml"
    text = DEFAULT_PLAN.read_text()
    first = next(line for line in text.splitlines() if line[:1].isalpha())
    plan.write_text(text + "\n" + first + "\n")  # the first key again, at the end
    with pytest.raises(PlanError) as info:
        load_plan(plan)
    assert any("duplicate" in i.format() for i in info.value.issues)
    refs = Path(__file__).resolve().parents[2] / "studies" / "external" / "published_pooled.yaml"
    bad = tmp_path / "refs.yaml"
    bad.write_text(refs.read_text().replace("studies: 16", "studies: 016", 1))
    with pytest.raises(ReferenceFileError) as info:
        load_reference_file(bad)
    assert [i.message for i in info.value.issues] == ["expected a decimal number, got '016'"]


@pytest.mark.parametrize("char", ["\u202e", "\u2066", "\u202a"])
def test_bidirectional_controls_are_refused(tmp_path: Path, char: str):
    (issue,) = _issues(tmp_path, BASE.replace("label: A", f"label: A{char}B"))
    assert issue[:3] == (11, 12, "arms[0].label")
    assert issue[3] == ("expected text without bidirectional control characters, got "
                        f"U+{ord(char):04X}")
