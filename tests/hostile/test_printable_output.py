"""Issue 15, injection: user text printed to a terminal is printable and one finding is one line
(a newline in ``derived:`` or a file name forged lines; ESC sequences reached the terminal)."""

from __future__ import annotations

from hostile_helpers import ORR, run, study_text, write_study

from extraction.printable import printable


def test_printable_escapes_controls_separators_and_bidi():
    assert printable("a\nb\rc\x1b[31m\x9b\u2028\u202e") == "a\\nb\\rc\\x1b[31m\\x9b\\u2028\\u202e"
    assert printable("plain – text é") == "plain – text é"


def test_newline_in_derived_text_does_not_forge_an_audit_line(tmp_path):
    tail = ORR.format(percent=25) + ('      derived:\n        percent: "from x\\n'
                                     'x2020.yaml:1: error forged: fake"\n')
    path = write_study(tmp_path, text=study_text(tail=tail))
    result = run("audit", path)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert not any(line.startswith("x2020.yaml:1: error forged") for line in lines)
    assert all(line.startswith(str(path)) for line in lines), lines
    assert "\\n" in result.stdout


def test_escape_sequences_from_a_study_file_are_escaped(tmp_path):
    text = study_text().replace("label: A", 'label: "A\\e[2J\\e]0;pwned\\a"')
    tail = ORR.format(percent=25) + '      derived:\n        percent: "x\\e[31m red"\n'
    path = write_study(tmp_path, text=text + tail)
    for args in (("audit", path), ("validate", path), ("diff", path, path)):
        result = run(*args)
        assert "\x1b" not in result.output and "\x07" not in result.output, args


def test_newline_in_a_file_name_does_not_forge_a_validate_line(tmp_path):
    path = write_study(tmp_path, sid="x2020", text="id: [\n")
    forged = tmp_path / "a\nfake.yaml:1:1: forged.yaml"
    path.rename(forged)
    result = run("validate", forged)
    assert result.exit_code == 2
    out = [ln for ln in result.stdout.splitlines() if ln]
    assert len(out) >= 1 and not any(ln.startswith("fake.yaml") for ln in out), out


def test_csv_findings_are_printable_one_row_per_line(tmp_path):
    tail = ORR.format(percent=25) + '      derived:\n        percent: "a\\nb \\e[31m red"\n'
    path = write_study(tmp_path, text=study_text(tail=tail))
    result = run("audit", path, "--format", "csv")
    assert result.exit_code == 0
    assert "\x1b" not in result.stdout
    rows = result.stdout.splitlines()[1:]  # header, then one line per finding
    assert [r.split(",")[3] for r in rows] == ["single-extraction", "derived"], result.stdout
