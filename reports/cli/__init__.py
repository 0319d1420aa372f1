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
    rich_markup_mode=None,  # plain click help: typer.rich_utils costs ~0.1-0.2 s per --help
)

# Each module registers its commands on `app` when imported; heavy libraries are imported inside
# the commands (tests/reports/cli/test_cli_startup.py), so `--help` answers in about 0.2 s.
from reports.cli import audit, plan_cmd, pool, reconstruct, report, study_files


def main() -> None:
    """Console-script entry point: no traceback for interrupted runs or broken pipes; exit 1 with
    one line when standard output is closed or full and output was lost."""
    from reports.blas import single_threaded_blas
    from reports.cli.output import OutputLostError, flush_stdout, guard_stdout

    single_threaded_blas()  # before any command imports NumPy
    guard_stdout()
    try:
        try:
            app()
        finally:
            flush_stdout()
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(1)
    except OutputLostError as exc:
        sys.stderr.write(f"hccmeta: stdout: expected a writable output, got {exc.strerror}; "
                         "output lost\n")
        sys.exit(1)
