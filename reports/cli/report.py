"""``hccmeta report``: the comparison report (PDF and HTML) from the study library."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer

from extraction.printable import printable
from reports.cli import app


@contextmanager
def _exit_on_sigterm() -> Iterator[None]:
    """While building, SIGTERM unwinds like Ctrl-C (exit 143), so that the staging folder is
    removed and the figure workers are stopped on the way out; the previous handler is restored
    afterwards."""
    import signal
    import threading

    def handler(signum: int, frame: object) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # once: the cleanup must not be cut short
        raise SystemExit(128 + signum)

    if threading.current_thread() is not threading.main_thread():  # an embedding application
        yield
        return
    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@app.command()
def report(
    plan: Path = typer.Option(None, "--plan", help="analysis plan YAML (default: the bundled "
                              "reports/plans/default.yaml)"),
    out: Path = typer.Option(Path("build/report"), "--out", help="output folder"),
    studies: Path = typer.Option(Path("studies"), "--studies", help="study library folder"),
    index: str = typer.Option(None, "--index", metavar="STUDY[:ARM]", help="index study (and "
                              "arm) to compare, any study of the library; overrides the plan's "
                              "index"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="no progress and no closing line "
                               "(errors are still printed); progress is shown only on a "
                               "terminal"),
) -> None:
    """Build the comparison report (PDF and HTML) from the study library."""
    from reports.build import ReportError, build_report
    from reports.cli.progress import Steps

    start = time.perf_counter()
    try:
        with _exit_on_sigterm(), Steps(not quiet and sys.stderr.isatty(), "starting") as steps:
            result = build_report(studies, plan, out, argv=["hccmeta", *sys.argv[1:]],
                                  step=steps, index=index)
    except ReportError as exc:
        for line in exc.lines:
            typer.echo(printable(line), err=True)
        raise typer.Exit(2) from None
    if not quiet:
        typer.echo(printable(f"wrote {result.pdf}, {result.html} and results.json/.csv in "
                             f"{time.perf_counter() - start:.1f} s"))
