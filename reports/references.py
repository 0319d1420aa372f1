"""Published pooled results as reference lines (:mod:`extraction.external`), per outcome and
comparator group of the plan. They are drawn and listed, never pooled."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from extraction.external import ReferenceLine, load_reference_lines
from reports import fmt
from reports.plan import Group, Outcome

NAN = float("nan")


def reference_file(studies: Path) -> Path:
    """Where the library keeps its published pooled results."""
    return studies / "external" / "published_pooled.yaml"


def load(studies: Path) -> tuple[ReferenceLine, ...]:
    """The library's reference lines; none when the library has no such file."""
    path = reference_file(studies)
    return load_reference_lines(path) if path.is_file() else ()


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


def for_group(lines: tuple[ReferenceLine, ...], outcome: Outcome, group: Group
              ) -> list[dict[str, Any]]:
    """Reference rows for the forest plot and the text (display scale: % or months)."""
    key = outcome_key(outcome)
    factor = 1.0 if outcome.kind == "median" else 100.0
    out = []
    for line in lines:
        if key is None or line.outcome != key or line.id not in group.references:
            continue
        lb, ub = (line.ci[0] * factor, line.ci[1] * factor) if line.ci else (NAN, NAN)
        est = line.value * factor
        unit = " months" if outcome.kind == "median" else "%"
        out.append({"label": _label(line), "left": f"{line.patients} pts" if line.patients
                    else "", "est": est, "lb": lb, "ub": ub,
                    "text": f"{fmt.est_ci_unit(est, lb, ub, unit)}: {line.citation}"
                    + (f"; {line.question}" if line.question else "")
                    + (f"; I² = {line.i2:g}%" if line.i2 is not None else "")
                    + (f" ({line.note})" if line.note else ""),
                    "line": line})
    return out


def audit_rows(refs: list[dict[str, Any]], outcome: Outcome, start: int
               ) -> list[dict[str, str]]:
    """Audit-appendix rows for the reference values shown (source page and quote)."""
    rows = []
    for i, ref in enumerate(refs):
        line: ReferenceLine = ref["line"]
        rows.append({"id": f"A{start + i}", "outcome": outcome.label,
                     "value": f"{line.value:g}", "where": "published_pooled.yaml",
                     "field": f"{line.id}.{line.outcome}",
                     "href": line.source_url, "location": "published meta-analysis",
                     "quote": line.quote or "(no quote recorded)",
                     "derived": "reference line only, not pooled", "status": "external"})
    return rows
