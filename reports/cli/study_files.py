"""Study-file commands: ``validate``, ``new``, ``schema``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from extraction import json_schema, load_paths
from extraction.loader import expand
from extraction.scaffold import scaffold
from reports.atomic import write_text_atomic
from reports.cli import app

EXIT_INPUT_ERROR = 2


@app.command()
def validate(
    paths: list[Path] = typer.Argument(None, help="study files or folders (default: studies/)"),
) -> None:
    """Check study files; print every error as path:line:col: field: message. Exit 2 on errors."""
    paths = paths or [Path("studies")]
    files = expand(paths)
    records, issues = load_paths(paths)
    for issue in issues:
        typer.echo(issue.format())
    bad = len({i.path for i in issues})
    if issues:
        typer.echo(f"{len(issues)} error(s) in {bad} of {len(files)} file(s)", err=True)
        raise typer.Exit(EXIT_INPUT_ERROR)
    if not files:
        typer.echo(f"no study files under {', '.join(map(str, paths))}", err=True)
        raise typer.Exit(EXIT_INPUT_ERROR)
    typer.echo(f"{len(records)} study file(s) valid", err=True)


@app.command()
def new(
    study_id: str = typer.Argument(..., metavar="ID", help="e.g. finn2020_imbrave150"),
    folder: Path = typer.Option(Path("studies"), "--dir", help="where to create it"),
) -> None:
    """Create studies/ID.yaml: a scaffold with every field, to fill in and validate."""
    try:
        text = scaffold(study_id)
    except ValueError as exc:
        typer.echo(f"hccmeta new: ID: {exc}", err=True)
        raise typer.Exit(EXIT_INPUT_ERROR) from None
    target = folder / f"{study_id}.yaml"
    if target.exists():
        typer.echo(f"hccmeta new: {target} exists; not overwritten", err=True)
        raise typer.Exit(EXIT_INPUT_ERROR)
    write_text_atomic(target, text, exclusive=True)
    typer.echo(f"created {target}: fill in every FILL, then run hccmeta validate {target}")


@app.command()
def schema(
    out: Path = typer.Option(None, "--out", help="write to this file instead of stdout"),
) -> None:
    """Print the JSON Schema of a study file (for editor completion)."""
    text = json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"
    if out is None:
        sys.stdout.write(text)
    else:
        write_text_atomic(out, text)
        typer.echo(f"wrote {out}", err=True)
