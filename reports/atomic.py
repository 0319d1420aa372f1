"""Atomic output: write to a temporary file in the target folder, then rename into place.

A crash or a full disk leaves either the old file or the new one, never half of one. The file gets
the permissions a plain ``open(path, "w")`` would give it: those of the file it replaces, else
``0o666`` less the umask (``tempfile.mkstemp`` alone would leave ``0o600``).
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path


def _umask() -> int:
    """The process umask (read by setting and restoring it; not thread-safe, like any umask
    change, but the CLI writes from one thread)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _mode_for(target: Path) -> int:
    """Permission bits for ``target``: the existing file's, else ``0o666 & ~umask``."""
    try:
        return stat.S_IMODE(os.stat(target).st_mode)
    except OSError:
        return 0o666 & ~_umask()


def write_bytes_atomic(target: Path, data: bytes, exclusive: bool = False) -> None:
    """Write ``data`` to ``target`` atomically.

    Parameters
    ----------
    target : Path
        Final path; its folder is created if needed.
    data : bytes
        Content.
    exclusive : bool
        Refuse (FileExistsError) if ``target`` exists when the rename would happen.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    mode = _mode_for(target)
    handle, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        os.fchmod(handle, mode)
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        if exclusive:
            os.link(temp, target)  # fails if target exists
            os.unlink(temp)
        else:
            os.replace(temp, target)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise


def write_text_atomic(target: Path, text: str, exclusive: bool = False) -> None:
    """Write UTF-8 ``text`` to ``target`` atomically (see :func:`write_bytes_atomic`)."""
    write_bytes_atomic(target, text.encode("utf-8"), exclusive=exclusive)
