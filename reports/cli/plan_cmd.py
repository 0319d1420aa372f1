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
                              help="index study id written into the scaffold (a study of "
                              "the library: exit 2 otherwise)"),
    studies: Path = typer.Option(Path("studies"), "--studies", help="study library folder "
                                 "where the index study is looked up"),
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
    if (why := _unknown_index(index, studies)) is not None:
        typer.echo(f"--index: {why}", err=True)
        raise typer.Exit(2)
    try:
        write_text_atomic(file, scaffold(file.name, index), exclusive=True)
    except OSError as exc:
        typer.echo(f"{file}: expected a writable path, got {exc.strerror or exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"wrote {file}")


def _unknown_index(index: str, studies: Path) -> str | None:
    """Why ``index`` is not a study id of the library ``studies`` (None when it is).

    A study's id equals its file name (the loader checks it), so the ids are the names of the
    folder's study files, found as every command finds them (:func:`extraction.loader.expand`);
    no file is parsed.
    """
    from extraction.loader import STUDY_SUFFIXES, expand

    if not studies.is_dir():
        return (f"expected a study id of the library {studies}, got {index!r}, and no folder "
                f"{studies} to look it up in (hint: give --studies DIR)")
    ids = sorted({p.stem for p in expand([studies]) if p.suffix in STUDY_SUFFIXES})
    if index in ids:
        return None
    known = ", ".join(ids) if ids else "none: the folder has no study files"
    return f"expected a study id of the library {studies} ({known}), got {index!r}"
