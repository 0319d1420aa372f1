"""Double extraction: compare two independent extractions of the same paper.

Cochrane double data extraction (Cochrane Handbook 6.3, section 5.5.2; Buscemi et al. 2006,
J Clin Epidemiol 59:697) has two reviewers extract a paper independently and resolve every
disagreement. :func:`diff_records` lists every differing value with its line in both files,
the values found in only one file, and the agreement rate: identical numeric fields over all
numeric fields present in either file. P-values are numeric fields compared as the schema reads
them (``0.03`` and ``"0.03"`` agree, ``"<0.001"`` and ``"<0.01"`` differ).

Entries are matched by their natural keys (an arm by ``id``, an outcome by endpoint and arm, a
landmark by time...), not by position, so two extractors may list them in different orders.
Who extracted and checked (``curation``, ``extracted_by``...) is not compared.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from extraction.issues import Issue, StudyFileError
from extraction.loader import StudyRecord
from extraction.printable import printable
from extraction.references import check_arms, check_curve_files, check_placeholders
from extraction.schema import Study
from extraction.schema_common import parse_p
from extraction.schema_errors import translate
from extraction.yaml_source import load_yaml

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
    ("landmarks",): ("time",),
    ("related",): ("study",),
    ("conflicts",): ("about",),
}
"""List path (without indices; ``landmarks`` anywhere) -> the keys that identify an item."""

P_FIELDS = {"p_value"}
"""Fields holding a p-value, compared as parsed (relation, number), not as written."""

_RELATIONS = {"<=": "≤", ">=": "≥"}

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

    @property
    def agreement(self) -> float:
        """Identical numeric fields / numeric fields in either file (1.0 when there are none)."""
        return self.numeric_identical / self.numeric_total if self.numeric_total else 1.0

    @property
    def identical(self) -> bool:
        """True when nothing differs and nothing is missing from either file."""
        return not (self.differences or self.only_a or self.only_b)

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
        out.append(f"agreement: {self.numeric_identical}/{self.numeric_total} numeric fields "
                   f"identical ({100 * self.agreement:.1f}%)")
        return [printable(line) for line in out]


def _show(value: Any) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _key_text(value: Any) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"{float(value):g}"
    return str(value)


def _item_key(list_path: tuple[str, ...], item: Any, index: int) -> str:
    names = NATURAL_KEYS.get(list_path) or NATURAL_KEYS.get(list_path[-1:], ())
    if not names or not isinstance(item, dict):
        return str(index)
    parts = [_key_text(item.get(n)) for n in names if item.get(n) is not None]
    return "/".join(parts) if parts else str(index)


def flatten(record: StudyRecord, validated: bool = False) -> dict[str, Leaf]:
    """Every scalar of the file under a key that does not depend on the order of entries.

    ``validated=True`` walks the validated study instead (defaults filled in), used to tell a
    value written in one file from the same default left out of the other.
    """
    out: dict[str, Leaf] = {}

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
                ident = _item_key(list_path, item, i)
                seen[ident] = seen.get(ident, 0) + 1
                if seen[ident] > 1:
                    ident += f"#{seen[ident]}"
                walk(item, (*path, i), f"{key}[{ident}]", list_path)
        else:
            out[key] = Leaf(key, path, node, record.line_of(*path))

    data = record.study.model_dump(mode="python") if validated else record.document.data
    walk(data, (), "", ())
    return out


def _same(a: Leaf, b: Leaf) -> bool:
    ca, cb = a.comparable, b.comparable
    return type(ca) is type(cb) and ca == cb


def diff_records(a: StudyRecord, b: StudyRecord) -> DiffResult:
    """Compare extraction ``a`` with extraction ``b`` of the same paper."""
    fa, fb = flatten(a), flatten(b)
    diffs, total, same = [], 0, 0
    for key in sorted(fa.keys() & fb.keys(), key=lambda k: fa[k].line):
        la, lb = fa[key], fb[key]
        numeric = la.numeric or lb.numeric
        total += numeric
        if _same(la, lb):
            same += numeric
        else:
            diffs.append(Difference(key, la, lb))
    # a value written in one file that equals the other's default is no difference
    va, vb = flatten(a, validated=True), flatten(b, validated=True)
    only_a, only_b = [], []
    for mine, other, default, bucket in ((fa, fb, vb, only_a), (fb, fa, va, only_b)):
        for key in mine.keys() - other.keys():
            leaf = mine[key]
            total += leaf.numeric
            if key in default and _same(leaf, default[key]):
                same += leaf.numeric
            else:
                bucket.append(leaf)
    only_a.sort(key=lambda x: x.line)
    only_b.sort(key=lambda x: x.line)
    return DiffResult(a.shown, b.shown, tuple(diffs), tuple(only_a), tuple(only_b), total, same)


def load_extraction(path: Path, shown: str | None = None) -> StudyRecord:
    """Load a study file for comparison: fully validated, except that its name may differ
    from its ``id`` (``zhai2025_A.yaml``).

    Raises
    ------
    StudyFileError
        With every problem found in the file.
    """
    shown = shown or str(path)
    doc = load_yaml(path, shown)
    issues: list[Issue] = (check_arms(doc, shown) + check_curve_files(doc, path, shown)
                           + check_placeholders(doc, shown))
    study: Any = None
    try:
        study = Study.model_validate(doc.data)
    except ValidationError as exc:
        issues += translate(exc, doc, shown, Study)
    if issues:
        raise StudyFileError(issues)
    return StudyRecord(study=study, path=path, shown=shown, document=doc)
