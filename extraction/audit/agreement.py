"""Agreement between two extractions: per field, overall, and Cohen's kappa for categories.

Numeric agreement is the share of numeric fields with identical values. For categorical fields
(controlled vocabularies: treatment class, criteria, attribution, grade...), agreement beyond
chance is Cohen's kappa (Cohen 1960, Educ Psychol Meas 20:37), kappa = (p_o - p_e) / (1 - p_e),
with p_o the observed agreement and p_e the agreement expected from each extractor's marginal
frequencies; it is undefined (``None``) when p_e = 1 (a single category in both).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

CATEGORICAL_FIELDS = frozenset({
    "treatment_class", "criteria", "assessment", "attribution", "grade", "endpoint", "design",
    "phase", "line", "centres", "kind", "location", "measure", "p_test", "denominator",
    "response_unit", "relation", "characteristic", "unit", "time_unit", "survival_scale",
})
"""Fields whose values come from a controlled vocabulary (compared with Cohen's kappa)."""


@dataclass(frozen=True)
class FieldAgreement:
    """Agreement on one field name (``events``, ``percent``...) across the matched entries."""

    field: str
    identical: int
    total: int

    @property
    def rate(self) -> float:
        """Identical / total (1.0 when there is nothing to compare)."""
        return self.identical / self.total if self.total else 1.0


def cohen_kappa(pairs: Iterable[tuple[str, str]]) -> float | None:
    """Cohen's kappa of paired categorical ratings (``None`` when undefined).

    Parameters
    ----------
    pairs
        ``(value in A, value in B)`` for each item both extractors rated.
    """
    items = list(pairs)
    if not items:
        return None
    n = len(items)
    observed = sum(a == b for a, b in items) / n
    count_a = Counter(a for a, _ in items)
    count_b = Counter(b for _, b in items)
    expected = sum(count_a[c] * count_b[c] for c in count_a.keys() | count_b.keys()) / n**2
    if expected >= 1.0:
        return None
    return (observed - expected) / (1.0 - expected)


def by_field(outcomes: Iterable[tuple[str, bool]]) -> tuple[FieldAgreement, ...]:
    """Tally ``(field name, identical?)`` into per-field agreement, sorted by field name."""
    same: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for name, identical in outcomes:
        total[name] += 1
        same[name] += identical
    return tuple(FieldAgreement(name, same[name], total[name]) for name in sorted(total))
