"""Report sections that are tables: included studies, sensitivity, audit appendix."""

from __future__ import annotations

import os
import urllib.parse
from pathlib import Path
from typing import Any

from extraction import StudyRecord
from extraction import vocabulary as vocab
from extraction.audit import AuditTrail, Finding
from extraction.links import OVERLAP_RELATIONS
from reports import fmt
from reports.analysis.data import OutcomeData, study_label, superseded
from reports.analysis.groups import GroupAnalysis
from reports.context import estimator_rows
from reports.plan import Plan


def studies_table(records: list[StudyRecord], data: list[OutcomeData], plan: Plan
                  ) -> tuple[list[dict[str, str]], list[str]]:
    """One row per study file, with the outcomes it contributes; plus library notes."""
    used: dict[str, list[str]] = {}
    labels: dict[str, list[str]] = {}
    for d in data:
        if d.frame.empty:
            continue
        for sid in d.frame["study"].unique():
            used.setdefault(sid, []).append(d.outcome.id)
            labels.setdefault(sid, []).append(d.outcome.label)
    gone = superseded(records)
    rows, notes = [], []
    pairs: set[frozenset[str]] = set()
    for rec in sorted(records, key=lambda r: (r.id != plan.index.study, r.id)):
        s = rec.study
        label = study_label(rec)
        if rec.id == plan.index.study:
            label += " [index]"
        arms = "; ".join(f"{a.label} ({a.treatment_class}, {a.n})" for a in s.arms)
        design = vocab.DESIGNS.get(s.design, s.design) + (f", phase {s.phase}" if s.phase
                                                          else "")
        rows.append({"label": label, "arms": arms, "design": design,
                     "line": s.setting.line.replace("_", " "),
                     "used": ", ".join(used.get(rec.id, [])) or "none", "file": rec.shown})
        if rec.id in gone:
            notes.append(superseded_note(rec.shown, gone[rec.id], labels.get(rec.id, [])))
        for rel in s.related:
            pair = frozenset((rec.id, rel.study))
            if rel.relation in OVERLAP_RELATIONS and pair not in pairs:
                pairs.add(pair)
                notes.append(f"{rec.id} and {rel.study}: {rel.relation.replace('_', ' ')}"
                             + (f" ({rel.note})" if rel.note else "") + "; the main analysis "
                             "keeps one arm per cluster of linked studies (the one with the most "
                             "patients)"
                             + (" and the sensitivity analysis pools all of them."
                                if plan.sensitivity.exclude_overlapping else "."))
    return rows, notes


def superseded_note(shown: str, newer: str, used: list[str]) -> str:
    """What the report does with a superseded analysis: the rule of
    :func:`reports.analysis.data.outcome_data` (used only where the later analysis lacks the
    outcome for the same arm), with the outcomes it was used for."""
    if not used:
        return f"{shown} is superseded by {newer} and not pooled."
    return (f"{shown} is superseded by {newer}; it is used only for outcomes that {newer} does "
            f"not report for the same arm (here: {', '.join(used)}).")


def leave_one_out(a: GroupAnalysis) -> list[list[str]]:
    """Rows of the leave-one-out table (:attr:`GroupAnalysis.leave_one_out`)."""
    factor, _ = fmt.scale(a.outcome.kind)
    return [[r.omitted, fmt.est_ci(r.estimate_bt * factor, r.ci_lb_bt * factor,
                                   r.ci_ub_bt * factor), f"{r.I2:.0f}%",
             fmt.pval(r.predictive.pval) if r.predictive else "no test",
             fmt.pval(r.difference.pval) if r.difference else "no test"]
            for r in a.leave_one_out]


def drop_untested(header: list[str], rows: list[list[str]], columns: tuple[int, ...]
                  ) -> tuple[list[str], list[list[str]], bool]:
    """``header`` and ``rows`` without the test ``columns`` when every row of them reads "no
    test" or "–" (the index's variance is unknown): the table says it once, in its note, instead
    of a column of "no test" per row. Returns whether the columns were dropped."""
    if not rows or any(r[i] not in ("no test", "–") for r in rows for i in columns):
        return header, rows, False
    keep = [i for i in range(len(header)) if i not in columns]
    return [header[i] for i in keep], [[r[i] for i in keep] for r in rows], True


NO_TEST = "No test columns: the index study's variance is unknown, so no difference is tested."


def same_pool_key(a: GroupAnalysis, refs: tuple[str, ...] = ()) -> tuple[object, ...] | None:
    """What makes two comparisons of one outcome print the same: the index, the pooled arms
    and the reference lines drawn (None when nothing is pooled)."""
    if not a.used_ids:
        return None
    return (a.outcome.id, a.index_ids, frozenset(a.used_ids), refs)


def same_as_note(earlier: str) -> str:
    """The line that stands for a comparison whose arms an earlier group pooled already."""
    return (f"Pools the same arms as {earlier} (its rules select the same comparable arms): "
            "forest plot, benchmark and verdict as there; only the rows that differ are shown.")


def sensitivity(analyses: list[GroupAnalysis], plan: Plan,
                funnels: dict[tuple[str, str], dict[str, Any]]) -> list[dict[str, Any]]:
    """Sensitivity subsections: estimator table, leave-one-out, publication bias (one heading per
    comparison; test columns that would only say "no test" are left out, said once)."""
    out = []
    too_few: list[str] = []
    seen: dict[tuple[object, ...], str] = {}
    for a in analyses:
        c = a.comparison
        if c is None or c.benchmark.k < 2:
            continue
        title = f"{a.outcome.label}: {a.group.label}"
        key = same_pool_key(a)
        if key is not None and key in seen:  # identical tables: said once
            out.append({"title": title, "note": (
                f"The same arms as {seen[key]}: its τ² estimator, leave-one-out and "
                "small-study analyses apply unchanged."), "header": [], "rows": [],
                "figures": []})
            continue
        if key is not None:
            seen[key] = a.group.label
        unit = fmt.unit(a.outcome.kind)
        header, rows, dropped = drop_untested(
            ["Estimator", "τ²", f"Benchmark [CI] ({unit})", "PI", "Difference", "Test"],
            estimator_rows(c, a.outcome), (4, 5))
        out.append({"title": f"{title} — tau² estimators", "note": NO_TEST if dropped else "",
                    "header": header, "rows": rows, "figures": []})
        if plan.sensitivity.leave_one_out:
            loo = leave_one_out(a)
            header, loo, dropped = drop_untested(
                ["Omitted", f"Benchmark [CI] ({unit})", "I²", "Predictive test (decides)",
                 "Average-study test"], loo, (3, 4))
            note = "Needs at least 3 benchmark studies." if not loo else (
                NO_TEST if dropped else "")
            out.append({"title": f"{title} — leave-one-out", "note": note,
                        "header": header, "rows": loo, "figures": []})
        bias = funnels.get((a.outcome.id, a.group.id))
        if bias and not bias.get("rows") and not bias.get("figures"):
            too_few.append(f"{title} (k = {c.benchmark.k})")
        elif bias:
            out.append({"title": f"{title} — small-study effects", **bias})
    if too_few:
        out.append({"title": "Small-study effects not assessed", "note": (
            "Funnel plot, Egger's test and trim-and-fill are not shown for "
            + "; ".join(too_few) + f": fewer than {plan.sensitivity.min_k_bias} studies (plan: "
            "sensitivity.min_k_bias; Sterne et al. 2011 advise against them below 10)."),
            "header": [], "rows": [], "figures": []})
    return out


def audit_rows(data: list[OutcomeData], out_dir: Path, trail: AuditTrail | None = None
               ) -> list[dict[str, str]]:
    """One row per number used (deduplicated), linking to its study file and line, with the
    status the extraction audit (:func:`extraction.audit.build_trail`) gives that number."""
    status = {(r.file, r.field): r for r in (trail.rows if trail else ())}
    rows, seen = [], set()
    for d in data:
        for p in d.provenance:
            key = (d.outcome.id, p.file, p.field)
            if key in seen:
                continue
            seen.add(key)
            t = status.get((p.file, p.field))
            href = urllib.parse.quote(Path(os.path.relpath(Path(p.file).resolve(),
                                                           out_dir.resolve())).as_posix())
            rows.append({"outcome": d.outcome.label,
                         "value": t.raw if t else p.value, "where": f"{Path(p.file).name}:{p.line}",
                         "field": p.field, "href": f"{href}#L{p.line}",
                         "location": p.location, "quote": p.quote or "(no quote recorded)",
                         "derived": p.derived,
                         "status": (t.status + (f" ({', '.join(t.checks)})" if t.checks else ""))
                         if t else ("derived by the report" if p.derived else "not audited")})
    return rows


def audit_findings(data: list[OutcomeData], findings: list[Finding]) -> list[str]:
    """Warnings and errors of the extraction audit that concern a number the report uses."""
    used = {(p.file, p.field) for d in data for p in d.provenance}
    out = []
    for f in findings:
        if f.severity in ("warning", "error") and any(
                (f.file, name) in used for name in (f.field, *f.related)):
            out.append(f"{f.file}:{f.line}: {f.field}: {f.severity} [{f.check}] {f.message}")
    return out


_WHAT = {"benchmark": "the benchmark could not be pooled", "knha": "Knapp–Hartung inference",
         "leave-one-out": "leave-one-out", "small-study effects": "Egger's test and "
         "trim-and-fill", "part": "part of the analysis"}


def not_computed_section(notes: tuple[Any, ...]) -> list[dict[str, object]]:
    """A sensitivity subsection listing what could not be computed (none when all was): one
    sentence per :class:`reports.analysis.NotComputed`, with its reason."""
    if not notes:
        return []
    sentences = []
    for n in notes:
        if n.what.startswith("estimator:"):
            sentences.append(f"{n.where}: the {n.what.split(':', 1)[1]} τ² estimator could not be "
                             f"computed ({n.reason}); it is left out of the sensitivity analysis.")
        else:
            sentences.append(f"{n.where}: {_WHAT.get(n.what, n.what)} could not be computed "
                             f"({n.reason}).")
    return [{"title": "Analyses that could not be computed", "note": " ".join(sentences),
             "header": [], "rows": [], "figures": []}]
