"""Translate pydantic validation errors into located ``expected …, got …`` issues.

Pydantic reports ``loc`` tuples and its own wording; study-file users need the YAML line of the
offending node, the field path, and a message of the form ``expected …, got …`` with a hint (the
closest vocabulary term or field name) where one is knowable.
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from extraction.issues import Issue, field_path
from extraction.printable import printable
from extraction.schema_common import ENTRY_PROBLEMS, Problem, Strict, number_text
from extraction.yaml_source import YamlDocument

_KINDS = {
    "int_type": "a whole number", "int_parsing": "a whole number", "int_from_float":
    "a whole number", "float_type": "a number", "float_parsing": "a number", "finite_number":
    "a finite number", "bool_type": "true or false", "bool_parsing": "true or false",
    "string_type": "text", "list_type": "a list", "dict_type": "a mapping", "model_type":
    "a mapping", "model_attributes_type": "a mapping",
}
_NUMBER_KINDS = {"int_type", "int_parsing", "int_from_float", "float_type", "float_parsing",
                 "finite_number"}
_BOUNDS = {"greater_than": ">", "greater_than_equal": ">=", "less_than": "<",
           "less_than_equal": "<="}
_LENGTHS = {"string_too_short": ("at least", "character"), "string_too_long": ("at most",
            "character"), "too_short": ("at least", "item"), "too_long": ("at most", "item")}
_PATTERNS = {
    "^[a-z][a-z0-9_]*$": "an id of lowercase letters, digits and _ starting with a letter",
    r"^10\.\d{4,9}/\S+$": "a DOI such as 10.3389/fimmu.2025.1594577 (without https://doi.org/)",
    r"^\d{1,9}$": "a PubMed id of digits",
    r"^\d{4}(-\d{2}(-\d{2})?)?$": "a date as YYYY, YYYY-MM or YYYY-MM-DD",
    r"^https?://\S+$": "a web address starting with http:// or https://",
    r"^[^\x00-\x1f\x7f]+\.csv$": "a path to a .csv file",
}
PLACEHOLDER = "FILL"
"""What the ``hccmeta new`` scaffold writes where a required value is still to be filled in."""


def one_line(text: str) -> str:
    """``text`` with line breaks and other control characters escaped, so that an issue stays on
    one line and user text cannot forge further lines."""
    return printable(text)


def shown_value(value: Any) -> str:
    """A value for a message: repr-escaped (one line), at most 60 characters."""
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing (null)"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def is_placeholder(text: str | None) -> bool:
    """True for the scaffold's ``FILL`` placeholder."""
    return text is not None and text.strip().upper() == PLACEHOLDER


def _walk(root: type[BaseModel], loc: tuple[Any, ...]) -> Any:
    """The annotation reached by walking ``loc`` from ``root`` (None when it leaves the models)."""
    annotation: Any = root
    for part in loc:
        model = _first_model(annotation)
        if isinstance(part, int):
            annotation = _item_type(annotation)
        elif model is not None and part in model.model_fields:
            annotation = model.model_fields[part].annotation
        else:
            annotation = _value_type(annotation)
        if annotation is None:
            return None
    return annotation


def _model_fields_at(root: type[BaseModel], loc: tuple[Any, ...]) -> dict[str, FieldInfo]:
    """Fields of the model reached by walking ``loc`` from ``root`` (empty if not a model)."""
    model = _first_model(_walk(root, loc))
    return dict(model.model_fields) if model else {}


def field_info_at(root: type[BaseModel], loc: tuple[Any, ...]) -> FieldInfo | None:
    """The field that holds the value at ``loc`` (list items belong to their list's field)."""
    loc = tuple(loc)
    while loc and isinstance(loc[-1], int):
        loc = loc[:-1]
    if not loc:
        return None
    return _model_fields_at(root, loc[:-1]).get(str(loc[-1]))


def _first_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) in (list, tuple, dict):
        return None
    for arg in typing.get_args(annotation):
        found = _first_model(arg)
        if found is not None:
            return found
    return None


def _container_arg(annotation: Any, origins: tuple[type, ...], index: int) -> Any:
    origin = typing.get_origin(annotation)
    if origin in origins:
        return typing.get_args(annotation)[index]
    if origin in (typing.Union, types.UnionType, typing.Annotated):
        for arg in typing.get_args(annotation):
            if typing.get_origin(arg) is None:
                continue
            found = _container_arg(arg, origins, index)
            if found is not None:
                return found
    return None


def _item_type(annotation: Any) -> Any:
    return _container_arg(annotation, (list, tuple), 0)


def _value_type(annotation: Any) -> Any:
    return _container_arg(annotation, (dict,), 1)


def _options(expected: str) -> list[str]:
    quoted = re.findall(r"'((?:[^'\\]|\\.)*)'", expected)
    if quoted:
        return quoted
    return [o.strip() for o in re.split(r",| or ", expected) if o.strip()]


def _count(number: int, word: str) -> str:
    return f"{number} {word}" + ("" if number == 1 else "s")


def _message(error: Mapping[str, Any], fields: dict[str, Any], raw: str | None
             ) -> tuple[str, str]:
    kind, ctx = error["type"], error.get("ctx") or {}
    value: Any = error.get("input")
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    got = raw if raw is not None and is_number else shown_value(value)
    if kind == "missing":
        return "expected a value (required field), got nothing", "add the field"
    if kind == "extra_forbidden":
        name = str(error["loc"][-1])
        close = difflib.get_close_matches(name, list(fields), n=1, cutoff=0.6)
        hint = f"did you mean '{close[0]}'?" if close else (
            "known fields: " + ", ".join(fields) if fields else "")
        return f"expected a known field, got unknown field {name!r}", hint
    if kind in ("literal_error", "enum"):
        options = _options(str(ctx.get("expected", "")))
        if is_number and raw is not None and raw in options:
            hint = f'quote it: "{raw}"'
        else:
            close = difflib.get_close_matches(str(value).lower(), options, n=1, cutoff=0.5)
            hint = f"did you mean '{close[0]}'?" if close else ""
        return f"expected one of {', '.join(options)}, got {got}", hint
    if kind in _BOUNDS:
        bound = next(v for k, v in ctx.items() if k in {"gt", "ge", "lt", "le"})
        return f"expected a number {_BOUNDS[kind]} {number_text(bound)}, got {got}", ""
    if kind == "string_pattern_mismatch":
        pattern = str(ctx.get("pattern", ""))
        return f"expected {_PATTERNS.get(pattern, 'text matching ' + pattern)}, got {got}", ""
    if kind in _LENGTHS:
        word, unit = _LENGTHS[kind]
        limit = ctx.get("min_length", ctx.get("max_length", 0))
        actual = len(value) if isinstance(value, str | list | dict) else ctx.get(
            "actual_length", 0)
        return f"expected {word} {_count(limit, unit)}, got {actual}", ""
    if kind in _KINDS:
        return f"expected {_KINDS[kind]}, got {got}", ""
    message = error["msg"]
    if not message.startswith("expected"):
        message = f"expected a valid value, got {got} ({message})"
    return message, ""


_MISSING_SPELLING = re.compile(
    r"(?i)(n\.?\s*/?\s*a\.?|n\.?\s*e\.?|n\.?\s*r\.?|nan|none|null|-+|—|–|\?|"
    r"not\s+(reached|estimable|evaluable|available|reported|applicable|calculable)|"
    r"unknown|missing|na\s*\(.*\))")
"""Ways a newcomer writes "not estimable" or "not reported" (NA, N/A, n.r., not reached, -...)."""


def _hint(error: Mapping[str, Any], loc: tuple[Any, ...], raw: str | None) -> str:
    """How to fix a common mistake, where it is knowable from the value and the field."""
    kind = error["type"]
    value: Any = error.get("input")
    written = raw if raw is not None else str(value)
    name = next((p for p in reversed(loc) if isinstance(p, str)), "")
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "string_type" and isinstance(value, bool):
        return (f"{written} is a boolean in YAML (so are yes, no, on, off); quote it: "
                f'"{written}"')
    if kind == "string_type" and is_number:
        return f'quote it: "{written}"'
    if kind in _NUMBER_KINDS and isinstance(value, bool):
        return f"{written} is a boolean in YAML (so are yes, no, on, off); write a number"
    if kind in _NUMBER_KINDS and isinstance(value, str):
        text = value.strip()
        if text.endswith("%"):
            return f"drop the %: write {text[:-1].strip()!r} without quotes"
        if re.fullmatch(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?", text):
            return "write the number without quotes"
    if isinstance(value, str) and _MISSING_SPELLING.fullmatch(value.strip()):
        if kind == "number_or_ne":
            return ("write NE where the paper says not reached or not estimable (NR and "
                    "'not reached' are read as NE too); leave the field out where it is not "
                    "reported")
        if kind in _NUMBER_KINDS:
            return "leave the field out where the paper does not report it"
    if name == "ci_level" and kind in _BOUNDS and is_number and 0 < value < 1:
        return f"write {number_text(value * 100)} for a {number_text(value * 100)}% CI"
    if name == "rt_dose_gy" and kind == "less_than_equal" and is_number:
        return f"is it in cGy? {written} cGy = {number_text(value / 100)} Gy"
    if kind == "p_value" and isinstance(value, str) and value.strip()[:1] in {"p", "P"}:
        return f"drop the p: write {value.strip()[1:].strip()!r}"
    return ""


def _parts(field: str) -> tuple[str | int, ...]:
    return tuple(int(p) if p.isdigit() else p for p in field.split("."))


def _holds_placeholder(doc: YamlDocument, loc: tuple[Any, ...]) -> bool:
    return any(is_placeholder(doc.raw.get(loc[:k])) for k in range(1, len(loc) + 1))


def _has(node: Any, part: Any) -> bool:
    """Whether the YAML node ``node`` has the key or index ``part``."""
    return ((isinstance(node, dict) and isinstance(part, str) and part in node)
            or (isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)))


def _value_at(data: Any, loc: tuple[Any, ...]) -> Any:
    for part in loc:
        if not _has(data, part):
            return None
        data = data[part]
    return data


def _problems_despite_errors(errors: Sequence[Mapping[str, Any]], doc: YamlDocument,
                             root: type[BaseModel]) -> list[tuple[tuple[Any, ...], Problem]]:
    """Within-model rules of the models whose fields failed (pydantic skips their checks)."""
    failed: dict[tuple[Any, ...], set[str]] = {}
    for error in errors:
        loc = tuple(error["loc"])
        for k, part in enumerate(loc):
            if isinstance(part, str):
                failed.setdefault(loc[:k], set()).add(part)
    out = []
    for where, names in failed.items():
        model = _walk(root, where)
        data = _value_at(doc.data, where)
        if (isinstance(model, type) and issubclass(model, Strict) and isinstance(data, dict)
                and names <= set(model.model_fields)):
            try:
                found = model.problems_despite(data, names)
            except Exception:  # a best-effort extra on unvalidated data: never a traceback
                found = []
            out += [(where, problem) for problem in found]
    return out


_TYPE_TAGS = {"str", "int", "float", "bool", "list", "dict", "none"}


def _is_union_tag(part: Any) -> bool:
    """Whether a ``loc`` element names a branch of a union, as pydantic adds it: a model's class
    name (``Reference``) or a type (``str``, ``constrained-str``, ``function-after[...]``), never
    one of our snake_case field names."""
    return isinstance(part, str) and bool(part) and (
        part[0].isupper() or "-" in part or "[" in part or part in _TYPE_TAGS)


def _branch_fits(tag: str, value: Any) -> bool:
    """Whether the union branch ``tag`` is the one the value's YAML type asked for: a model for
    a mapping, anything else for a scalar or a list."""
    return tag[0].isupper() == isinstance(value, Mapping)


def _union_tag_at(loc: tuple[Any, ...], data: Any) -> int | None:
    """Index of the first union-branch tag in ``loc``: a tag-like element that is not a key of
    the YAML mapping at that place (a user's own key, ``sources: {Events: ...}``, is a key)."""
    node = data
    for i, part in enumerate(loc):
        if not _has(node, part):
            return i if _is_union_tag(part) else None
        node = node[part]
    return None


def _one_union_branch(errors: list[dict[str, Any]], data: Any) -> list[dict[str, Any]]:
    """Errors of a value that matched no branch of a union, reduced to the branch its YAML type
    asked for, with the branch's tag taken out of the location.

    ``references: [{id: x, lines: []}]`` gave ``references[0].Reference.lines: expected at least
    one value`` *and* ``references[0].constrained-str: expected text, got a mapping``; it now
    gives the first, at ``references[0].lines``. When no branch fits the value's type, every
    branch's errors are kept (each says what it expected).
    """
    tagged: dict[tuple[Any, ...], list[tuple[str, dict[str, Any]]]] = {}
    out: list[dict[str, Any]] = []
    for error in errors:
        loc = tuple(error["loc"])
        at = _union_tag_at(loc, data)
        if at is None:
            out.append(error)
        else:
            tagged.setdefault(loc[:at], []).append((loc[at], error))
    for prefix, branches in tagged.items():
        value = _value_at(data, prefix)
        keep = [b for b in branches if _branch_fits(b[0], value)] or branches
        for tag, error in keep:
            loc = tuple(error["loc"])
            i = loc.index(tag, len(prefix))
            out.append({**error, "loc": loc[:i] + loc[i + 1:]})
    return out


def translate(exc: ValidationError, doc: YamlDocument, shown: str,
              root: type[BaseModel]) -> list[Issue]:
    """One :class:`Issue` per problem, located at the YAML node it concerns.

    An entry's within-entry problems arrive as one error carrying them all
    (:data:`~extraction.schema_common.ENTRY_PROBLEMS`) and become one issue each. Errors at a
    value that still holds the scaffold's ``FILL`` placeholder are left to the placeholder check
    (one line per problem).
    """
    issues = []
    errors = _one_union_branch([dict(e) for e in exc.errors(include_url=False)], doc.data)
    problems = [(tuple(e["loc"]), p) for e in errors if e["type"] == ENTRY_PROBLEMS
                for p in (e.get("ctx") or {})["problems"]]
    for loc, (field, message, hint) in problems + _problems_despite_errors(errors, doc, root):
        where = (*loc, *field)
        line, col = doc.locate(where)
        issues.append(Issue(shown, line, col, field_path(where), one_line(message),
                            one_line(hint)))
    for error in errors:
        loc = tuple(error["loc"])
        ctx = error.get("ctx") or {}
        if error["type"] == ENTRY_PROBLEMS:
            continue
        if error["type"] != "extra_forbidden" and _holds_placeholder(doc, loc):
            continue
        if "field" in ctx:
            loc = (*loc, *_parts(str(ctx["field"])))
        if error["type"] == "extra_forbidden":
            line, col = doc.key_marks.get(loc) or doc.locate(loc)
        else:
            line, col = doc.locate(loc)
        fields = _model_fields_at(root, loc[:-1]) if error["type"] == "extra_forbidden" else {}
        raw = doc.raw.get(loc)
        message, hint = _message(error, fields, raw)
        hint = _hint(error, loc, raw) or hint
        if error["type"] == "missing":
            hint = f"add '{loc[-1]}:' here"
        issues.append(Issue(shown, line, col, field_path(loc), one_line(message), one_line(hint)))
    return issues
