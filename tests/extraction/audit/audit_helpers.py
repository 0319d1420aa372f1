"""Helpers for the audit tests: load a case, mutate one value of the clean study, find lines."""

from __future__ import annotations

import shutil
from pathlib import Path

from extraction import load_study
from extraction.audit import audit_records
from extraction.audit.findings import Finding

CASES = Path(__file__).resolve().parent / "cases"
CLEAN = CASES / "clean" / "clean2020.yaml"


def line_of(text: str, anchor: str) -> int:
    """1-based line of the single line of ``text`` that contains ``anchor``."""
    hits = [i for i, line in enumerate(text.splitlines(), start=1) if anchor in line]
    assert len(hits) == 1, f"anchor {anchor!r} found on lines {hits}"
    return hits[0]


def mutate(tmp_path: Path, old: str, new: str, source: Path = CLEAN) -> tuple[Path, str]:
    """Copy ``source`` into ``tmp_path`` with the single occurrence of ``old`` replaced."""
    text = source.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
    text = text.replace(old, new)
    target = tmp_path / source.name
    target.write_text(text, encoding="utf-8")
    km = source.parent / "km"
    if km.is_dir():
        shutil.copytree(km, tmp_path / "km", dirs_exist_ok=True)
    return target, text


def audit_file(path: Path) -> list[Finding]:
    """Findings of one study file (no cross-file checks)."""
    return audit_records([load_study(path)], cross_file=False)
