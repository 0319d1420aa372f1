"""Second validation pass: references within a study file, checked on the raw YAML data.

Runs even when the schema pass failed, so that all errors of a file appear at once: the ``id``
equals the file name, arm ids are unique and every ``arm``/``reference`` names one, and every
curve/risk-table/IPD path exists and stays inside the folder of the study file (``studies/``);
an IPD CSV also reads as ``time,event[,arm]`` and matches its pinned sha256.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import Any, TypeGuard

from pydantic import BaseModel

from extraction.ipd import IpdInputError, arm_problem, read_ipd_csv, sha256_of
from extraction.issues import Issue, field_path
from extraction.schema import Study
from extraction.schema_entries import CSV_PATH, SHA256
from extraction.schema_errors import field_info_at, is_placeholder, one_line, shown_value
from extraction.yaml_source import YamlDocument

_SLUG = re.compile(r"[a-z][a-z0-9_]{0,59}")
"""The schema's id pattern (``Slug``); values failing it are reported by the schema pass only."""

_ARM_LISTS = (("population",), ("followup",), ("outcomes", "binary"),
              ("outcomes", "time_to_event"), ("outcomes", "adverse_events"), ("contrasts",),
              ("curves",), ("ipd",))


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
    return Issue(shown, line, col, field_path(path), one_line(message), one_line(hint))


def _is_slug(value: Any) -> TypeGuard[str]:
    return isinstance(value, str) and _SLUG.fullmatch(value.strip()) is not None


def check_id(doc: YamlDocument, file: Path, shown: str) -> list[Issue]:
    """The study ``id`` must equal the file name without ``.yaml``."""
    study_id = doc.data.get("id")
    if not _is_slug(study_id) or study_id.strip() == file.stem:
        return []  # an invalid id is the schema pass's error
    study_id = study_id.strip()
    hint = f"rename the file to {study_id}.yaml"
    if _SLUG.fullmatch(file.stem):
        hint += f" or set id: {file.stem}"
    return [_issue(doc, shown, ("id",), f"expected {file.stem!r} (the file name), got "
                   f"{study_id!r}", hint)]


def check_arms(doc: YamlDocument, shown: str) -> list[Issue]:
    """Arm ids are unique and every arm reference names a declared arm.

    Values that are not ids at all (or still ``FILL``) are left to the schema pass and the
    placeholder check, so that each problem is reported once.
    """
    issues, known = [], []
    for i, arm in _items(doc.data, ("arms",)):
        arm_id = arm.get("id")
        if not _is_slug(arm_id):
            continue
        if arm_id.strip() in known:
            issues.append(_issue(doc, shown, ("arms", i, "id"), f"expected a unique arm id, got "
                                 f"{arm_id.strip()!r} twice"))
        known.append(arm_id.strip())
    names = ", ".join(known) or "none"
    if any(p.startswith("arms") for p in doc.poisoned):
        return issues  # an arm was dropped at the YAML level: references to it cannot be judged
    for keys in _ARM_LISTS:
        for i, item in _items(doc.data, keys):
            for ref in ("arm", "reference"):
                value = item.get(ref)
                if _is_slug(value) and value.strip() not in known:
                    issues.append(_issue(doc, shown, (*keys, i, ref), f"expected an arm id "
                                         f"({names}), got {value.strip()!r}",
                                         "declare it under arms:"))
    return issues


def resolve_inside(base: Path, relative: str) -> Path | None:
    """``base / relative`` resolved, or None when it leaves ``base`` (or is absolute).

    Raises
    ------
    OSError, ValueError, RuntimeError
        When the path cannot be resolved (a NUL byte, a name too long, a symlink loop).
    """
    if Path(relative).is_absolute():
        return None
    root = base.resolve()
    target = (root / relative).resolve()
    return target if target == root or root in target.parents else None


def _existence_problem(target: Path) -> str | None:
    """Why ``target`` is not a readable regular file, or None when it is one."""
    try:
        return None if stat.S_ISREG(os.stat(target).st_mode) else "not a file"
    except FileNotFoundError:
        return "not found"
    except OSError as exc:
        return exc.strerror or type(exc).__name__


def _target(doc: YamlDocument, file: Path, shown: str, path: tuple[Any, ...], relative: str,
            folder_hint: str) -> tuple[Path | None, list[Issue]]:
    """The existing file ``relative`` names inside the study file's folder, or the issue why not."""
    hint = "use / in paths" if "\\" in relative else ""
    try:
        target = resolve_inside(file.parent, relative)
    except (OSError, ValueError, RuntimeError) as exc:
        why = getattr(exc, "strerror", None) or str(exc)
        return None, [_issue(doc, shown, path, f"expected an existing file, got "
                             f"{shown_value(relative)} ({why})", hint)]
    if target is None:
        return None, [_issue(doc, shown, path, f"expected a path inside "
                             f"{file.parent.name or '.'}/, got {shown_value(relative)}",
                             folder_hint)]
    why = _existence_problem(target)
    if why is not None:
        return None, [_issue(doc, shown, path, f"expected an existing file, got "
                             f"{shown_value(relative)} ({why})",
                             hint or f"looked for {shown_value(str(target))}")]
    return target, []


def _csv_value(item: dict[str, Any], key: str) -> str | None:
    """The path under ``key``, stripped, when the schema accepts it (else None: its error)."""
    value = item.get(key)
    if not isinstance(value, str) or not re.fullmatch(CSV_PATH, value.strip()):
        return None
    return value.strip()


def check_curve_files(doc: YamlDocument, file: Path, shown: str) -> list[Issue]:
    """Curve and risk-table CSVs exist and lie inside the study file's folder.

    Paths are stripped of surrounding blanks as the schema does; a path the schema refuses (no
    ``.csv``, control characters) is reported by the schema pass only.
    """
    issues = []
    for i, curve in _items(doc.data, ("curves",)):
        for key in ("file", "risk_file"):
            relative = _csv_value(curve, key)
            if relative is not None:
                issues += _target(doc, file, shown, ("curves", i, key), relative,
                                  "keep digitized curves under studies/km/")[1]
    return issues


def _ipd_content(doc: YamlDocument, shown: str, i: int, entry: dict[str, Any], target: Path,
                 relative: str) -> list[Issue]:
    """The CSV reads as IPD, its hash is the entry's, and ``arm_in_file`` selects one arm."""
    try:
        table = read_ipd_csv(target, relative)
    except IpdInputError as exc:
        return [_issue(doc, shown, ("ipd", i, "file"), f"expected a time,event[,arm] CSV, got "
                       f"{exc}", "time in months, event 1 (event) or 0 (censored)")]
    issues = []
    pinned = entry.get("sha256")
    if isinstance(pinned, str) and re.fullmatch(SHA256, pinned.strip()):
        digest = sha256_of(target)
        if digest != pinned.strip():
            issues.append(_issue(doc, shown, ("ipd", i, "sha256"), f"expected the sha256 of "
                                 f"{shown_value(relative)} ({digest}), got {pinned.strip()}",
                                 "the CSV changed since it was pinned: check it, then update "
                                 "sha256 here and in studies/ipd/ATTRIBUTION.yaml"))
    arm_in_file = entry.get("arm_in_file")
    if arm_in_file is None or isinstance(arm_in_file, str):
        problem = arm_problem(table, arm_in_file.strip() if arm_in_file else None, relative)
        if problem:
            issues.append(_issue(doc, shown, ("ipd", i, "arm_in_file" if arm_in_file else
                                              "file"), problem))
    return issues


def check_ipd_files(doc: YamlDocument, file: Path, shown: str) -> list[Issue]:
    """IPD CSVs exist inside the study folder, read as ``time,event[,arm]``, match their
    sha256; one IPD per arm and endpoint, and not both IPD and a digitized curve."""
    issues = []
    curves = {(c.get("arm"), c.get("endpoint")): k for k, c in _items(doc.data, ("curves",))}
    seen: dict[tuple[Any, Any], int] = {}
    for i, entry in _items(doc.data, ("ipd",)):
        key = (entry.get("arm"), entry.get("endpoint"))
        if _is_slug(key[0]) and isinstance(key[1], str):
            if key in seen:
                issues.append(_issue(doc, shown, ("ipd", i, "arm"), f"expected one IPD entry "
                                     f"per arm and endpoint, got {key[0]!r} {key[1]} again "
                                     f"(ipd[{seen[key]}])"))
            elif key in curves:
                issues.append(_issue(doc, shown, ("ipd", i, "arm"), f"expected either a "
                                     f"digitized curve or IPD for {key[0]!r} {key[1]}, got "
                                     f"both (curves[{curves[key]}])",
                                     "keep the IPD and remove the curve, or the reverse"))
            seen.setdefault(key, i)
        relative = _csv_value(entry, "file")
        if relative is None:
            continue
        target, problems = _target(doc, file, shown, ("ipd", i, "file"), relative,
                                   "keep patient-level data under studies/ipd/")
        issues += problems
        if target is not None:
            issues += _ipd_content(doc, shown, i, entry, target, relative)
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
                                     f"path of a field in this file, got {shown_value(text)}",
                                     "write it as in error messages, e.g. outcomes.binary[0]"
                                     ".percent"))
    return issues


def check_placeholders(doc: YamlDocument, shown: str,
                       root: type[BaseModel] = Study) -> list[Issue]:
    """No ``FILL`` placeholder of the ``hccmeta new`` scaffold may remain."""
    issues = []
    for path, text in doc.raw.items():
        if is_placeholder(text):
            info = field_info_at(root, path)
            optional = info is not None and not info.is_required()
            hint = "replace it with what the paper reports" + (
                ", or delete the field" if optional else "")
            issues.append(_issue(doc, shown, path, "expected a value, got the placeholder FILL",
                                 hint))
    return issues


def check_references(doc: YamlDocument, file: Path, shown: str) -> list[Issue]:
    """All reference checks of one study file."""
    return (check_id(doc, file, shown) + check_arms(doc, shown)
            + check_curve_files(doc, file, shown) + check_ipd_files(doc, file, shown)
            + check_placeholders(doc, shown)
            + check_conflict_fields(doc, shown))
