"""``hccmeta reconstruct``: pseudo-IPD from a digitized KM curve (Guyot et al. 2012)."""

from __future__ import annotations

from pathlib import Path

import typer

from reports.cli import app

EXIT_INPUT_ERROR = 2


@app.command()
def reconstruct(
    curve: Path = typer.Option(..., "--curve", help="digitized curve CSV: time,survival "
                               "(header optional; proportion or percent)"),
    risk: Path = typer.Option(None, "--risk", help="numbers at risk CSV: time,n_risk "
                              "(a single row at time 0 means no risk table)"),
    n: int = typer.Option(..., "--n", help="patients in the arm"),
    events: int = typer.Option(None, "--events", help="reported total events"),
    out: Path = typer.Option(..., "--out", help="pseudo-IPD CSV to write: time,event"),
    plot: Path = typer.Option(None, "--plot", help="overlay figure (.png, .svg or .pdf)"),
    median: float = typer.Option(None, "--median", help="reported median (months), shown "
                                 "beside the reconstructed one"),
    step_reading: bool = typer.Option(False, "--step-reading", help="Guyot's reading: each "
                                      "click's drop happens at the click (no interpolation "
                                      "between clicks)"),
) -> None:
    """Reconstruct pseudo-IPD (time,event) from a digitized Kaplan–Meier curve.

    Prints the diagnostics (reconstructed vs reported N, events, median, numbers at risk, and
    the deviation from the digitized points) to stderr. Exit 2 on invalid input.
    """
    from extraction.km import (
        KMInputError,
        diagnose,
        preprocess,
        read_curve_csv,
        read_risk_csv,
    )
    from extraction.km import reconstruct as run
    from reports.atomic import write_text_atomic

    try:
        digitized = read_curve_csv(curve)
        table = read_risk_csv(risk) if risk is not None else None
        rec = run(preprocess(digitized), n, table, events, interpolate=not step_reading)
    except KMInputError as exc:
        flag = {"n": "--n", "events": "--events"}.get(exc.field)
        text = f"{flag}: {exc.message}" if flag and not exc.path else exc.format()
        typer.echo(f"hccmeta reconstruct: {text}", err=True)
        raise typer.Exit(EXIT_INPUT_ERROR) from None
    diag = diagnose(rec, median)
    lines = ["time,event"] + [f"{t:.10g},{e}" for t, e in zip(rec.time.tolist(),
                                                             rec.event.tolist(), strict=True)]
    write_text_atomic(out, "\n".join(lines) + "\n")
    for line in diag.summary_lines():
        typer.echo(line, err=True)
    if plot is not None:
        from reports.km_overlay_plot import plot_km_overlay

        try:
            plot_km_overlay(diag, plot, title=curve.name)
        except ValueError as exc:  # unknown image format
            typer.echo(f"hccmeta reconstruct: --plot: {exc}", err=True)
            raise typer.Exit(EXIT_INPUT_ERROR) from None
    typer.echo(f"wrote {out} ({rec.time.size} patients, {rec.n_events} events)", err=True)
