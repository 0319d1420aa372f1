"""Audit commands: ``hccmeta audit`` (consistency checks), ``hccmeta diff`` (double extraction)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from extraction.printable import printable
from reports.cli import app

if TYPE_CHECKING:  # the study-file machinery (pydantic) is imported inside the commands, so that
    # `hccmeta --help` answers fast (tests/reports/cli/test_cli_startup.py)
    from extraction.audit.findings import Finding

one_line = printable

EXIT_FINDINGS = 1
EXIT_INPUT_ERROR = 2
FORMATS = ("text", "csv", "json")
CSV_COLUMNS = ("file", "line", "severity", "check", "field", "message", "study", "numbers")


def render_findings(findings: list[Finding], fmt: str) -> str:
    """Findings as text (one ``file:line: severity check: field: message`` per line), CSV or
    JSON."""
    from extraction.audit.trail import csv_safe

    if fmt == "json":
        return json.dumps([f.as_dict() for f in findings], indent=2, ensure_ascii=False) + "\n"
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for f in findings:
            row = f.as_dict()
            row["numbers"] = json.dumps(row["numbers"], ensure_ascii=False)
            # printable: the CSV goes to a terminal too; one finding stays one row and line
            writer.writerow([csv_safe(printable(row[c]) if isinstance(row[c], str) else row[c])
                             for c in CSV_COLUMNS])
        return buffer.getvalue()
    return "".join(f.format() + "\n" for f in findings)


def _fail(message: str) -> typer.Exit:
    typer.echo(printable(message), err=True)
    return typer.Exit(EXIT_INPUT_ERROR)


@app.command()
def audit(
    paths: list[Path] = typer.Argument(None, help="study files or folders (default: studies/)"),
    strict: bool = typer.Option(False, "--strict", help="exit 1 when any error is found"),
    fmt: str = typer.Option("text", "--format", help="text | csv | json"),
    severity: str = typer.Option("info", "--severity",
                                 help="least severity shown: info | warning | error"),
    trail: Path = typer.Option(None, "--trail", help="also write the audit trail (CSV) here"),
    list_checks: bool = typer.Option(False, "--list-checks", help="list the check ids and exit"),
) -> None:
    """Check extracted numbers for consistency; one finding per line:
    file:line: severity check-id: field: message. Exit 2 on invalid study files."""
    from extraction.audit import CHECKS, audit_paths, build_trail
    from extraction.audit.findings import RANK
    from extraction.loader import expand
    from reports.atomic import write_text_atomic
    from reports.cli.guard import protected_reason

    if list_checks:
        for spec in CHECKS.values():
            typer.echo(f"{spec.id:22} {spec.severity:8} {spec.family:11} {spec.description}")
        return
    if fmt not in FORMATS:
        raise _fail(f"hccmeta audit: --format: expected one of {', '.join(FORMATS)}, got {fmt!r}")
    if severity not in RANK or severity == "ok":
        raise _fail(f"hccmeta audit: --severity: expected info, warning or error, got "
                    f"{severity!r}")
    if trail is not None and trail.is_dir():
        raise _fail(f"hccmeta audit: --trail: {one_line(str(trail))}: expected a file path, "
                    "got a folder")
    paths = paths or [Path("studies")]
    files = expand(paths)
    if trail is not None and (why := protected_reason(trail, [*paths, *files])) is not None:
        raise _fail(f"hccmeta audit: --trail: {trail}: expected {why}")
    result = audit_paths(paths)
    if result.issues:
        for issue in result.issues:
            typer.echo(issue.format())
        raise _fail(f"{len(result.issues)} validation error(s) in "
                    f"{len({i.path for i in result.issues})} of {len(files)} file(s); "
                    "fix them (hccmeta validate) before auditing")
    if not files:
        raise _fail(f"no study files under {', '.join(map(str, paths))}")
    shown = [f for f in result.findings if RANK[f.severity] >= RANK[severity]]
    typer.echo(render_findings(shown, fmt), nl=False)
    if trail is not None:
        inputs = [r.path.parent / name for r in result.records for c in r.study.curves
                  for name in (c.file, c.risk_file) if name]
        if (why := protected_reason(trail, inputs)) is not None:  # a digitized curve
            raise _fail(f"hccmeta audit: --trail: {trail}: expected {why}")
        text = build_trail(result.records, result.findings).to_csv()
        try:
            write_text_atomic(trail, text)
        except OSError as exc:
            why = exc.strerror or type(exc).__name__
            if isinstance(exc, FileExistsError | NotADirectoryError):
                why = "a file where its folder should be"
            raise _fail(f"hccmeta audit: --trail: {one_line(str(trail))}: expected a writable "
                        f"file path, got {why}") from None
    counts = result.count()
    typer.echo(f"{counts['error']} error(s), {counts['warning']} warning(s), {counts['info']} "
               f"info in {len(result.records)} file(s)", err=True)
    if strict and result.has_errors:
        raise typer.Exit(EXIT_FINDINGS)


@app.command()
def diff(
    a: Path = typer.Argument(..., metavar="A.yaml", help="first extraction"),
    b: Path = typer.Argument(..., metavar="B.yaml", help="second extraction of the same paper"),
    numbers_only: bool = typer.Option(False, "--numbers-only",
                                      help="show numeric differences only"),
) -> None:
    """Compare two independent extractions of one paper: every differing value with its line in
    both files, values in only one file, agreement per field and overall, and Cohen's kappa over
    the categorical fields. Arms are paired by meaning (class, size, label, order), not by the ids
    each extractor chose; unmatched arms are listed. Exit 0 identical, 1 differing."""
    from extraction.audit import diff_records, load_extraction
    from extraction.issues import StudyFileError

    records = []
    for path in (a, b):
        if not path.is_file():
            what = ("a folder" if path.is_dir() else "a broken or looping symbolic link"
                    if path.is_symlink() else "a path that does not exist")
            raise _fail(f"{path}:0:0: expected a study file, got {what}")
        try:
            same = a.samefile(b)
        except OSError:
            same = False
        if same:  # a file against itself "agrees" 100% with kappa 1.00: not a double extraction
            raise _fail(f"{b}:0:0: expected a second extraction of the paper, got the same file "
                        f"as {a}")
        try:
            records.append(load_extraction(path))
        except StudyFileError as exc:
            for issue in exc.issues:
                typer.echo(issue.format())
            raise typer.Exit(EXIT_INPUT_ERROR) from None
    result = diff_records(records[0], records[1])
    for line in result.lines(numbers_only=numbers_only):
        typer.echo(line)
    if not result.identical:
        raise typer.Exit(EXIT_FINDINGS)
