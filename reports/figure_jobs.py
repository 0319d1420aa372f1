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
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pandas as pd

_PLOT_MODULES = ("reports.figures.forest", "reports.figures.funnel", "reports.figures.km",
                 "reports.figures.bubble")


def _warm_up() -> None:
    """Worker initializer: import matplotlib and the plot modules before the first job arrives."""
    for module in _PLOT_MODULES:
        importlib.import_module(module)


def _run(module: str, name: str, frame: pd.DataFrame, path: Path, kwargs: dict[str, Any]
         ) -> pd.DataFrame:
    return getattr(importlib.import_module(module), name)(frame, path, **kwargs)


class FigureJobs:
    """A queue of figure jobs; use as a context manager (the pool is shut down on exit)."""

    def __init__(self, workers: int | None = None):
        n = workers if workers is not None else min(4, os.cpu_count() or 1)
        if "fork" not in multiprocessing.get_all_start_methods():  # Windows: draw in-process
            n = 1
        self._pool = (ProcessPoolExecutor(n, mp_context=multiprocessing.get_context("fork"),
                                          initializer=_warm_up) if n > 1 else None)
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

    def wait(self) -> list[pd.DataFrame]:
        """Block until every figure is written; re-raises the first failure."""
        return [j.result() if isinstance(j, Future) else j for j in self._jobs]

    def __enter__(self) -> FigureJobs:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=exc[0] is not None)
