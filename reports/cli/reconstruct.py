"""``hccmeta reconstruct``: pseudo-IPD from a digitized KM curve (Guyot et al. 2012)."""

from __future__ import annotations

import math
import re
from pathlib import Path

import typer

from reports.cli import app

EXIT_INPUT_ERROR = 2
EXIT_OUTPUT_ERROR = 1


def _fail(text: str, code: int = EXIT_INPUT_ERROR) -> typer.Exit:
    """Print one error line (control characters escaped) and return the exit to raise."""
    typer.echo(f"hccmeta reconstruct: {_printable(text)}", err=True)
    return typer.Exit(code)


def _printable(text: str) -> str:
    """``text`` with control characters (ESC, newlines) escaped: one message, one line."""
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii")
                   for ch in text)


def _same(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (a.exists() and b.exists() and a.samefile(b))
    except OSError:
        return False


def _check_output(flag: str, target: Path, inputs: list[Path], studies: Path,
                  outputs: tuple[tuple[Path, str], ...] = ()) -> None:
    """Refuse an output that is one of the inputs or of the other ``outputs`` (each with what
    it is), or lies in the study library (exit 2)."""
    for source in inputs:
        if _same(target, source):
            raise _fail(f"{flag}: expected a new file, got {target}, which is an input "
                        f"({source}): it would be overwritten; choose another {flag}")
    for other, what in outputs:
        if _same(target, other):
            raise _fail(f"{flag}: expected a file of its own, got {target}, which is also "
                        f"{what}: one would overwrite the other; choose another {flag}")
    library = studies.resolve()
    resolved = target.resolve()
    if studies.is_dir() and (resolved == library or library in resolved.parents):
        raise _fail(f"{flag}: expected a path outside the study library {studies}, got "
                    f"{target}: no command writes into the library; write elsewhere and "
                    "attach the file deliberately")


def _per_arm(values: list, name: str, arms: int, required: bool = False) -> list:
    """One value per arm: a repeated option given once per --curve, or not at all."""
    if not values and not required:
        return [None] * arms
    if len(values) != arms:
        raise typer.BadParameter(f"expected one {name} per --curve ({arms}), got {len(values)}",
                                 param_hint=name)
    return values


@app.command()
def reconstruct(
    curve: list[Path] = typer.Option(..., "--curve", help="digitized curve CSV: time,survival "
                                     "(header optional; proportion or percent); repeat for "
                                     "several arms"),
    risk: list[Path] = typer.Option([], "--risk", help="numbers at risk CSV: time,n_risk "
                                    "(a single row at time 0 means no risk table); one per "
                                    "--curve"),
    n: list[str] = typer.Option(..., "--n", help="patients in the arm (1 to 1,000,000: a larger "
                                "N is refused as a typing slip); one per --curve"),
    events: list[str] = typer.Option([], "--events", help="reported total events; one per "
                                     "--curve"),
    arm: list[str] = typer.Option([], "--arm", help="arm label, one per --curve; with several "
                                  "arms the output gets an arm column"),
    out: Path = typer.Option(..., "--out", help="pseudo-IPD CSV to write: time,event[,arm]"),
    plot: Path = typer.Option(None, "--plot", help="overlay figure (.png, .svg or .pdf); with "
                              "several arms one file per arm, <stem>_<arm><suffix>"),
    median: list[float] = typer.Option([], "--median", help="reported median (months), shown "
                                       "beside the reconstructed one; one per --curve"),
    step_reading: bool = typer.Option(False, "--step-reading", help="Guyot's reading: each "
                                      "click's drop happens at the click (no interpolation "
                                      "between clicks)"),
    scale: str = typer.Option("auto", "--scale", help="survival scale of the curve CSVs: auto "
                              "(detected; a file mixing scales is refused), proportion or "
                              "percent"),
    dataset: list[str] = typer.Option([], "--dataset", help="dataset name in a "
                                      "WebPlotDigitizer 'export all datasets' CSV (several "
                                      "curves side by side); one per --curve"),
    studies: Path = typer.Option(Path("studies"), "--studies", help="study library folder "
                                 "(outputs are never written into it)"),
) -> None:
    """Reconstruct pseudo-IPD (time,event[,arm]) from digitized Kaplan–Meier curves.

    Prints the diagnostics (reconstructed vs reported N, events, median, numbers at risk, and
    the deviation from the digitized points) to stderr for each arm. With neither --risk nor
    --events the total events are unknown: a warning gives the range the curve allows.
    Exit 2 on invalid input, 1 when the output cannot be written.
    """
    from extraction.audit.trail import csv_safe
    from extraction.km import (
        KMInputError,
        diagnose,
        preprocess,
        read_curve_csv,
        read_risk_csv,
    )
    from extraction.km import reconstruct as run
    from reports.atomic import write_text_atomic

    k = len(curve)
    risks = _per_arm(risk, "--risk", k)
    ns = [_count(v, "--n") for v in _per_arm(n, "--n", k, required=True)]
    totals = [None if v is None else _count(v, "--events")
              for v in _per_arm(events, "--events", k)]
    medians = _per_arm(median, "--median", k)
    datasets = _per_arm(dataset, "--dataset", k)
    labels = _per_arm(arm, "--arm", k) if arm else [f"arm{i + 1}" for i in range(k)]
    if len(set(labels)) != len(labels):
        raise typer.BadParameter("expected distinct arm labels", param_hint="--arm")
    if scale not in ("auto", "proportion", "percent"):
        raise _fail(f"--scale: expected auto, proportion or percent, got {scale!r}")
    for value in medians:
        if value is not None and not (math.isfinite(value) and value > 0):
            raise _fail(f"--median: expected a number of months > 0, got {value:g}")
    inputs = [*curve, *(r for r in risks if r is not None)]
    _check_output("--out", out, inputs, studies)
    multi = k > 1 or bool(arm)
    targets = _plot_targets(plot, labels, multi)
    for i, target in enumerate(targets):
        # each arm's figure, not only --plot itself: f_a.svg of arm a replaced an --out f_a.svg
        _check_output("--plot", target, inputs, studies, (
            (out, "the --out file"),
            *((t, f"the figure of arm {labels[j]!r}") for j, t in enumerate(targets[:i]))))
    lines = ["time,event,arm" if multi else "time,event"]
    results = []
    for i in range(k):
        try:
            digitized = read_curve_csv(curve[i], scale, datasets[i])
            table = read_risk_csv(risks[i]) if risks[i] is not None else None
            rec = run(preprocess(digitized), ns[i], table, totals[i],
                      interpolate=not step_reading)
        except KMInputError as exc:
            flag = {"n": "--n", "events": "--events"}.get(exc.field)
            text = (f"{flag}: {exc.message}" + (f" (hint: {exc.hint})" if exc.hint else "")
                    if flag and not exc.path else exc.format())
            where = f" (arm {labels[i]})" if multi else ""
            raise _fail(f"{text}{where}") from None
        results.append((labels[i], rec, diagnose(rec, medians[i]), curve[i]))
        suffix = f",{_csv_field(csv_safe(labels[i]))}" if multi else ""
        lines += [f"{t:.10g},{e}{suffix}" for t, e in zip(rec.time.tolist(), rec.event.tolist(),
                                                          strict=True)]
    try:
        write_text_atomic(out, "\n".join(lines) + "\n")
    except OSError as exc:
        raise _fail(f"--out: {out}: expected a writable file, got "
                    f"{exc.strerror or exc}", EXIT_OUTPUT_ERROR) from None
    for label, rec, diag, path in results:
        if multi:
            typer.echo(_printable(f"arm {label}:"), err=True)
        for line in diag.summary_lines():
            typer.echo(_printable(line), err=True)
        if rec.events_range is not None:
            lo, hi = rec.events_range
            typer.echo(_printable(
                f"warning: {f'arm {label}: ' if multi else ''}neither a risk table nor total "
                f"events given: the curve allows {lo}..{hi} events; {rec.n_events} "
                "reconstructed under an assumed censoring pattern; give --events or --risk"),
                err=True)
        if plot is not None:
            from reports.figures.km_overlay import plot_km_overlay

            target = targets[labels.index(label)]
            try:
                plot_km_overlay(diag, target, title=f"{path.name} ({label})" if multi
                                else path.name)
            except ValueError as exc:  # unknown image format
                raise _fail(f"--plot: {exc}") from None
            except OSError as exc:
                raise _fail(f"--plot: {target}: expected a writable file, got "
                            f"{exc.strerror or exc}", EXIT_OUTPUT_ERROR) from None
    total = sum(r.time.size for _, r, _, _ in results)
    n_events = sum(r.n_events for _, r, _, _ in results)
    typer.echo(_printable(f"wrote {out} ({total} patients, {n_events} events, {k} arm(s))"),
               err=True)


def _plot_targets(plot: Path | None, labels: list[str], multi: bool) -> list[Path]:
    """The figure file of each arm: ``plot`` itself, or ``<stem>_<arm><suffix>`` per arm."""
    if plot is None:
        return []
    if not multi:
        return [plot]
    out = []
    for label in labels:
        safe = re.sub(r"[^\w.-]+", "_", label).strip("_") or "arm"
        out.append(plot.with_name(f"{plot.stem}_{safe}{plot.suffix}"))
    return out


def _count(text: str, flag: str) -> int:
    """A whole number written in ASCII digits (``int()`` also takes ``1_0`` and other scripts'
    digits, which study files refuse)."""
    if not re.fullmatch(r"[+-]?[0-9]+", text.strip()):
        raise _fail(f"{flag}: expected a whole number in ASCII digits, got {text!r}")
    return int(text)


def _csv_field(text: str) -> str:
    """Quote a CSV field when it holds a comma, quote or line break (RFC 4180)."""
    if any(ch in text for ch in ',"\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text
