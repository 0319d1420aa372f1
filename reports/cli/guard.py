"""Where a command may write: never into the study library, over a study file, or over its own
input (issue 15: ``schema --out`` and ``audit --trail`` overwrote the study being audited)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from extraction.printable import printable

LIBRARY = Path("studies")
"""The default study library (relative to the working folder)."""


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return path.absolute()


def protected_reason(out: Path, inputs: Iterable[Path] = (), library: Path = LIBRARY
                     ) -> str | None:
    """Why ``out`` must not be written, or None.

    Refused: a path inside ``library`` (or the library itself), inside a folder named in
    ``inputs``, equal to an input file, or an existing ``.yaml``/``.yml`` file (a study file,
    plan or reference-line file: outputs of these commands are JSON or CSV).
    """
    target = _resolved(out)
    lib = _resolved(library)
    if target == lib or lib in target.parents:
        return f"a path outside the study library {printable(library)}, got one inside it"
    for given in inputs:
        src = _resolved(given)
        if target == src:
            return f"a path other than the command's input {printable(given)}, got the same"
        if given.is_dir() and src in target.parents:
            return (f"a path outside the input folder {printable(given)} (the study library), "
                    "got one inside it")
    from extraction.loader import STUDY_SUFFIXES

    if out.suffix.lower() in STUDY_SUFFIXES and (out.exists() or out.is_symlink()):
        return "a new file or an earlier output, got an existing YAML file (a study file?)"
    return None
