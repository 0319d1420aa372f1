"""Orchestration of ``hccmeta report``: study library + plan -> PDF and HTML.

Everything is built in a temporary folder next to the output folder and moved into place at
the end, so the output folder holds either the previous complete report or the new one, never
a half-written mix. Long steps report progress through ``rich`` when a progress callback is
given.
"""

from __future__ import annotations

import glob
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from extraction import StudyRecord, load_paths
from extraction import vocabulary as vocab
from extraction.audit import audit_records, build_trail
from extraction.external import ReferenceFileError
from extraction.loader import expand
from extraction.yaml_source import YamlDocument
from reports import fmt, overlap_section, references, render, summary
from reports.analysis import ReportAnalysis, analyse
from reports.analysis.data import OutcomeData, study_label
from reports.analysis.groups import GroupAnalysis, benchmark_only
from reports.analysis.overlap import OverlapResult
from reports.context import (
    SCALES,
    caveats,
    group_items,
    methods,
    summary_line,
)
from reports.plan import DEFAULT_PLAN, Index, Plan, PlanError, load_plan
from reports.sections import (
    audit_findings,
    not_computed_section,
    same_as_note,
    same_pool_key,
    sensitivity,
    studies_table,
)
from reports.stamp import stamp
from reports.tables import reviewer
from reports.tables.audit import appendix, inputs_block, inputs_id, used_arms
from reports.tables.cite import cite_rows

Step = Callable[[str], None]


class ReportError(Exception):
    """A problem of user input that stops the report (the CLI exits with code 2)."""

    def __init__(self, lines: list[str]):
        self.lines = lines
        super().__init__("\n".join(lines))


@dataclass(frozen=True)
class BuildResult:
    """What a build produced."""

    out: Path
    pdf: Path
    html: Path
    context: dict[str, Any]
    analyses: tuple[GroupAnalysis, ...]
    overlaps: tuple[OverlapResult, ...] = ()
    analysis: ReportAnalysis | None = None


def with_index(plan: Plan, index: str) -> Plan:
    """``plan`` with the index study (and arm) of ``--index STUDY[:ARM]``; the claim is kept."""
    study, colon, arm = index.partition(":")
    try:
        if colon and not arm:  # 'zhai2025:' ran as if no arm was named
            raise ValueError(index)
        new = Index(study=study, arm=arm or None, claim=plan.index.claim)
    except (ValidationError, ValueError):
        raise ReportError([f"--index: expected STUDY or STUDY:ARM (lower-case ids), got "
                           f"{index!r}"]) from None
    return plan.model_copy(update={"index": new, "title": f"{study}"
                               + (f" ({arm})" if arm else "")
                               + " against historical benchmarks"})


def _load(studies: Path, plan_path: Path | None, index_arg: str | None = None
          ) -> tuple[Plan, YamlDocument, list[StudyRecord], Path]:
    try:
        plan, doc = load_plan(plan_path)
    except PlanError as exc:
        raise ReportError([i.format() for i in exc.issues]) from None
    if index_arg is not None:
        plan = with_index(plan, index_arg)
    if not studies.exists():
        raise ReportError([f"{studies}: expected a study library folder, got a path that does "
                           "not exist"])
    records, issues = load_paths([studies])
    if issues:
        raise ReportError([i.format() for i in issues]
                          + [f"{len(issues)} problem(s) in the study library: fix them "
                             "(hccmeta validate) before building the report"])
    if not records:
        raise ReportError([f"{studies}: no study files (*.yaml): the report needs the index "
                           f"study '{plan.index.study}' and at least one benchmark study"])
    ids = {r.id for r in records}
    where = "--index" if index_arg is not None else f"{plan_path or DEFAULT_PLAN}: index.study"
    if plan.index.study not in ids:
        raise ReportError([f"{where}: expected a study of the "
                           f"library ({', '.join(sorted(ids))}), got '{plan.index.study}'"])
    index = next(r for r in records if r.id == plan.index.study)
    arm_ids = [a.id for a in index.study.arms]
    if plan.index.arm is not None and plan.index.arm not in arm_ids:
        where = ("--index" if index_arg is not None
                 else f"{plan_path or DEFAULT_PLAN}: index.arm")
        raise ReportError([f"{where}: expected an arm of "
                           f"{plan.index.study} ({', '.join(arm_ids)}), got '{plan.index.arm}'"])
    if len(records) < 2:
        raise ReportError([f"{studies}: only one study file ({records[0].shown}): a comparison "
                           "report needs at least one benchmark study besides the index study"])
    return plan, doc, records, plan_path or DEFAULT_PLAN


MARKER = ".hccmeta-report"
"""File written into every report folder: only such a folder (or an empty one) is replaced."""


def check_out(out: Path, studies: Path, inputs: tuple[Path, ...] = ()) -> None:
    """Refuse an ``--out`` that would destroy anything but an earlier report.

    ``out`` is replaced as a whole, so it must not exist, be empty, or be a folder an earlier
    report made (it holds :data:`MARKER`; a folder with only ``figures/`` or a ``report.pdf`` of
    the user's own is not one); it must not be, contain or lie inside the study library; and no
    input (the plan) may lie inside it.
    """
    target, library = out.resolve(), studies.resolve()
    if target == library or library in target.parents or target in library.parents:
        raise ReportError([f"{out}: expected an output folder outside the study library "
                           f"{studies}, got one that {'is' if target == library else 'overlaps'} "
                           "it", ])
    for given in inputs:
        if target == given.resolve() or target in given.resolve().parents:
            raise ReportError([f"{out}: expected an output folder that does not hold the "
                               f"report's input {given}, got one that does; choose another "
                               "--out"])
    if not out.exists() and not out.is_symlink():
        return
    if not out.is_dir() or out.is_symlink():
        raise ReportError([f"{out}: expected a folder for the report, got an existing file; "
                           "choose another --out"])
    entries = {p.name for p in out.iterdir()}
    if entries and MARKER not in entries:
        raise ReportError([f"{out}: expected a new or empty folder or an earlier hccmeta report "
                           f"(marked by {MARKER}), got a folder holding {len(entries)} other "
                           f"entries (e.g. {sorted(entries)[0]!r}); it would be replaced: "
                           "choose another --out"])


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, owned by another user
        return True
    return True


def remove_stale_staging(out: Path) -> list[Path]:
    """Remove staging folders of ``out`` left by a build that was killed (``kill -9`` cannot be
    cleaned up after): ``.<out>.XXXX.tmp`` folders whose marker names a process that has ended.
    A folder without a readable marker, or of a running build, is left alone."""
    removed = []
    parent, name = out.resolve().parent, out.resolve().name
    for folder in parent.glob(f".{glob.escape(name)}.*.tmp"):
        try:
            text = (folder / MARKER).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        pids = [int(w) for line in text.splitlines() if line.startswith("pid ")
                for w in line.split()[1:2] if w.isdigit()]
        if folder.is_dir() and not folder.is_symlink() and pids and not _alive(pids[0]):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


@contextmanager
def staging(out: Path, on_error: Callable[[], None] | None = None) -> Iterator[Path]:
    """A temporary folder beside ``out`` that replaces ``out`` on success, vanishes on error.

    It is removed on every exit path (an error, Ctrl-C, SIGTERM unwound by the CLI), after
    ``on_error`` (stop the figure workers writing into it). File-system failures (no permission,
    a full disk, a file where a folder is needed...) become a :class:`ReportError` with one line.
    """
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_staging(out)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.resolve().name}.", suffix=".tmp",
                                    dir=out.resolve().parent))
    except OSError as exc:
        raise ReportError([f"{out}: expected a writable output folder, got "
                           f"{exc.strerror or exc}"]) from None
    try:
        tmp.chmod(0o755)  # mkdtemp makes 0700; the report folder is meant to be shared
        (tmp / MARKER).write_text("written by hccmeta report; this folder is replaced by the "
                                  f"next build\npid {os.getpid()}\n", encoding="utf-8")
        try:
            yield tmp
        except BaseException as exc:
            if on_error is not None:
                on_error()
            if not isinstance(exc, OSError):
                raise
            # a full disk, a folder made read-only meanwhile...
            where = f" ({exc.filename})" if getattr(exc, "filename", None) else ""
            raise ReportError([f"{out}: expected to write the report, got "
                               f"{exc.strerror or exc}{where}; the previous report (if any) is "
                               "unchanged"]) from None
        old = None
        try:
            if out.exists():
                old = Path(tempfile.mkdtemp(prefix=f".{out.resolve().name}.", suffix=".old",
                                            dir=out.resolve().parent))
                os.replace(out, old / "previous")
            os.replace(tmp, out)
        except OSError as exc:
            if old is not None and (old / "previous").exists() and not out.exists():
                os.replace(old / "previous", out)  # put the earlier report back
            raise ReportError([f"{out}: expected a replaceable output folder, got "
                               f"{exc.strerror or exc}"]) from None
        finally:
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _index_row(data: OutcomeData) -> Any:
    f = data.frame
    if f.empty or not f["is_index"].any():
        return None
    return f[f["is_index"]].iloc[0]


def _analyse(records: list[StudyRecord], plan: Plan, jobs: Any = None) -> ReportAnalysis:
    from extraction.km import KMInputError

    try:  # the comparisons are computed by the figure workers, idle until then
        return analyse(records, plan, mapper=map if jobs is None else jobs.map)
    except KMInputError as exc:
        raise ReportError([str(exc)]) from None


def build_report(studies: Path = Path("studies"), plan_path: Path | None = None,
                 out: Path = Path("build/report"), argv: list[str] | None = None,
                 step: Step | None = None, index: str | None = None) -> BuildResult:
    """Build the report; raises :class:`ReportError` for unusable input.

    ``index`` (``STUDY`` or ``STUDY:ARM``) replaces the plan's index study, so that any study of
    the library can be compared with the plan's comparator groups.

    The figure workers start first, so that they import matplotlib while the library is loaded
    and analysed.
    """
    from reports.figure_jobs import FigureJobs

    with FigureJobs() as jobs:
        return _build_report(jobs, studies, plan_path, out, argv, step, index)


def _build_report(jobs: Any, studies: Path, plan_path: Path | None, out: Path,
                  argv: list[str] | None, step: Step | None, index_arg: str | None = None
                  ) -> BuildResult:
    from reports.figures.forest_frame import forest_frame
    from reports.sensitivity_figures import bubbles, funnels
    from reports.survival_section import survival

    say = step or (lambda _msg: None)
    say("loading plan and study library")
    plan, plan_doc, records, plan_file = _load(studies, plan_path, index_arg)
    try:
        ref_lines = references.load(studies)
    except ReferenceFileError as exc:
        raise ReportError([i.format() for i in exc.issues]) from None
    bad_refs = references.check_plan(plan, plan_doc, str(plan_file), ref_lines,
                                     None if plan_path is None
                                     else references.reference_file(studies))
    if bad_refs:
        raise ReportError([i.format() for i in bad_refs])
    ref_audit: list[dict[str, str]] = []
    index = next(r for r in records if r.id == plan.index.study)
    check_out(out, studies, (plan_file,))
    with staging(out, getattr(jobs, "abort", None)) as tmp:
        figdir = tmp / "figures"
        figdir.mkdir()
        say("analysing")
        result = _analyse(records, plan, jobs)
        datas, analyses, outcomes = list(result.outcomes), list(result.comparisons), []
        for data in datas:
            outcome = data.outcome
            row = _index_row(data)
            groups = []
            seen: dict[tuple[object, ...], tuple[str, list[tuple[str, str]]]] = {}
            for a in result.for_outcome(outcome.id) if row is not None else ():
                group = a.group
                bench = benchmark_only(a, plan)
                uses = {u.id: u for u in a.references}
                every = references.for_group(ref_lines, outcome, group)
                refs = [r for r in every if uses[r["line"].id].use == "matched"]
                kv = group_items(a, row, plan, data.provenance) + [
                    ("Published reference", r["text"]) for r in refs] + [
                    ("Published reference (context, not drawn)",
                     f"{r['text']} — not comparable: {uses[r['line'].id].reason}")
                    for r in every if r not in refs]
                ref_audit += [r for r in references.audit_rows(every, outcome, ref_lines, out)
                              if r["field"] not in {x["field"] for x in ref_audit}]
                entry: dict[str, Any] = {"label": group.label, "figure": None, "caption": "",
                                         "kv": kv,
                                         "excluded": [(e.label, f"{e.reason} [rule {e.rule}]")
                                                      for e in a.exclusions
                                                      if e.rule not in reviewer.GROUP_RULES],
                                         "bubbles": [],
                                         "inputs": inputs_block(a, data.provenance),
                                         "inputs_id": inputs_id(a)}
                key = same_pool_key(a, tuple(r["line"].id for r in refs))
                entry["same_as"] = ""
                if key is not None and key in seen:  # same arms as an earlier group: said once
                    entry["same_as"] = same_as_note(seen[key][0])
                    entry["kv"] = [kv_row for kv_row in kv if kv_row not in seen[key][1]]
                elif key is not None:
                    seen[key] = (group.label, kv)
                if not a.arms.empty and not entry["same_as"]:
                    frame = forest_frame(a, bench, study_label(index), row, refs,
                                         plan.level, plan.subgroup_by)
                    name = f"figures/forest_{outcome.id}_{group.id}.svg"
                    unit = fmt.unit(outcome.kind)
                    jobs.submit("plot_forest", frame, tmp / name,
                                xlabel=f"{outcome.label} ({unit})", log=outcome.kind == "median",
                                headings=("Study", "n/N" if outcome.kind != "median" else "n",
                                          f"Estimate [{plan.level:g}% CI]", "Weight"))
                    entry["figure"] = name
                    entry["caption"] = (f"{outcome.label}, {group.label}: benchmark arms "
                                        f"pooled by {plan.estimator}; the index study (red) is "
                                        "not pooled. Grey bar: prediction interval.")
                    entry["bubbles"] = bubbles(a, plan, tmp, jobs)
                groups.append(entry)
            outcomes.append({"label": outcome.label, "scale": SCALES[outcome.measure],
                             "groups": groups,
                             "index_line": "" if row is not None else
                             "The index study does not report this outcome."})
        say("extraction audit")
        findings = audit_records(records)
        trail = build_trail(records, findings)
        say("sensitivity analyses and figures")
        _, notes = studies_table(records, datas, plan)
        asked = sorted({r for g in plan.groups for r in g.reference_ids()})
        if ref_lines.file is None and asked:  # the bundled plan on a library without the file
            notes = [*notes, f"The plan asks for the published reference lines {', '.join(asked)}"
                     f", but the library has no reference-line file "
                     f"({references.reference_file(studies)}): none is drawn."]
        overlaps = list(result.overlaps)
        page1 = summary.context(result, overlap_section.reading(overlaps, result.alpha))
        page1["rows"] = cite_rows(page1["header"], page1["rows"], analyses,
                                  {d.outcome.id: d.provenance for d in datas})
        ref_file = references.reference_file(studies)
        curve_files = sorted({(r.path.parent / name).resolve() for r in records
                              for c in r.study.curves
                              for name in (c.file, c.risk_file) if name})
        inputs = [*expand([studies]), *curve_files,
                  *([ref_file] if ref_file.is_file() else []), plan_file]
        st = stamp(inputs, argv)
        s = index.study
        context = {
            "title": plan.title, "short_title": plan.index.study + " vs historical benchmarks",
            "claim": plan.index.claim,
            "index": {"citation": f"{s.citation.authors[0]} et al. “{s.citation.title}”, "
                      f"{s.citation.journal} "
                      f"{s.citation.year}" + (f", doi:{s.citation.doi}" if s.citation.doi
                                              else ""),
                      "design": vocab.DESIGNS.get(s.design, s.design.replace("_", " ")),
                      "n": s.arm(plan.index.arm or s.arms[0].id).n},
            "summary": [t for a in analyses if (t := summary_line(a))],
            "page1": page1,
            "reading": " ".join(page1["sentences"]),
            "caveats": caveats(index, plan, analyses),
            "methods": methods(plan, st["versions"], analyses),  # type: ignore[arg-type]
            "studies": reviewer.characteristics(records, plan.index.study, {
                sid: [o for o, arms in sorted(used_arms(result).items())
                      if any(st == sid for st, _ in arms)] for sid in {r.id for r in records}}),
            "scheme": reviewer.SCHEME,
            "flow": reviewer.flow(result, records),
            "findings": {"header": reviewer.FINDINGS_HEADER,
                         "rows": reviewer.findings(result, records),
                         "note": reviewer.GRADE_NOTE},
            "library_notes": notes, "outcomes": outcomes,
            "sensitivity": ([ov] if (ov := overlap_section.section(overlaps, plan)) else [])
            + sensitivity(analyses, plan, funnels(analyses, plan, tmp, jobs, {
                (b.outcome_id, b.group_id): b for b in result.biases}))
            + not_computed_section(result.not_computed),
            "survival": survival(records, plan, tmp, jobs, analyses, result.survival),
            "audit": appendix(result, {r.id: study_label(r) for r in records}, out, trail,
                              [{**r, "id": f"R{i + 1}"} for i, r in enumerate(ref_audit)]),
            "audit_findings": audit_findings(datas, findings),
            "stamp": st,
        }
        say("drawing figures")
        jobs.wait()
        # the HTML page's font subset is made in a worker while the PDF compiles here
        fonts = jobs.call("reports.html_doc", "font_faces_of_files",
                          sorted(figdir.glob("*.svg")))
        say("rendering PDF")
        (tmp / "report.pdf").write_bytes(render.compile_pdf(render.render_typst(context), tmp))
        say("writing results.json and results.csv")
        from reports.results_file import write_results

        write_results(result, tmp)
        say("rendering HTML")
        (tmp / "report.html").write_text(render.render_html(context, tmp, fonts()),
                                         encoding="utf-8")
    return BuildResult(out, out / "report.pdf", out / "report.html", context, tuple(analyses),
                       tuple(overlaps), result)
