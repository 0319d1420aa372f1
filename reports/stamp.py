"""Reproducibility stamp: hashes of every input, package versions, command line and date."""

from __future__ import annotations

import datetime as dt
import hashlib
import platform
import shlex
import sys
from importlib import metadata
from pathlib import Path

PACKAGES = ("hccmeta", "numpy", "scipy", "pandas", "statsmodels", "matplotlib", "jinja2",
            "pydantic", "pyyaml", "typst")


def sha256(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _shown(path: Path) -> str:
    """``path`` relative to the working folder when it lies inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def versions() -> list[tuple[str, str]]:
    """(package, version) for Python and the packages the report depends on."""
    out = [("python", platform.python_version())]
    for name in PACKAGES:
        try:
            out.append((name, metadata.version(name)))
        except metadata.PackageNotFoundError:
            out.append((name, "not installed"))
    return out


def stamp(inputs: list[Path], argv: list[str] | None = None,
          now: dt.datetime | None = None) -> dict[str, object]:
    """The stamp as a plain dict for the templates.

    ``inputs`` are hashed in the given order; ``digest`` is the SHA-256 over the sorted
    ``name  hash`` lines, one number identifying the whole input set.
    """
    files = [(_shown(p), sha256(p)) for p in inputs]
    joined = "\n".join(f"{h}  {n}" for n, h in sorted(files)).encode()
    now = now or dt.datetime.now(dt.UTC)
    return {
        "files": files,
        "digest": hashlib.sha256(joined).hexdigest(),
        "versions": versions(),
        "command": shlex.join(argv if argv is not None else ["hccmeta", *sys.argv[1:]]),
        "date": now.strftime("%Y-%m-%d %H:%M:%S UTC"),
    }
