"""Issue 15: ids are unique across the library (``x.yaml`` and ``x.yml`` with one id pooled the
arm twice, silently)."""

from __future__ import annotations

from hostile_helpers import run, study_text, write_study

from extraction import load_paths


def test_same_id_in_yaml_and_yml_is_a_located_error(tmp_path):
    write_study(tmp_path, "x2020")
    write_study(tmp_path, "x2020", text=study_text().replace("n: 108", "n: 120"), suffix=".yml")
    _records, issues = load_paths([tmp_path])
    assert len(issues) == 1, issues
    text = issues[0].format()
    assert text.startswith(f"{tmp_path / 'x2020.yml'}:2:5: id: expected an id unique"), text
    assert "x2020.yaml:2" in text
    for command in ("validate", "audit"):
        result = run(command, tmp_path)
        assert result.exit_code == 2, (command, result.output)
        assert "expected an id unique in the library" in result.output


def test_same_id_in_two_folders_is_an_error(tmp_path):
    write_study(tmp_path / "a", "x2020")
    write_study(tmp_path / "b", "x2020")
    _, issues = load_paths([tmp_path / "a", tmp_path / "b"])
    assert [i.field for i in issues] == ["id"]
