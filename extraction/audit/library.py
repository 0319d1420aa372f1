"""Checks across study files: duplicate publications and overlapping cohorts.

Check ids: ``duplicate-doi`` (error), ``duplicate-trial`` and ``same-institution`` (warnings) for
two files that are not linked by ``related`` or ``analysis.updates`` in either direction;
``duplicate-trial`` compares both ``citation.trial_ids`` and ``citation.trial_name`` (ignoring
case, spaces and punctuation: ``CheckMate 040`` = ``checkmate-040``), and counts two files as linked
when a chain of links joins them (the primary analysis of cohort 1, its update and cohort 2 of the
same trial need not each link to the other two);
``overlapping-cohort`` (info) lists every declared link, so that a reviewer sees which files must
not be pooled together; ``related-missing`` (info) a link to a file outside the audited set.
Pooling both an analysis and its update, or two overlapping cohorts, double-counts patients
(Cochrane Handbook 6.3, section 5.2.2 "multiple reports of the same study").
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Hashable

from extraction.audit.findings import Finding, make
from extraction.links import clusters, pairs
from extraction.loader import StudyRecord

Path_ = tuple[str | int, ...]

DO_NOT_POOL = {"updated_analysis_of", "updated_by", "overlapping_cohort", "updates"}


def links(records: list[StudyRecord]) -> set[frozenset[str]]:
    """Unordered pairs of study ids linked by ``related`` or ``analysis.updates``."""
    return {frozenset(p) for p in pairs(records, updates=True)}


def components(records: list[StudyRecord], linked: set[frozenset[str]]
               ) -> set[frozenset[str]]:
    """Every pair of study ids joined by a chain of links (the transitive closure of ``linked``,
    :func:`extraction.links.clusters`)."""
    edges = [tuple(p) if len(p) == 2 else (next(iter(p)),) * 2 for p in linked]
    return {frozenset((a, b)) for members in clusters(edges)  # type: ignore[arg-type]
            for a in members for b in members if a != b}


def _name_key(text: str) -> str:
    """A trial name compared without case, spaces or punctuation (``CheckMate 040`` ->
    ``checkmate040``)."""
    return re.sub(r"[\W_]+", "", text.casefold())


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


Keys = Callable[[StudyRecord], list[tuple[Hashable, Path_]]]


def _unlinked_pairs(records: list[StudyRecord], keys: Keys, check: str, what: str,
                    linked: set[frozenset[str]]) -> list[Finding]:
    seen: dict[Hashable, list[tuple[StudyRecord, Path_]]] = defaultdict(list)
    for r in records:
        for key, path in keys(r):
            seen[key].append((r, path))
    out = []
    for holders in seen.values():
        for a, path in holders:
            others = [(b, p) for b, p in holders if b.id != a.id
                      and frozenset((a.id, b.id)) not in linked]
            if not others:
                continue
            where = ", ".join(f"{b.shown}:{b.line_of(*p)}" for b, p in others)
            value = _value_at(a, path)
            out.append(make(a, check, path, f"{what} {value!r} also in {where}; expected the "
                            "files to be linked (related: or analysis.updates:) or merged",
                            {"value": value}))
    return out


def _value_at(r: StudyRecord, path: Path_) -> str:
    node: object = r.study
    for key in path:
        node = node[key] if isinstance(key, int) else getattr(node, key)  # type: ignore[index]
    return str(node)


def _dois(r: StudyRecord) -> list[tuple[Hashable, Path_]]:
    doi = r.study.citation.doi
    return [(doi.lower(), ("citation", "doi"))] if doi else []


def _trials(r: StudyRecord) -> list[tuple[Hashable, Path_]]:
    return [(t.upper(), ("citation", "trial_ids", k))
            for k, t in enumerate(r.study.citation.trial_ids)]


def _trial_names(r: StudyRecord) -> list[tuple[Hashable, Path_]]:
    name = r.study.citation.trial_name
    key = _name_key(name) if name else ""
    return [(("name", key), ("citation", "trial_name"))] if key else []


def _institutions(r: StudyRecord) -> list[tuple[Hashable, Path_]]:
    inst = r.study.setting.institution
    return [(_norm(inst), ("setting", "institution"))] if inst and _norm(inst) else []


def _declared(records: list[StudyRecord]) -> list[Finding]:
    known = {r.id for r in records}
    out = []
    for r in records:
        declared: list[tuple[str, str, Path_]] = [
            (rel.study, rel.relation, ("related", k, "study"))
            for k, rel in enumerate(r.study.related)]
        if r.study.analysis.updates:
            declared.append((r.study.analysis.updates, "updates", ("analysis", "updates")))
        for other, relation, path in declared:
            if other not in known:
                out.append(make(r, "related-missing", path, f"{other} ({relation}) is not among "
                                "the audited study files", {"study": other}))
                continue
            advice = "do not pool both" if relation in DO_NOT_POOL else "check before pooling"
            out.append(make(r, "overlapping-cohort", path, f"{relation.replace('_', ' ')} "
                            f"{other}: {advice}", {"study": other}))
    return out


def check(records: list[StudyRecord]) -> list[Finding]:
    """All cross-file checks of a set of study files."""
    linked = links(records)
    chained = components(records, linked)
    return (_unlinked_pairs(records, _dois, "duplicate-doi", "DOI", linked)
            + _unlinked_pairs(records, _trials, "duplicate-trial", "trial id", chained)
            + _unlinked_pairs(records, _trial_names, "duplicate-trial", "trial name", chained)
            + _unlinked_pairs(records, _institutions, "same-institution", "institution", linked)
            + _declared(records))
