"""Re-pin the content hashes of the study library (as R's metadat pins its data sets).

Run after a reviewed change to a file under ``studies/``::

    .venv/bin/python tests/studies/pin_library_hashes.py

It rewrites ``tests/studies/library_hashes.json`` (file -> sha256 of its bytes); commit both
together.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STUDIES = ROOT / "studies"
PIN_FILE = ROOT / "tests" / "studies" / "library_hashes.json"
PINNED_GLOBS = ("*.yaml", "external/*.yaml", "pending/*.yaml", "ipd/*.csv", "ipd/*.yaml")
"""Study files, external reference lines, pending records, and the patient-level data with its
attribution and manifest (digitized curves are not pinned)."""


def library_files() -> list[Path]:
    """Every pinned file of the library, sorted by its path relative to ``studies/``."""
    files = {p for pattern in PINNED_GLOBS for p in STUDIES.glob(pattern) if p.is_file()}
    return sorted(files, key=lambda p: p.relative_to(STUDIES).as_posix())


def current_hashes() -> dict[str, str]:
    """``studies/``-relative path -> sha256 hex digest of the file's bytes."""
    return {p.relative_to(STUDIES).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in library_files()}


def main() -> int:
    """Write the pin file and say how many files it pins."""
    hashes = current_hashes()
    PIN_FILE.write_text(json.dumps(hashes, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(f"pinned {len(hashes)} file(s) in {PIN_FILE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
