"""The texts the library was read from travel with the project (studies/sources/): every copy
named in PROVENANCE.yaml exists, has its pinned sha256 and says where it came from, and nothing else
lies there unlisted. Tests read these copies, never a folder outside the repository."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ROOT / "studies" / "sources"


def test_every_copied_source_has_its_pinned_hash_and_provenance():
    manifest = yaml.safe_load((SOURCES / "PROVENANCE.yaml").read_text(encoding="utf-8"))
    listed = set()
    for entry in manifest["files"]:
        path = SOURCES / entry["file"]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"], entry["file"]
        assert entry["source"] and entry["citation"] and entry["what"], entry["file"]
        listed.add(path)
    on_disk = {p for p in SOURCES.rglob("*") if p.is_file() and p.name != "PROVENANCE.yaml"}
    assert on_disk == listed


def test_no_test_or_command_reads_outside_the_repository():
    sibling = "/".join(["..", "sha" + "red"])  # spelt so that this file does not match itself
    parent = re.compile(r"parents?\b.*/\s*[\"']" + "sha" + "red" + r"[\"']")
    offenders = []
    for folder in ("tests", "extraction", "meta", "reports", "benchmarks"):
        for path in (ROOT / folder).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            if sibling in text or parent.search(text):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
