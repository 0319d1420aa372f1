"""Helpers for the hostile-input tests (issue 15): a minimal study with one change, the CLI."""

from __future__ import annotations

import sys
from pathlib import Path

from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from minimal_study import MINIMAL_STUDY

from reports.cli import app

ROOT = Path(__file__).resolve().parents[2]
STUDIES = ROOT / "studies"


def study_text(sid: str = "x2020", arms_extra: str = "", tail: str = "") -> str:
    """The minimal study with ``arms_extra`` lines added to its arm and ``tail`` appended."""
    text = MINIMAL_STUDY.format(id=sid)
    if arms_extra:
        text = text.replace("    n: 108\n", "    n: 108\n" + arms_extra)
    return text + tail


def write_study(folder: Path, sid: str = "x2020", text: str | None = None,
                suffix: str = ".yaml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{sid}{suffix}"
    path.write_text(study_text(sid) if text is None else text, encoding="utf-8")
    return path


def run(*args: str):
    """Invoke the CLI in-process (stdout and stderr separate)."""
    return CliRunner().invoke(app, [str(a) for a in args])


ORR = """\
outcomes:
  binary:
    - endpoint: orr
      arm: a
      criteria: mrecist
      percent: {percent}
      source:
        location: abstract
"""
