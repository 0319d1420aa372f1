"""Standard output that cannot lose text silently (issue 15: ``audit`` exited 0 with stdout
closed; with stdout on a full disk it printed a traceback).

:func:`guard_stdout` wraps ``sys.stdout`` so that a failed write or flush raises
:class:`OutputLostError`; with stdout closed at start (``hccmeta audit >&-``, where Python sets
``sys.stdout`` to None and click drops every line) each write raises it too. The console entry
point turns it into one line on stderr and exit code 1.
"""

from __future__ import annotations

import errno
import sys
from typing import Any


class OutputLostError(OSError):
    """Text meant for standard output could not be written."""


class _GuardedStdout:
    def __init__(self, stream: Any):
        self._stream = stream

    def _fail(self, exc: BaseException | None) -> OutputLostError:
        why = getattr(exc, "strerror", None) or ("it is closed" if self._stream is None
                                                 else str(exc))
        return OutputLostError(getattr(exc, "errno", None) or errno.EBADF, why)

    def write(self, text: str) -> int:
        if self._stream is None:
            raise self._fail(None)
        try:
            return self._stream.write(text)
        except (OSError, ValueError) as exc:
            raise self._fail(exc) from None

    def flush(self) -> None:
        if self._stream is None:
            return
        try:
            self._stream.flush()
        except (OSError, ValueError) as exc:
            raise self._fail(exc) from None

    def isatty(self) -> bool:
        return bool(self._stream is not None and self._stream.isatty())

    def __getattr__(self, name: str) -> Any:
        if self._stream is None:
            raise AttributeError(name)
        return getattr(self._stream, name)


def guard_stdout() -> None:
    """Replace ``sys.stdout`` by a guard that raises :class:`OutputLostError` on lost text."""
    if not isinstance(sys.stdout, _GuardedStdout):
        sys.stdout = _GuardedStdout(sys.stdout)  # type: ignore[assignment]


def flush_stdout() -> None:
    """Flush standard output now (raises :class:`OutputLostError`), not at interpreter exit."""
    if sys.stdout is not None:
        sys.stdout.flush()
