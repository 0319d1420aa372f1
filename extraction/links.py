"""The one graph of linked study files: which publications may describe the same patients.

Study files link publications through ``related`` entries (``overlapping_cohort``,
``same_institution``, ``updated_by``...) and ``analysis.updates``. Two files are linked when a
chain of links joins them (links are undirected and transitive: A–B and B–C put A, B and C in one
cluster), whichever file declares the link. The extraction audit (duplicate trials) and the
report's overlap rule (one arm per cluster) both use :func:`clusters` of :func:`pairs`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

OVERLAP_RELATIONS = ("overlapping_cohort", "same_institution")
"""Relations that mean two study files may describe some of the same patients."""


def pairs(records: Iterable[Any], relations: Collection[str] | None = None,
          updates: bool = False) -> list[tuple[str, str]]:
    """``(study, related study)`` pairs of every ``related`` entry whose relation is in
    ``relations`` (every relation when None), plus ``analysis.updates`` when ``updates``."""
    out = []
    for rec in records:
        for rel in rec.study.related:
            if relations is None or rel.relation in relations:
                out.append((rec.id, rel.study))
        if updates and rec.study.analysis.updates:
            out.append((rec.id, rec.study.analysis.updates))
    return out


def clusters(links: Iterable[tuple[str, str]]) -> list[frozenset[str]]:
    """Connected components (two or more studies) of the undirected graph of ``links``.

    Union–find with path halving (Tarjan 1975, J ACM 22:215); sorted by their sorted members.
    """
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in links:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    comps: dict[str, set[str]] = {}
    for x in list(parent):
        comps.setdefault(find(x), set()).add(x)
    return sorted((frozenset(c) for c in comps.values() if len(c) > 1), key=sorted)
