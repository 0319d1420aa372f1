"""Study-file commands: ``validate``, ``new``, ``schema``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from extraction.printable import printable
from reports.atomic import write_text_atomic
from reports.cli import app
from reports.cli.guard import protected_reason

# The study-file machinery (pydantic) is imported inside the commands, so that `hccmeta --help`
# answers fast (tests/reports/cli/test_cli_startup.py).
one_line = printable

EXIT_INPUT_ERROR = 2


@app.command()
def validate(
    paths: list[Path] = typer.Argument(None, help="study files or folders (default: studies/)"),
) -> None:
    """Check study files; print every error as path:line:col: field: message. Exit 2 on errors."""
    from extraction import load_paths
    from extraction.audit.plausibility import likely_slips
    from extraction.loader import expand

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
        typer.echo(printable(f"no study files under {', '.join(map(str, paths))}"), err=True)
        raise typer.Exit(EXIT_INPUT_ERROR)
    for finding in likely_slips(records):  # valid, but probably not what was meant
        typer.echo(printable(f"{finding.file}:{finding.line}: hint: {finding.field}: "
                             f"{finding.message} (hccmeta audit: {finding.check})"), err=True)
    typer.echo(f"{len(records)} study file(s) valid", err=True)


@app.command()
def new(
    study_id: str = typer.Argument(..., metavar="ID", help="e.g. finn2020_imbrave150"),
    folder: Path = typer.Option(Path("studies"), "--dir", help="where to create it"),
) -> None:
    """Create studies/ID.yaml: a scaffold with every field, to fill in and validate."""
    from extraction.scaffold import scaffold

    try:
        text = scaffold(study_id)
    except ValueError as exc:
        typer.echo(printable(f"hccmeta new: ID: {exc}"), err=True)
        raise typer.Exit(EXIT_INPUT_ERROR) from None
    target = folder / f"{study_id}.yaml"
    try:
        if target.is_symlink() or target.exists():  # a dangling link counts: never write through
            _exists(target)
        write_text_atomic(target, text, exclusive=True)
    except OSError as exc:
        if _present(target):  # created meanwhile: os.link refused to overwrite it
            _exists(target)
        _unwritable("new", folder, "a writable folder", exc)
    typer.echo(printable(f"created {target}: fill in every FILL, then run hccmeta validate "
                         f"{target}"))


def _exists(target: Path) -> None:
    typer.echo(f"hccmeta new: {one_line(str(target))} exists; not overwritten", err=True)
    raise typer.Exit(EXIT_INPUT_ERROR)


def _present(path: Path) -> bool:
    try:
        return path.is_symlink() or path.exists()
    except OSError:
        return False


def _unwritable(command: str, path: Path, expected: str, exc: OSError) -> None:
    """Report a file-system error as one line and exit 2 (no traceback)."""
    why = exc.strerror or type(exc).__name__
    blocker = Path(exc.filename) if isinstance(exc.filename, str) else None
    if isinstance(exc, FileExistsError | NotADirectoryError) and blocker and blocker.is_file():
        why = f"{one_line(str(blocker))} is a file, not a folder"
    typer.echo(f"hccmeta {command}: {one_line(str(path))}: expected {expected}, got {why}",
               err=True)
    raise typer.Exit(EXIT_INPUT_ERROR)


@app.command()
def schema(
    out: Path = typer.Option(None, "--out", help="write to this file instead of stdout"),
) -> None:
    """Print the JSON Schema of a study file (for editor completion)."""
    from extraction import json_schema

    text = json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"
    if out is None:
        try:
            sys.stdout.write(text)
            sys.stdout.flush()
        except (BrokenPipeError, OSError, ValueError) as exc:
            why = getattr(exc, "strerror", None) or "a closed output"
            typer.echo(f"hccmeta schema: stdout: expected a writable output, got {why}",
                       err=True)
            raise typer.Exit(1) from None
    else:
        if (why := protected_reason(out)) is not None:
            typer.echo(f"hccmeta schema: --out: {printable(out)}: expected {why}", err=True)
            raise typer.Exit(EXIT_INPUT_ERROR)
        try:
            write_text_atomic(out, text)
        except OSError as exc:
            _unwritable("schema", out, "a writable file path", exc)
        typer.echo(printable(f"wrote {out}"), err=True)
