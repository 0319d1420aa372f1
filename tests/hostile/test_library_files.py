"""Issue 15: study files symlinked from outside the library are refused (as curves are), and
CR-only line endings give the right line and column (they gave line 1 column 1933)."""

from __future__ import annotations

import os

import pytest
from hostile_helpers import run, study_text, write_study

from extraction import load_paths


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symbolic links")
def test_a_study_file_linked_from_outside_the_library_is_refused(tmp_path):
    lib = tmp_path / "studies"
    write_study(lib, "a2020")
    elsewhere = write_study(tmp_path / "elsewhere", "x2020")
    (lib / "x2020.yaml").symlink_to(elsewhere)
    (lib / "b2020.yaml").symlink_to(lib / "a2020.yaml")  # inside: allowed (then a duplicate id)
    records, issues = load_paths([lib])
    outside = [i for i in issues if "outside" in i.message]
    assert len(outside) == 1 and outside[0].path == str(lib / "x2020.yaml"), issues
    assert "x2020" not in {r.id for r in records}
    result = run("validate", lib)
    assert result.exit_code == 2 and "symbolic link" in result.stdout
    assert run("validate", elsewhere).exit_code == 0  # named directly: the user's choice


@pytest.mark.parametrize("newline", ["\r", "\r\n", "\n"])
def test_line_and_column_are_right_for_every_line_ending(tmp_path, newline):
    text = study_text().replace("n: 108", "n: -108").replace("\n", newline)
    path = tmp_path / "x2020.yaml"
    path.write_bytes(text.encode())
    result = run("validate", path)
    assert result.exit_code == 2
    assert result.stdout.startswith(f"{path}:13:8: arms[0].n: expected a number >= 1"), (
        result.stdout)


def test_tab_indentation_is_located_in_a_cr_only_file(tmp_path):
    text = study_text().replace("    n: 108", "\tn: 108").replace("\n", "\r")
    path = tmp_path / "x2020.yaml"
    path.write_bytes(text.encode())
    result = run("validate", path)
    assert f"{path}:13:1: expected spaces for indentation" in result.stdout, result.stdout
