"""``hccmeta report``: until the comparison report is built, validate the library and say what
the report will contain."""

from __future__ import annotations

from pathlib import Path

import typer

from extraction import load_paths
from reports.cli import app


@app.command()
def report(
    plan: Path = typer.Option(None, "--plan", help="analysis plan YAML"),
    out: Path = typer.Option(Path("build/report"), "--out", help="output folder"),
    studies: Path = typer.Option(Path("studies"), "--studies", help="study library"),
) -> None:
    """Build the comparison report (PDF and HTML) from the study library."""
    records, issues = load_paths([studies])
    for issue in issues:
        typer.echo(issue.format())
    if issues:
        raise typer.Exit(2)
    typer.echo(f"{len(records)} study file(s) valid under {studies}/")
    typer.echo("The comparison report (index study vs pooled historical benchmarks, forest "
               f"plots, KM overlays; PDF and HTML in {out}/) is not built yet: see issue 6.")
