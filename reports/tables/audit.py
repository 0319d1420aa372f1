"""The audit appendix from the typed analysis: each number USED once, grouped by study, with its
quote and ``file:line``; the numbers read but not used, with why, in one short table; and the
inputs block of each comparison (the arms pooled, each number linked to its audit entry).

A number is used when it belongs to an arm that enters a comparison shown in the report: the
index arm, or a benchmark arm pooled for an outcome the index study reports
(:attr:`reports.analysis.GroupAnalysis.used_ids`). Numbers of the same study read from the same
source and quote share one row, so a quote is printed once.
"""

from __future__ import annotations

import os
import urllib.parse
from collections import OrderedDict
from pathlib import Path
from typing import Any

from extraction.audit import AuditTrail
from reports.analysis import GroupAnalysis, ReportAnalysis
from reports.analysis.data import Provenance
from reports.html_doc import slug
from reports.tables.cite import Cited, Part, arm_numbers, inputs_anchor, source_anchor, source_ref


def used_arms(result: ReportAnalysis) -> dict[str, set[tuple[str, str]]]:
    """Outcome id -> ``(study, arm)`` of the arms whose numbers the report uses."""
    out: dict[str, set[tuple[str, str]]] = {}
    for d in result.outcomes:
        f = d.frame
        if f.empty or not f["is_index"].any():
            continue
        arms = out.setdefault(d.outcome.id, set())
        for a in result.for_outcome(d.outcome.id):
            arms.add(a.index_ids)
            arms.update(a.used_ids)
    return out


def _why_not_used(result: ReportAnalysis, outcome_id: str, study: str, arm: str,
                  reported: bool) -> str:
    if not reported:
        return "the index study does not report this outcome"
    rules = sorted({e.rule for a in result.for_outcome(outcome_id) for e in a.exclusions
                    if (e.study, e.arm) == (study, arm)})
    if rules:
        return "excluded by rule " + ", ".join(rules)
    return "in no comparator group of the outcome"


def _href(file: str, line: int, out_dir: Path) -> str:
    rel = Path(os.path.relpath(Path(file).resolve(), out_dir.resolve())).as_posix()
    return f"{urllib.parse.quote(rel)}#L{line}"


def _number(p: Provenance, trail: dict[tuple[str, str], Any], out_dir: Path
            ) -> dict[str, str]:
    """One number's entry; its audit status is kept when it is a warning or an error (ok and
    informational statuses, e.g. "derived", say nothing the derivation does not)."""
    t = trail.get((p.file, p.field))
    status = (t.status + (f" ({', '.join(t.checks)})" if t.checks else "")) if t else (
        "derived by the report" if p.derived else "not audited")
    return {"anchor": source_anchor(p), "field": p.field, "value": t.raw if t else p.value,
            "line": str(p.line), "where": f"{Path(p.file).name}:{p.line}",
            "href": _href(p.file, p.line, out_dir),
            "status": "" if status == "ok" or status.startswith(("info", "derived")) else status}


def quote_once(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """Reference-line rows with each source and quote printed once: a later row read from the
    same source and quote says ``as R1`` (``same_as``) instead of repeating them."""
    first: dict[tuple[str, str], str] = {}
    out = []
    for r in rows:
        key = (r.get("location", ""), r.get("quote", ""))
        out.append({**r, "same_as": first.get(key, "")})
        first.setdefault(key, r.get("id", ""))
    return out


def appendix(result: ReportAnalysis, labels: dict[str, str], out_dir: Path,
             trail: AuditTrail | None = None, references: list[dict[str, str]] | None = None
             ) -> dict[str, Any]:
    """The audit appendix's context: ``studies`` (one block per study, rows by quote, each
    number once with its anchor), ``not_used`` (rows: outcome, why, studies, numbers) and
    ``references`` (numbers of published pooled results drawn as reference lines)."""
    status = {(r.file, r.field): r for r in (trail.rows if trail else ())}
    used = used_arms(result)
    studies: OrderedDict[str, dict[str, Any]] = OrderedDict()
    seen: dict[tuple[str, str], dict[str, Any]] = {}
    skipped: OrderedDict[tuple[str, str], dict[str, Any]] = OrderedDict()
    for d in result.outcomes:
        reported = d.outcome.id in used
        for p in d.provenance:
            # an inherited baseline characteristic is used by the arm of the later data cut
            user = p.used_for or p.study
            if (user, p.arm) not in used.get(d.outcome.id, set()):
                why = _why_not_used(result, d.outcome.id, user, p.arm, reported)
                row = skipped.setdefault((d.outcome.label, why), {
                    "outcome": d.outcome.label, "why": why, "studies": [], "numbers": 0})
                row["numbers"] += 1
                if labels.get(p.study, p.study) not in row["studies"]:
                    row["studies"].append(labels.get(p.study, p.study))
                continue
            if (p.file, p.field) in seen:
                outcomes = seen[(p.file, p.field)]["outcomes"]
                if d.outcome.label not in outcomes:
                    outcomes.append(d.outcome.label)
                continue
            block = studies.setdefault(p.study, {
                "label": labels.get(p.study, p.study), "file": p.file,
                "anchor": "audit-" + slug(p.study), "rows": {}})
            key = (p.location, p.quote)
            row = block["rows"].setdefault(key, {"location": p.location,
                                                 "quote": p.quote or "(no quote recorded)",
                                                 "numbers": [], "derived": []})
            number = {**_number(p, status, out_dir), "outcomes": [d.outcome.label]}
            row["numbers"].append(number)
            if p.derived and p.derived not in row["derived"]:
                row["derived"].append(p.derived)
            seen[(p.file, p.field)] = number
    order = [result.index_study, *sorted(s for s in studies if s != result.index_study)]
    blocks = []
    for sid in order:
        if sid in studies:
            b = studies[sid]
            blocks.append({**b, "rows": list(b["rows"].values())})
    not_used = [[r["outcome"], r["why"], ", ".join(r["studies"]), str(r["numbers"])]
                for r in skipped.values()]
    return {"studies": blocks, "not_used": not_used, "references": quote_once(references or []),
            "count": len(seen)}


def inputs_block(a: GroupAnalysis, provenance: tuple[Provenance, ...]) -> Cited:
    """The inputs of one comparison: the index arm and each pooled arm, with each number
    linked to its audit entry (the target of the comparison's computed numbers)."""
    parts: list[Part] = []
    arms = [a.index_ids, *a.used_ids] if a.index_ids != ("", "") else list(a.used_ids)
    labels = {}
    if not a.arms.empty:
        labels = {(str(s), str(r)): str(lab) for s, r, lab in
                  zip(a.arms["study"], a.arms["arm"], a.arms["label"], strict=True)}
    for i, (study, arm) in enumerate(arms):
        provs = arm_numbers(provenance, study, arm)
        if not provs:
            continue
        if parts:
            parts.append("; ")
        name = "index" if i == 0 and (study, arm) == a.index_ids else labels.get(
            (study, arm), study)
        parts.append(f"{name}: ")
        for j, p in enumerate(provs):
            if j:
                parts.append(", ")
            parts += [f"{p.field.rsplit('.', 1)[-1]} ", (p.value, source_ref(p))]
    return Cited(*parts)


def inputs_id(a: GroupAnalysis) -> str:
    """The element id of the inputs block of ``a``."""
    return inputs_anchor(a.outcome.id, a.group.id)
