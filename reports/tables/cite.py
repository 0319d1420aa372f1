"""Numbers with known provenance, and their links in the HTML report.

A number is linked only when the code that prints it knows where it came from (issue 12):

* a number read from a study file (an index or benchmark arm's events, total, median...) links to
  its entry of the audit appendix (:func:`source_anchor`: file, line, quote, derivation), from
  the typed :class:`reports.analysis.Provenance` of the analysis;
* a number the report computed (a pooled benchmark, a difference, a prediction interval) links to
  the inputs block of its outcome × comparator group (:func:`inputs_anchor`), which lists the
  arms pooled and links each of their numbers to its audit entry.

Nothing is linked by matching values in text: a :class:`Cited` string carries the spans to link,
put there when the text was written; any other text (``k = 5``, ``phase 3``) has no link.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import markupsafe

from reports.analysis.data import Provenance


def _slug(text: str) -> str:
    from reports.html_doc import slug

    return slug(text)


def source_anchor(p: Provenance) -> str:
    """The id of the audit-appendix entry of the number ``p`` (one per file and field)."""
    return "src-" + _slug(f"{p.study}-{p.field}")


def inputs_anchor(outcome_id: str, group_id: str) -> str:
    """The id of the inputs block of an outcome × comparator group."""
    return "inputs-" + _slug(f"{outcome_id}-{group_id}")


@dataclass(frozen=True)
class Ref:
    """Where a number links to: an element id, and a tooltip; ``computed`` for numbers the
    report computed (they link to the inputs they were computed from)."""

    anchor: str
    title: str
    computed: bool = False


def source_ref(p: Provenance) -> Ref:
    """The link of a number read from a study file: its audit entry."""
    title = f"{p.file}:{p.line} ({p.field}): “{p.quote or 'no quote recorded'}”"
    if p.derived:
        title += f" — derived: {p.derived}"
    return Ref(source_anchor(p), title)


def computed_ref(outcome_id: str, group_id: str, label: str) -> Ref:
    """The link of a number computed from an outcome × group's pooled arms."""
    return Ref(inputs_anchor(outcome_id, group_id), f"computed from the inputs of {label}",
               computed=True)


Part = str | tuple[str, Ref | None]


class Cited(str):
    """A string whose spans with known provenance carry a :class:`Ref`.

    Built from parts (plain strings or ``(text, ref)``); it is an ordinary ``str`` for the PDF
    (the text) and renders its links in the HTML (:func:`cite`).
    """

    segments: tuple[tuple[str, Ref | None], ...]

    def __new__(cls, *parts: Part) -> Cited:
        segments = tuple((p, None) if isinstance(p, str) else p for p in parts)
        obj = super().__new__(cls, "".join(t for t, _ in segments))
        obj.segments = segments
        return obj

    @property
    def refs(self) -> tuple[Ref, ...]:
        """The links of this text, in order."""
        return tuple(r for _, r in self.segments if r is not None)


def cite(value: Any, *_: Any) -> markupsafe.Markup:
    """The HTML of ``value``: the spans of a :class:`Cited` as links, anything else as escaped
    text without links (extra arguments are accepted and ignored)."""
    text = "" if value is None else str(value)
    if not isinstance(value, Cited):
        return markupsafe.Markup(html.escape(" ".join(text.split()), quote=False))
    out = []
    for part, ref in value.segments:
        t = html.escape(part, quote=False)
        if ref is None:
            out.append(t)
        else:
            cls = "src derived" if ref.computed else "src"
            out.append(f'<a class="{cls}" href="#{html.escape(ref.anchor)}" '
                       f'title="{html.escape(ref.title)}">{t}</a>')
    return markupsafe.Markup(" ".join("".join(out).split()))


def arm_numbers(provenance: Iterable[Provenance], study: str, arm: str) -> list[Provenance]:
    """The provenance of one arm's numbers for an outcome, in the order they were read (with
    the baseline characteristics it inherits from an earlier data cut, ``used_for``)."""
    return [p for p in provenance if (p.used_for or p.study) == study and p.arm == arm]


def by_field(provs: Iterable[Provenance], *names: str) -> Provenance | None:
    """The first of ``provs`` whose field ends with one of ``names`` (``events``, ``total``);
    case-mix moderators (``population[...]``) are not the outcome's numbers and never match."""
    for p in provs:
        if not p.field.startswith("population") and p.field.rsplit(".", 1)[-1] in names:
            return p
    return None


COMPUTED_COLUMNS = ("Benchmark [CI]", "PI", "Difference")
"""Page-1 columns whose numbers the report computed from a comparison's inputs."""


def cite_rows(header: list[str], rows: list[list[str]], analyses: Iterable[Any],
              provenance: dict[str, tuple[Provenance, ...]]) -> list[list[Any]]:
    """Page-1 rows (``reports.summary``) with their cells linked by the row's typed comparison
    (the row's first cell is ``"<outcome>: <group>"``): the index cell to the audit entry of the
    index's number (its events or median), benchmark, PI and difference to the comparison's
    inputs block. Cells of rows without a comparison, and other columns, stay plain."""
    by_name = {f"{a.outcome.label}: {a.group.label}": a for a in analyses}
    out = []
    for row in rows:
        a = by_name.get(str(row[0]))
        if a is None:
            out.append(row)
            continue
        cells: list[Any] = list(row)
        provs = arm_numbers(provenance.get(a.outcome.id, ()), *a.index_ids)
        first = by_field(provs, "median", "percent", "events", "count")
        i = next((j for j, h in enumerate(header) if h.split(" (")[0] == "Index"), -1)
        if i >= 0 and first is not None and cells[i]:  # "Index" or "Index (plausible range)"
            cells[i] = Cited((str(cells[i]), source_ref(first)))
        for name in COMPUTED_COLUMNS:
            if name in header and str(cells[header.index(name)]) not in ("", "–"):
                i = header.index(name)
                cells[i] = Cited((str(cells[i]), computed_ref(
                    a.outcome.id, a.group.id, f"{a.outcome.label}, {a.group.label}")))
        out.append(cells)
    return out
