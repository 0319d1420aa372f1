"""Draw the report's figures in worker processes while the main process keeps analysing.

Each job names its plot function by module and name, so the main process never imports
matplotlib; the workers (forked) import it once each. With one CPU, ``workers=1``, or where
``fork`` is not available, jobs run in the calling process. Every plot function still returns
the frame it drew; :meth:`wait` returns them in submission order.
"""

from __future__ import annotations

import importlib
import multiprocessing
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pandas as pd

PLOT_MODULES = ("reports.figures.forest", "reports.figures.funnel", "reports.figures.km",
                "reports.figures.bubble", "reports.figures.km_benchmark")
"""What a figure worker imports before its first job (the test session imports them before
its builds fork workers, so that each worker does not import them again)."""


PR_SET_PDEATHSIG = 1
"""Linux prctl option: the signal a process receives when its parent dies (prctl(2))."""


def die_with_parent(parent: int) -> bool:
    """Ask the kernel to SIGKILL this process when its parent dies (Linux ``PR_SET_PDEATHSIG``).

    After ``kill -9`` of ``hccmeta report`` its figure workers used to live on for minutes. Returns
    False where prctl is not available (the workers then end when they find the pool closed).
    """
    import ctypes
    import signal

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) != 0:
            return False
    except (OSError, AttributeError):
        return False
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)
    return True


def _warm_up(parent: int | None = None) -> None:
    """Worker initializer: die with the parent, ignore Ctrl-C (the parent handles it and shuts
    the pool down), import matplotlib and the plot modules before the first job arrives."""
    import signal

    if parent is not None:
        die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    for module in PLOT_MODULES:
        importlib.import_module(module)


def _run(module: str, name: str, frame: pd.DataFrame, path: Path, kwargs: dict[str, Any]
         ) -> pd.DataFrame:
    return getattr(importlib.import_module(module), name)(frame, path, **kwargs)


def _call(module: str, name: str, args: tuple[Any, ...]) -> Any:
    return getattr(importlib.import_module(module), name)(*args)


def running_threads() -> int:
    """Threads of this process as the kernel counts them (``/proc/self/task``): also those
    started without :mod:`threading` (pytest-xdist's I/O thread is one, and a child forked
    beside it hung on a lock), else :func:`threading.active_count`."""
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return threading.active_count()


class FigureJobs:
    """A queue of figure jobs; use as a context manager (the pool is shut down on exit)."""

    def __init__(self, workers: int | None = None):
        n = workers if workers is not None else min(4, os.cpu_count() or 1)
        if "fork" not in multiprocessing.get_all_start_methods():  # Windows: draw in-process
            n = 1
        if running_threads() > 1:
            # forking a process that runs other threads can deadlock the child (a lock held
            # by another thread at the fork stays held; Python's os.fork documentation): an
            # application or test runner with threads gets its figures drawn in-process
            n = 1
        self._pool = (ProcessPoolExecutor(n, mp_context=multiprocessing.get_context("fork"),
                                          initializer=_warm_up, initargs=(os.getpid(),))
                      if n > 1 else None)
        self._jobs: list[Future[pd.DataFrame] | pd.DataFrame] = []
        if self._pool is not None:  # forked workers all start at the first submit: start them now
            self._pool.submit(int)

    def submit(self, function: str, frame: pd.DataFrame, path: Path, **kwargs: Any) -> None:
        """Queue ``reports.figures.<function>(frame, path, **kwargs)``."""
        module = f"reports.figures.{function.removeprefix('plot_')}"
        if self._pool is None:
            self._jobs.append(_run(module, function, frame, path, kwargs))
        else:
            self._jobs.append(self._pool.submit(_run, module, function, frame, path, kwargs))

    def call(self, module: str, name: str, *args: Any) -> Callable[[], Any]:
        """Run ``module.name(*args)`` in a worker (in this process without a pool), beside the
        main process; returns a function that waits for the result (re-raising a failure).
        The build subsets the HTML page's fonts this way while it compiles the PDF."""
        if self._pool is None:
            value = getattr(importlib.import_module(module), name)(*args)
            return lambda: value
        return self._pool.submit(_call, module, name, args).result

    def map(self, function: Callable[[Any], Any], items: Sequence[Any]) -> list[Any]:
        """``[function(item) for item in items]``, computed by the workers (in this process
        without a pool); ``function`` and the items must pickle. The build analyses its
        comparisons this way, before any figure is queued."""
        if self._pool is None:
            return [function(item) for item in items]
        return list(self._pool.map(function, items))

    def wait(self) -> list[pd.DataFrame]:
        """Block until every figure is written; re-raises the first failure."""
        return [j.result() if isinstance(j, Future) else j for j in self._jobs]

    def __enter__(self) -> FigureJobs:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is None:
            return
        if exc[0] is None:
            self._pool.shutdown(wait=True)
        else:
            self.abort()

    def abort(self) -> None:
        """Drop queued jobs and stop the running ones now (an error, Ctrl-C or SIGTERM), so that
        no worker writes into a staging folder that is being removed."""
        if self._pool is None:
            return
        pool, self._pool = self._pool, None
        processes = list((getattr(pool, "_processes", None) or {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            process.terminate()
        for process in processes:
            process.join(timeout=5)
