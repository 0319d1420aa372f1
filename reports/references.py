"""Published pooled results as reference lines (:mod:`extraction.external`), per outcome and
comparator group of the plan. They are drawn and listed, never pooled.

Every number of a reference line that the report prints (value, CI bounds, I², patients,
studies) gets an audit-appendix row with the line of ``published_pooled.yaml`` it was read from.
"""

from __future__ import annotations

import os
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from extraction.external import OUTCOMES, ReferenceLine, load_reference_lines
from extraction.issues import Issue, field_path
from extraction.yaml_source import YamlDocument, load_yaml
from reports import fmt
from reports.plan import Group, Outcome, Plan

NAN = float("nan")
_FILE_KEY = {name: key for key, (name, _) in OUTCOMES.items()}
"""Reference-line outcome name (``median_os``) -> key in the file (``median_os_months``)."""


@dataclass(frozen=True)
class ReferenceLibrary:
    """The library's reference lines and the positions of their numbers in the file.

    Attributes
    ----------
    lines : tuple of ReferenceLine
        In file order; empty when the library has no reference file.
    file : Path or None
        ``studies/external/published_pooled.yaml``, or None when it does not exist.
    document : YamlDocument or None
        The file's nodes with their (line, col) positions and raw text.
    """

    lines: tuple[ReferenceLine, ...] = ()
    file: Path | None = None
    document: YamlDocument | None = None

    @property
    def ids(self) -> list[str]:
        """Meta-analysis ids of the file, in file order, each once."""
        return list(dict.fromkeys(line.id for line in self.lines))

    def path_of(self, line: ReferenceLine, name: str) -> tuple[str | int, ...] | None:
        """Field path in the file of ``line``'s number ``name`` (``value``, ``ci95``, ``I2``,
        ``patients``, ``studies``); None when the file does not hold it."""
        if self.document is None:
            return None
        entries = self.document.data.get("references") or []
        i = next((k for k, e in enumerate(entries) if isinstance(e, dict)
                  and e.get("id") == line.id), None)
        if i is None:
            return None
        item = ("references", i, "pooled", _FILE_KEY[line.outcome])
        candidates = {"value": [(*item, "value")], "ci_lower": [(*item, "ci95", 0)],
                      "ci_upper": [(*item, "ci95", 1)],
                      "I2": [(*item, "I2"), ("references", i, "heterogeneity", "I2")],
                      "patients": [("references", i, "patients")],
                      "studies": [("references", i, "studies")]}[name]
        return next((p for p in candidates if p in self.document.raw), None)


def reference_file(studies: Path) -> Path:
    """Where the library keeps its published pooled results."""
    return studies / "external" / "published_pooled.yaml"


def load(studies: Path) -> ReferenceLibrary:
    """The library's reference lines with positions; empty when the library has no such file.

    Raises
    ------
    extraction.external.ReferenceFileError
        When the file is malformed.
    """
    path = reference_file(studies)
    if not path.is_file():
        return ReferenceLibrary()
    lines = load_reference_lines(path)  # validates (every issue located)
    return ReferenceLibrary(lines, path, load_yaml(path))


def check_plan(plan: Plan, document: YamlDocument, shown: str, library: ReferenceLibrary,
               missing: Path | None = None) -> list[Issue]:
    """Located issues for plan ``groups[].references`` that name no meta-analysis of the file.

    When the library has no reference file: with ``missing`` (the file a user's plan relies on),
    each group that asks for reference lines is an issue (they were silently dropped); without
    it (the bundled default plan) nothing is checked and no reference line is drawn.
    """
    if library.file is None:
        return [] if missing is None else [
            Issue(shown, *document.locate(("groups", i, "references")),
                  field_path(("groups", i, "references")),
                  f"expected the reference-line file {missing} for {', '.join(g.references)}, "
                  "got a path that does not exist", "add the file or remove the references")
            for i, g in enumerate(plan.groups) if g.references]
    ids = library.ids
    issues = []
    for i, group in enumerate(plan.groups):
        for j, rid in enumerate(group.reference_ids()):
            if rid not in ids:
                path: tuple[str | int, ...] = ("groups", i, "references", j)
                if not isinstance(group.references[j], str):
                    path = (*path, "id")
                line, col = document.locate(path)
                issues.append(Issue(shown, line, col, field_path(path),
                                    f"expected one of {', '.join(ids)} (the ids of "
                                    f"{library.file}), got {rid!r}"))
    return issues


def outcome_key(outcome: Outcome) -> str | None:
    """The reference-line outcome name of a plan outcome (``orr``, ``median_os``...)."""
    if outcome.kind == "proportion" and outcome.endpoint in ("orr", "dcr"):
        return outcome.endpoint
    if outcome.kind == "median" and outcome.endpoint in ("os", "pfs"):
        return f"median_{outcome.endpoint}"
    return None


def _label(line: ReferenceLine) -> str:
    who = line.citation.split(",")[0].split(";")[0]
    return who + (f" ({line.studies} studies)" if line.studies else "")


def for_group(library: ReferenceLibrary, outcome: Outcome, group: Group
              ) -> list[dict[str, Any]]:
    """Reference rows for the forest plot and the text (display scale: % or months)."""
    key = outcome_key(outcome)
    factor, _ = fmt.scale(outcome.kind)
    out = []
    for line in library.lines:
        if key is None or line.outcome != key or line.id not in group.reference_ids():
            continue
        lb, ub = (line.ci[0] * factor, line.ci[1] * factor) if line.ci else (NAN, NAN)
        est = line.value * factor
        unit = fmt.unit_suffix(outcome.kind)
        out.append({"label": _label(line), "left": f"{line.patients} pts" if line.patients
                    else "", "est": est, "lb": lb, "ub": ub,
                    "text": f"{fmt.est_ci_unit(est, lb, ub, unit)}: {line.citation}"
                    + (f"; {line.question}" if line.question else "")
                    + (f"; I² = {line.i2:g}%" if line.i2 is not None else "")
                    + (f" ({line.note})" if line.note else ""),
                    "line": line})
    return out


def _shown(line: ReferenceLine, outcome: Outcome) -> list[tuple[str, float | None, str]]:
    """(name, value, how it is printed) of each number of ``line`` the report shows."""
    factor, _ = fmt.scale(outcome.kind)
    unit = fmt.unit_suffix(outcome.kind)
    out: list[tuple[str, float | None, str]] = [
        ("value", line.value, f"shown as {fmt.num(line.value * factor)}{unit}")]
    if line.ci:
        out += [("ci_lower", line.ci[0], f"95% CI lower bound, shown as "
                 f"{fmt.num(line.ci[0] * factor)}"),
                ("ci_upper", line.ci[1], f"95% CI upper bound, shown as "
                 f"{fmt.num(line.ci[1] * factor)}")]
    if line.i2 is not None:
        out.append(("I2", line.i2, f"shown as I² = {line.i2:g}%"))
    if line.patients:
        out.append(("patients", line.patients, f"shown as {line.patients} pts"))
    if line.studies:
        out.append(("studies", line.studies, f"shown as ({line.studies} studies)"))
    return out


def audit_rows(refs: list[dict[str, Any]], outcome: Outcome, library: ReferenceLibrary,
               out_dir: Path) -> list[dict[str, str]]:
    """Audit-appendix rows, one per reference-line number the report prints, each with the
    line of the reference file it was read from (numbered later, with the study rows)."""
    rows = []
    doc, file = library.document, library.file
    for ref in refs:
        line: ReferenceLine = ref["line"]
        for name, value, shown in _shown(line, outcome):
            path = library.path_of(line, name)
            if doc is None or file is None or path is None:
                continue
            at = doc.locate(path)[0]
            href = urllib.parse.quote(Path(os.path.relpath(file.resolve(), out_dir.resolve()))
                                      .as_posix())
            rows.append({"outcome": outcome.label,
                         "value": doc.raw.get(path, f"{value:g}" if value is not None else ""),
                         "where": f"{file.name}:{at}", "field": field_path(path),
                         "href": f"{href}#L{at}",
                         "location": f"published meta-analysis ({line.source_url})",
                         "quote": line.quote or "(no quote recorded)",
                         "derived": f"{shown}; reference line only, not pooled",
                         "status": "external"})
    return rows
