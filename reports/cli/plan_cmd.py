"""``hccmeta plan new FILE``: write a commented analysis-plan scaffold."""

from __future__ import annotations

from pathlib import Path

import typer

from reports.cli import app

plan_app = typer.Typer(help="Analysis plans (the comparator groups and outcomes of a report).",
                       no_args_is_help=True)
app.add_typer(plan_app, name="plan")


@plan_app.command("new")
def new_plan(
    file: Path = typer.Argument(..., metavar="FILE", help="plan file to create (.yaml)"),
    index: str = typer.Option("zhai2025", "--index", metavar="STUDY",
                              help="index study id written into the scaffold"),
) -> None:
    """Write a commented plan scaffold that loads as it is; edit it, then
    ``hccmeta report --plan FILE``."""
    from reports.atomic import write_text_atomic
    from reports.cli.guard import protected_reason
    from reports.plan_scaffold import scaffold

    if file.exists() or file.is_symlink():
        typer.echo(f"{file}: expected a new file, got an existing one; choose another name",
                   err=True)
        raise typer.Exit(2)
    if (why := protected_reason(file)) is not None:  # a plan in studies/ breaks the library
        typer.echo(f"{file}: expected {why}", err=True)
        raise typer.Exit(2)
    try:
        write_text_atomic(file, scaffold(file.name, index), exclusive=True)
    except OSError as exc:
        typer.echo(f"{file}: expected a writable path, got {exc.strerror or exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"wrote {file}")
