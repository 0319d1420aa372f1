"""Pair the arms of two extractions of one paper by what they mean, not by the ids chosen.

Two extractors name arms as they like (``rt_ici`` vs ``cohort``); ``hccmeta diff`` must still
compare their numbers. Arms are paired by an assignment that minimises a cost built from what
an arm *is*: its treatment class, its size, the words of its label and regimen, and its place in
the list (Kuhn 1955's assignment problem, solved with :func:`scipy.optimize.linear_sum_assignment`).
A pair is accepted only when the class or the size agrees; the others are listed as unmatched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

CLASS_COST = 4.0
"""Cost of a different treatment class (dominates: classes are a controlled vocabulary)."""
SIZE_COST = 2.0
"""Cost of a different arm size, scaled by the relative difference."""
WORDS_COST = 1.0
"""Cost of label and regimen words not shared (1 - Jaccard index)."""
ORDER_COST = 0.5
"""Cost of a different position in the list, scaled by the list length."""
SAME_ID_BONUS = 0.25
"""Tie-breaker for arms that also share their id."""


@dataclass(frozen=True)
class ArmPair:
    """Arm ``b_id`` of extraction B is arm ``a_id`` of extraction A, and why."""

    a_id: str
    b_id: str
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class ArmPairing:
    """The pairs found and the arms left unmatched on each side."""

    pairs: tuple[ArmPair, ...]
    only_a: tuple[str, ...]
    only_b: tuple[str, ...]

    def b_to_a(self) -> dict[str, str]:
        """Map an arm id of B to the id it is compared under: its partner's, or ``B:<id>``."""
        mapping = {p.b_id: p.a_id for p in self.pairs}
        mapping.update({b: f"B:{b}" for b in self.only_b})
        return mapping


def _words(arm: dict[str, Any]) -> set[str]:
    text = " ".join(str(arm.get(k) or "") for k in ("label", "regimen"))
    return {w for w in re.findall(r"[a-z0-9]+", text.casefold()) if len(w) > 1}


def _size(arm: dict[str, Any]) -> float | None:
    n = arm.get("n")
    return float(n) if isinstance(n, int | float) and not isinstance(n, bool) else None


def _cost(a: dict[str, Any], b: dict[str, Any], i: int, j: int, length: int) -> float:
    cost = 0.0 if a.get("treatment_class") == b.get("treatment_class") else CLASS_COST
    na, nb = _size(a), _size(b)
    if na is None or nb is None or na != nb:
        gap = abs(na - nb) / max(na, nb, 1.0) if na is not None and nb is not None else 1.0
        cost += SIZE_COST * min(1.0, 0.5 + gap)
    wa, wb = _words(a), _words(b)
    if wa or wb:
        cost += WORDS_COST * (1 - len(wa & wb) / len(wa | wb))
    cost += ORDER_COST * abs(i - j) / max(length, 1)
    if a.get("id") == b.get("id"):
        cost -= SAME_ID_BONUS
    return cost


def _reasons(a: dict[str, Any], b: dict[str, Any]) -> tuple[str, ...]:
    out = []
    if a.get("treatment_class") == b.get("treatment_class"):
        out.append(f"class {a.get('treatment_class')}")
    if _size(a) is not None and _size(a) == _size(b):
        out.append(f"n {a.get('n')}")
    shared = sorted(_words(a) & _words(b))
    if shared:
        out.append("words " + " ".join(shared[:4]))
    return tuple(out)


def pair_arms(arms_a: list[Any], arms_b: list[Any]) -> ArmPairing:
    """Pair the arm entries (raw mappings of the study files) of extraction A and B.

    Parameters
    ----------
    arms_a, arms_b
        The ``arms`` lists as written in each file (mappings with ``id``, ``treatment_class``,
        ``n``, ``label``, ``regimen``); entries that are not mappings are ignored.
    """
    import numpy as np
    from scipy.optimize import linear_sum_assignment

    a = [x for x in arms_a if isinstance(x, dict) and isinstance(x.get("id"), str)]
    b = [x for x in arms_b if isinstance(x, dict) and isinstance(x.get("id"), str)]
    if not a or not b:
        return ArmPairing((), tuple(x["id"] for x in a), tuple(x["id"] for x in b))
    length = max(len(a), len(b))
    cost = np.array([[_cost(x, y, i, j, length) for j, y in enumerate(b)]
                     for i, x in enumerate(a)])
    rows, cols = linear_sum_assignment(cost)
    pairs, used_a, used_b = [], set(), set()
    for i, j in zip(rows, cols, strict=True):
        same_class = a[i].get("treatment_class") == b[j].get("treatment_class")
        same_size = _size(a[i]) is not None and _size(a[i]) == _size(b[j])
        if same_class or same_size:
            pairs.append(ArmPair(a[i]["id"], b[j]["id"], _reasons(a[i], b[j])))
            used_a.add(i)
            used_b.add(j)
    return ArmPairing(tuple(pairs),
                      tuple(x["id"] for i, x in enumerate(a) if i not in used_a),
                      tuple(y["id"] for j, y in enumerate(b) if j not in used_b))
