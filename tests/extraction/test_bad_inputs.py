"""The bad-input corpus: every malformed study file gets its exact line and field, exit 2,
no traceback, and nothing is written or executed.

Expectations live in the corpus files themselves: the line where the error must be reported ends
with ``# expect: FIELD`` (``-`` for a file-level error). Regenerate with
``python tests/bad_inputs/make_corpus.py``.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from extraction.yaml_source import MAX_BYTES
from reports.cli import app

CORPUS = Path(__file__).resolve().parents[1] / "bad_inputs"
FILES = sorted(CORPUS.glob("*.yaml"))
MARKER = re.compile(rb"#\s*expect:\s*(\S+)")
LINE = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+):(?P<col>\d+): (?:(?P<field>[\w.\[\]]+): )?"
                  r"(?P<message>expected .+, got .+)$")
PWNED = Path("/tmp/hccmeta_pwned_marker")
CORPUS_SIZE = 67  # committed files (plus the generated 50 MB case); may grow, never shrink


def expected_errors(path: Path) -> set[tuple[int, str]]:
    """(line, field) pairs announced by ``# expect:`` markers; the empty file errs at line 1."""
    found = set()
    for number, line in enumerate(path.read_bytes().splitlines(), start=1):
        match = MARKER.search(line)
        if match:
            field = match.group(1).decode()
            found.add((number, "" if field == "-" else field))
    return found or {(1, "")}


def snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_corpus_cannot_shrink():
    assert len(FILES) >= CORPUS_SIZE >= 30


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_bad_file_reports_line_and_field(path: Path, tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    before = snapshot(CORPUS)
    PWNED.unlink(missing_ok=True)
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    reported = set()
    for line in lines:
        match = LINE.match(line.split(" (hint: ")[0])
        assert match, f"not in the path:line:col: field: expected …, got … form: {line}"
        assert match["path"] == str(path)
        reported.add((int(match["line"]), match["field"] or ""))
    assert reported == expected_errors(path)
    assert snapshot(CORPUS) == before, "the study file or its folder was modified"
    assert not any(tmp_path.iterdir()), "validate wrote a file"
    assert not PWNED.exists(), "a YAML tag executed code"


def test_fifty_megabyte_file_is_refused_without_reading(tmp_path: Path):
    big = tmp_path / "big.yaml"
    with big.open("wb") as handle:
        handle.write(b"schema_version: 1\nnotes: '")
        handle.seek(50 * 1024 * 1024)
        handle.write(b"'\n")
    result = CliRunner().invoke(app, ["validate", str(big)])
    assert result.exit_code == 2
    assert result.stdout.strip() == (f"{big}:1:1: expected a study file of at most {MAX_BYTES} "
                                     f"bytes, got {big.stat().st_size} bytes (hint: split the file "
                                     "or move digitized curves to studies/km/*.csv)")


def test_alias_bomb_is_refused_quickly():
    import time

    start = time.process_time()  # CPU time: waiting for a CPU on a loaded machine is not counted
    result = CliRunner().invoke(app, ["validate", str(CORPUS / "alias_bomb.yaml")])
    assert time.process_time() - start < 2.0
    assert result.exit_code == 2
    assert "anchors and aliases are not allowed" in result.stdout


def test_console_script_reports_all_files_with_exit_2_and_no_traceback():
    exe = Path(sys.executable).parent / "hccmeta"
    proc = subprocess.run([str(exe), "validate", str(CORPUS)], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stdout + proc.stderr
    reported_files = {line.split(":")[0] for line in proc.stdout.splitlines()}
    assert reported_files == {str(p) for p in FILES}
    assert f"in {len(FILES)} of {len(FILES)} file(s)" in proc.stderr


def test_every_error_of_a_file_at_once(tmp_path: Path):
    text = (CORPUS / "negative_count.yaml").read_text()
    text = text.replace("id: negative_count", "id: many").replace("  year: 2020", "  year: 1800")
    text = text.replace("    n: 50", "    n: 0\n    colour: x").replace("design: single_arm_trial",
                                                                       "design: nope")
    study = tmp_path / "many.yaml"
    study.write_text(text)
    result = CliRunner().invoke(app, ["validate", str(study)])
    fields = [line.split(": ")[1] for line in result.stdout.splitlines()]
    assert fields == ["citation.year", "design", "arms[0].n", "arms[0].colour",
                      "outcomes.binary[0].events"]
