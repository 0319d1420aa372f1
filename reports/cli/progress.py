"""Progress of a long command on a terminal: each finished step as a line with its time, the
current one as a spinner (rich). Silent when standard error is not a terminal (CI logs, pipes)
or with ``--quiet``."""

from __future__ import annotations

import time
from contextlib import AbstractContextManager
from types import TracebackType
from typing import Any

from extraction.printable import printable


class Steps(AbstractContextManager["Steps"]):
    """``with Steps(enabled) as steps: steps("loading studies") ...``."""

    def __init__(self, enabled: bool, first: str = "starting"):
        self.enabled = enabled
        self._current: str | None = None
        self._since = time.perf_counter()
        self._status: Any = None
        self._console: Any = None
        self._first = first

    def __enter__(self) -> Steps:
        if self.enabled:
            from rich.console import Console

            self._console = Console(stderr=True, highlight=False)
            self._status = self._console.status(printable(self._first))
            self._status.__enter__()
            self._current = self._first
        return self

    def __call__(self, message: str) -> None:
        """Close the current step (a line with its duration) and start ``message``."""
        if not self.enabled:
            return
        self._finish()
        self._current = printable(message)
        self._since = time.perf_counter()
        self._status.update(self._current)

    def _finish(self) -> None:
        if self._current is not None:
            took = time.perf_counter() - self._since
            self._console.print(f"[green]✓[/green] {self._current} [dim]({took:.1f} s)[/dim]",
                                markup=True)

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self.enabled:
            if exc_type is None:
                self._finish()
            self._status.__exit__(exc_type, exc, tb)
