"""The ``hccmeta`` command line: one module per command group, registered on :data:`app`."""

from __future__ import annotations

import sys

import typer

app = typer.Typer(
    name="hccmeta",
    help="Literature-comparison meta-analysis workbench for hepatocellular carcinoma studies.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Each module registers its commands on `app` when imported.
from reports.cli import (
    report,
    study_files,
)

for _optional in ("pool", "reconstruct", "audit"):
    try:
        __import__(f"reports.cli.{_optional}")
    except ModuleNotFoundError as _exc:  # a command group not built yet
        if _exc.name != f"reports.cli.{_optional}":
            raise


def main() -> None:
    """Console-script entry point: no traceback for interrupted runs or broken pipes."""
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(1)
