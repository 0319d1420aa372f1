"""Double extraction: compare two independent extractions of the same paper.

Cochrane double data extraction (Cochrane Handbook 6.3, section 5.5.2; Buscemi et al. 2006,
J Clin Epidemiol 59:697) has two reviewers extract a paper independently and resolve every
disagreement. :func:`diff_records` lists every differing value with its line in both files,
the values found in only one file, and the agreement rate: identical numeric fields over all
numeric fields present in either file. P-values are numeric fields compared as the schema reads
them (``0.03`` and ``"0.03"`` agree, ``"<0.001"`` and ``"<0.01"`` differ).

Arms are paired by meaning (:mod:`extraction.audit.arm_pairing`: treatment class, size, label
words, order), so two extractors may choose different arm ids; B's arm ids are read as their
partners' ids everywhere (outcomes, contrasts, curves...). Other entries are matched by their
natural keys (an outcome by endpoint and arm, a landmark by time...), not by position. What means
the same is not a difference: an omitted field and ``not_reported``; a percent written as a
proportion in one file (0.75) and as a percent in the other (75) is counted as agreeing and listed
as normalised. Who extracted and checked (``curation``, ``extracted_by``...) is not compared.
Agreement is reported per field, overall, and as Cohen's kappa over the categorical fields
(:mod:`extraction.audit.agreement`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from extraction.audit.agreement import CATEGORICAL_FIELDS, FieldAgreement, by_field, cohen_kappa
from extraction.audit.arm_pairing import ArmPairing, pair_arms
from extraction.loader import StudyRecord, load_model
from extraction.printable import printable
from extraction.references import check_arms, check_curve_files, check_placeholders
from extraction.schema import Study
from extraction.schema_common import parse_p

Path_ = tuple[str | int, ...]

NATURAL_KEYS: dict[tuple[str, ...], tuple[str, ...]] = {
    ("arms",): ("id",),
    ("population",): ("characteristic", "arm", "label"),
    ("followup",): ("arm",),
    ("outcomes", "binary"): ("endpoint", "arm", "criteria", "assessment", "population"),
    ("outcomes", "time_to_event"): ("endpoint", "arm", "population"),
    ("outcomes", "adverse_events"): ("term", "grade", "attribution", "arm", "population"),
    ("contrasts",): ("endpoint", "measure", "arm", "reference"),
    ("curves",): ("endpoint", "arm"),
    ("ipd",): ("endpoint", "arm"),
    ("landmarks",): ("time",),
    ("related",): ("study",),
    ("conflicts",): ("about",),
}
"""List path (without indices; ``landmarks`` anywhere) -> the keys that identify an item."""

P_FIELDS = {"p_value"}
"""Fields holding a p-value, compared as parsed (relation, number), not as written."""

_RELATIONS = {"<=": "≤", ">=": "≥"}

ARM_FIELDS = {"arm", "reference"}
"""Fields that name an arm (read through the arm pairing)."""

PERCENT_FIELDS = {"percent", "ci_lower", "ci_upper"}
"""Fields that may be written as a proportion by one extractor and as a percent by the other."""

NOT_REPORTED = {"not_reported", None}
"""Values that mean the same as an omitted field."""

IGNORED = {"curation", "extracted_by", "checked_by", "extracted_on", "checked_on"}
"""Keys not compared: who extracted or checked differs between extractions by design."""


@dataclass(frozen=True)
class Leaf:
    """A scalar of a study file under its matching key, with its position."""

    key: str
    path: Path_
    value: Any
    line: int

    @property
    def is_p(self) -> bool:
        """True for a p-value (``0.03``, ``'0.03'`` and ``'<0.001'`` alike)."""
        return bool(self.path) and self.path[-1] in P_FIELDS

    @property
    def numeric(self) -> bool:
        """True for numbers, p-values (also when written as text) and ``NE`` (a time)."""
        value = self.value
        return (isinstance(value, int | float) and not isinstance(value, bool)) \
            or value == "NE" or self.is_p

    @property
    def comparable(self) -> Any:
        """The value as the schema reads it: a p-value as ``(relation, number)`` (``0.03`` =
        ``'0.03'`` = ``'=0.03'``, ``'<=0.05'`` = ``'≤0.05'``), a number as a float."""
        value = self.value
        if self.is_p and not isinstance(value, bool) and isinstance(value, int | float | str):
            try:
                relation, number = parse_p(str(value).strip())
            except (ValueError, AssertionError):
                return value
            return "p", _RELATIONS.get(relation, relation), number
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        return value


@dataclass(frozen=True)
class Difference:
    """A value present in both files that differs."""

    key: str
    a: Leaf
    b: Leaf


@dataclass(frozen=True)
class DiffResult:
    """Differences between extraction A and extraction B of one paper."""

    a_file: str
    b_file: str
    differences: tuple[Difference, ...]
    only_a: tuple[Leaf, ...]
    only_b: tuple[Leaf, ...]
    numeric_total: int
    numeric_identical: int
    pairing: ArmPairing = field(default_factory=lambda: ArmPairing((), (), ()))
    normalised: tuple[Difference, ...] = ()
    fields: tuple[FieldAgreement, ...] = ()
    categorical_pairs: tuple[tuple[str, str], ...] = ()

    @property
    def kappa(self) -> float | None:
        """Cohen's kappa over the categorical fields both files hold (``None``: undefined)."""
        return cohen_kappa(self.categorical_pairs)

    @property
    def agreement(self) -> float:
        """Identical numeric fields / numeric fields in either file (1.0 when there are none)."""
        return self.numeric_identical / self.numeric_total if self.numeric_total else 1.0

    @property
    def identical(self) -> bool:
        """True when nothing differs and nothing is missing from either file."""
        return not (self.differences or self.only_a or self.only_b or self.pairing.only_a
                    or self.pairing.only_b)

    def lines(self, numbers_only: bool = False) -> list[str]:
        """Text report: one line per difference, then the agreement rate."""
        out = []
        for d in self.differences:
            if numbers_only and not (d.a.numeric or d.b.numeric):
                continue
            out.append(f"{self.a_file}:{d.a.line} vs {self.b_file}:{d.b.line}: {d.key}: "
                       f"{_show(d.a.value)} vs {_show(d.b.value)}")
        for side, file, leaves in (("A", self.a_file, self.only_a),
                                   ("B", self.b_file, self.only_b)):
            for leaf in leaves:
                if numbers_only and not leaf.numeric:
                    continue
                out.append(f"{file}:{leaf.line}: only in {side}: {leaf.key} = "
                           f"{_show(leaf.value)}")
        for d in self.normalised:
            out.append(f"{self.a_file}:{d.a.line} vs {self.b_file}:{d.b.line}: {d.key}: "
                       f"{_show(d.a.value)} vs {_show(d.b.value)} (normalised: a proportion and a "
                       "percent; counted as agreeing)")
        renamed = [p for p in self.pairing.pairs if p.a_id != p.b_id]
        for pair in renamed:
            out.append(f"arms: B {pair.b_id!r} paired with A {pair.a_id!r} "
                       f"({', '.join(pair.reasons) or 'by position'})")
        for side, ids in (("A", self.pairing.only_a), ("B", self.pairing.only_b)):
            for arm_id in ids:
                out.append(f"arms: {arm_id!r} only in {side} (no arm of the other file matches "
                           "its class or size)")
        differing = [f for f in self.fields if f.identical < f.total]
        if differing:
            out.append("by field: " + ", ".join(f"{f.field} {f.identical}/{f.total}"
                                                for f in differing))
        if self.categorical_pairs and not numbers_only:
            same = sum(a == b for a, b in self.categorical_pairs)
            kappa = "undefined (one category)" if self.kappa is None else f"{self.kappa:.2f}"
            out.append(f"categorical fields: {same}/{len(self.categorical_pairs)} identical, "
                       f"Cohen's kappa {kappa}")
        out.append(f"agreement: {self.numeric_identical}/{self.numeric_total} numeric fields "
                   f"identical ({100 * self.agreement:.1f}%)")
        return [printable(line) for line in out]


def _show(value: Any) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _key_text(value: Any) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"{float(value):g}"
    return " ".join(str(value).casefold().split())


def _is_arm_field(name: str, list_path: tuple[str, ...]) -> bool:
    return name in ARM_FIELDS or (list_path == ("arms",) and name == "id")


def _item_key(list_path: tuple[str, ...], item: Any, index: int,
              arm_map: dict[str, str]) -> str:
    names = NATURAL_KEYS.get(list_path) or NATURAL_KEYS.get(list_path[-1:], ())
    if not names or not isinstance(item, dict):
        return str(index)
    parts = []
    for name in names:
        value = item.get(name)
        if value in NOT_REPORTED:
            continue
        if _is_arm_field(name, list_path) and isinstance(value, str):
            value = arm_map.get(value, value)
        parts.append(_key_text(value))
    return "/".join(parts) if parts else str(index)


def flatten(record: StudyRecord, validated: bool = False,
            arm_map: dict[str, str] | None = None) -> dict[str, Leaf]:
    """Every scalar of the file under a key that does not depend on the order of entries.

    ``validated=True`` walks the validated study instead (defaults filled in), used to tell a
    value written in one file from the same default left out of the other. ``arm_map`` renames
    arm ids (keys and values) to the ids they are compared under.
    """
    out: dict[str, Leaf] = {}
    arm_map = arm_map or {}

    def walk(node: Any, path: Path_, key: str, list_path: tuple[str, ...]) -> None:
        """Record the scalars under ``node`` (``path``: YAML path, ``key``: matching key)."""
        if isinstance(node, dict):
            for name, value in node.items():
                if name in IGNORED:
                    continue
                walk(value, (*path, name), f"{key}.{name}" if key else name, (*list_path, name))
        elif isinstance(node, list):
            seen: dict[str, int] = {}
            for i, item in enumerate(node):
                ident = _item_key(list_path, item, i, arm_map)
                seen[ident] = seen.get(ident, 0) + 1
                if seen[ident] > 1:
                    ident += f"#{seen[ident]}"
                walk(item, (*path, i), f"{key}[{ident}]", list_path)
        else:
            name = path[-1] if path and isinstance(path[-1], str) else ""
            value = (arm_map.get(node, node) if isinstance(node, str)
                     and _is_arm_field(name, list_path[:-1]) else node)
            out[key] = Leaf(key, path, value, record.line_of(*path))

    data = record.study.model_dump(mode="python") if validated else record.document.data
    walk(data, (), "", ())
    return out


def _same(a: Leaf, b: Leaf) -> bool:
    ca, cb = a.comparable, b.comparable
    return type(ca) is type(cb) and ca == cb


def _as_percent_pair(a: Leaf, b: Leaf) -> bool:
    """True when one value is the other written as a proportion (0.75 and 75)."""
    if not (a.path and a.path[-1] in PERCENT_FIELDS):
        return False
    x, y = a.comparable, b.comparable
    if not (isinstance(x, float) and isinstance(y, float)):
        return False
    small, large = sorted((x, y))
    return 0 < small <= 1 < large and abs(small * 100 - large) < 1e-9 * max(large, 1.0)


def _field(leaf: Leaf) -> str:
    return next((str(p) for p in reversed(leaf.path) if isinstance(p, str)), leaf.key)


def diff_records(a: StudyRecord, b: StudyRecord) -> DiffResult:
    """Compare extraction ``a`` with extraction ``b`` of the same paper."""
    pairing = pair_arms(a.document.data.get("arms") or [] if isinstance(a.document.data, dict)
                        else [],
                        b.document.data.get("arms") or [] if isinstance(b.document.data, dict)
                        else [])
    arm_map = pairing.b_to_a()
    fa, fb = flatten(a), flatten(b, arm_map=arm_map)
    diffs, normalised, tally, categorical = [], [], [], []
    total, same = 0, 0
    for key in sorted(fa.keys() & fb.keys(), key=lambda k: fa[k].line):
        la, lb = fa[key], fb[key]
        numeric = la.numeric or lb.numeric
        total += numeric
        if _field(la) in CATEGORICAL_FIELDS and isinstance(la.value, str) \
                and isinstance(lb.value, str):
            categorical.append((la.value, lb.value))
        if _same(la, lb) or _as_percent_pair(la, lb):
            same += numeric
            if not _same(la, lb):
                normalised.append(Difference(key, la, lb))
        else:
            diffs.append(Difference(key, la, lb))
        if numeric:
            tally.append((_field(la), _same(la, lb) or _as_percent_pair(la, lb)))
    # a value written in one file that equals the other's default (or means "not reported")
    # is no difference
    va, vb = flatten(a, validated=True), flatten(b, validated=True, arm_map=arm_map)
    only_a: list[Leaf] = []
    only_b: list[Leaf] = []
    for mine, other, default, bucket in ((fa, fb, vb, only_a), (fb, fa, va, only_b)):
        for key in mine.keys() - other.keys():
            leaf = mine[key]
            total += leaf.numeric
            agrees = (key in default and _same(leaf, default[key])) or leaf.value in NOT_REPORTED
            if agrees:
                same += leaf.numeric
            else:
                bucket.append(leaf)
            if leaf.numeric:
                tally.append((_field(leaf), agrees))
    only_a.sort(key=lambda x: x.line)
    only_b.sort(key=lambda x: x.line)
    return DiffResult(a.shown, b.shown, tuple(diffs), tuple(only_a), tuple(only_b), total, same,
                      pairing, tuple(normalised), by_field(tally), tuple(categorical))


def load_extraction(path: Path, shown: str | None = None) -> StudyRecord:
    """Load a study file for comparison: fully validated, except that its name may differ
    from its ``id`` (``zhai2025_A.yaml``).

    Raises
    ------
    StudyFileError
        With every problem found in the file.
    """
    shown = shown or str(path)
    study, doc = load_model(path, Study, shown, checks=lambda doc: (
        check_arms(doc, shown) + check_curve_files(doc, path, shown)
        + check_placeholders(doc, shown)))
    return StudyRecord(study=study, path=path, shown=shown, document=doc)
