"""Second validation pass: references within a study file, checked on the raw YAML data.

Runs even when the schema pass failed, so that all errors of a file appear at once: the ``id``
equals the file name, arm ids are unique and every ``arm``/``reference`` names one, and every
curve/risk-table path exists and stays inside the folder of the study file (``studies/``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from extraction.issues import Issue, field_path
from extraction.yaml_source import YamlDocument

_ARM_LISTS = (("population",), ("followup",), ("outcomes", "binary"),
              ("outcomes", "time_to_event"), ("outcomes", "adverse_events"), ("contrasts",),
              ("curves",))


def _items(data: dict[str, Any], keys: tuple[str, ...]) -> list[tuple[int, dict[str, Any]]]:
    node: Any = data
    for key in keys:
        node = node.get(key) if isinstance(node, dict) else None
    if not isinstance(node, list):
        return []
    return [(i, item) for i, item in enumerate(node) if isinstance(item, dict)]


def _issue(doc: YamlDocument, shown: str, path: tuple[Any, ...], message: str,
           hint: str = "") -> Issue:
    line, col = doc.locate(path)
    return Issue(shown, line, col, field_path(path), message, hint)


def check_id(doc: YamlDocument, file: Path, shown: str) -> list[Issue]:
    """The study ``id`` must equal the file name without ``.yaml``."""
    study_id = doc.data.get("id")
    if isinstance(study_id, str) and study_id != file.stem:
        return [_issue(doc, shown, ("id",), f"expected '{file.stem}' (the file name), got "
                       f"'{study_id}'", f"rename the file to {study_id}.yaml or set id: "
                       f"{file.stem}")]
    return []


def check_arms(doc: YamlDocument, shown: str) -> list[Issue]:
    """Arm ids are unique and every arm reference names a declared arm."""
    issues, known = [], []
    for i, arm in _items(doc.data, ("arms",)):
        arm_id = arm.get("id")
        if arm_id in known:
            issues.append(_issue(doc, shown, ("arms", i, "id"), f"expected a unique arm id, got "
                                 f"'{arm_id}' twice"))
        known.append(arm_id)
    names = ", ".join(str(k) for k in known if k) or "none"
    for keys in _ARM_LISTS:
        for i, item in _items(doc.data, keys):
            for ref in ("arm", "reference"):
                value = item.get(ref)
                if value is not None and isinstance(value, str) and value not in known:
                    issues.append(_issue(doc, shown, (*keys, i, ref), f"expected an arm id "
                                         f"({names}), got '{value}'", "declare it under arms:"))
    return issues


def resolve_inside(base: Path, relative: str) -> Path | None:
    """``base / relative`` resolved, or None when it leaves ``base`` (or is absolute)."""
    if Path(relative).is_absolute():
        return None
    root = base.resolve()
    target = (root / relative).resolve()
    return target if target == root or root in target.parents else None


def check_curve_files(doc: YamlDocument, file: Path, shown: str) -> list[Issue]:
    """Curve and risk-table CSVs exist and lie inside the study file's folder."""
    issues = []
    for i, curve in _items(doc.data, ("curves",)):
        for key in ("file", "risk_file"):
            relative = curve.get(key)
            if not isinstance(relative, str):
                continue
            target = resolve_inside(file.parent, relative)
            path = ("curves", i, key)
            if target is None:
                issues.append(_issue(doc, shown, path, f"expected a path inside "
                                     f"{file.parent.name or '.'}/, got '{relative}'",
                                     "keep digitized curves under studies/km/"))
            elif not target.is_file():
                issues.append(_issue(doc, shown, path, f"expected an existing file, got "
                                     f"'{relative}' (not found)", f"looked for {target}"))
    return issues


def parse_field_path(text: str) -> tuple[str | int, ...]:
    """``'outcomes.binary[0].percent'`` -> ``('outcomes', 'binary', 0, 'percent')``."""
    parts: list[str | int] = []
    for name, index in re.findall(r"([a-z_0-9]+)|\[(\d+)\]", text):
        parts.append(int(index) if index else name)
    return tuple(parts)


def check_conflict_fields(doc: YamlDocument, shown: str) -> list[Issue]:
    """Every ``conflicts[].fields`` path names a field present in the file."""
    issues = []
    for i, conflict in _items(doc.data, ("conflicts",)):
        fields = conflict.get("fields")
        if not isinstance(fields, list):
            continue
        for j, text in enumerate(fields):
            if isinstance(text, str) and parse_field_path(text) not in doc.marks:
                issues.append(_issue(doc, shown, ("conflicts", i, "fields", j), "expected the "
                                     f"path of a field in this file, got '{text}'",
                                     "write it as in error messages, e.g. outcomes.binary[0]"
                                     ".percent"))
    return issues


def check_placeholders(doc: YamlDocument, shown: str) -> list[Issue]:
    """No ``FILL`` placeholder of the ``hccmeta new`` scaffold may remain."""
    issues = []
    for path, text in doc.raw.items():
        if text.strip().upper() == "FILL":
            issues.append(_issue(doc, shown, path, "expected a value, got the placeholder FILL",
                                 "replace it with what the paper reports, or delete the field"))
    return issues


def check_references(doc: YamlDocument, file: Path, shown: str) -> list[Issue]:
    """All reference checks of one study file."""
    return (check_id(doc, file, shown) + check_arms(doc, shown)
            + check_curve_files(doc, file, shown) + check_placeholders(doc, shown)
            + check_conflict_fields(doc, shown))
