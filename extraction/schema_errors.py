"""Translate pydantic validation errors into located ``expected …, got …`` issues.

Pydantic reports ``loc`` tuples and its own wording; study-file users need the YAML line of the
offending node, the field path, and a message of the form ``expected …, got …`` with a hint (the
closest vocabulary term or field name) where one is knowable.
"""

from __future__ import annotations

import difflib
import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError

from extraction.issues import Issue, field_path
from extraction.yaml_source import YamlDocument

_KINDS = {
    "int_type": "a whole number", "int_parsing": "a whole number", "int_from_float":
    "a whole number", "float_type": "a number", "float_parsing": "a number", "finite_number":
    "a finite number", "bool_type": "true or false", "bool_parsing": "true or false",
    "string_type": "text", "list_type": "a list", "dict_type": "a mapping", "model_type":
    "a mapping", "model_attributes_type": "a mapping",
}
_BOUNDS = {"greater_than": ">", "greater_than_equal": ">=", "less_than": "<",
           "less_than_equal": "<="}
_PATTERNS = {
    "^[a-z][a-z0-9_]*$": "an id of lowercase letters, digits and _ starting with a letter",
    r"^10\.\d{4,9}/\S+$": "a DOI such as 10.3389/fimmu.2025.1594577 (without https://doi.org/)",
    r"^\d{1,9}$": "a PubMed id of digits",
    r"^\d{4}(-\d{2}(-\d{2})?)?$": "a date as YYYY, YYYY-MM or YYYY-MM-DD",
    r"^https?://\S+$": "a web address starting with http:// or https://",
    r"^[^\x00]+\.csv$": "a path to a .csv file",
}


def _shown(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing (null)"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _model_fields_at(root: type[BaseModel], loc: tuple[Any, ...]) -> dict[str, Any]:
    """Field names of the model reached by walking ``loc`` from ``root`` (empty if not a model)."""
    annotation: Any = root
    for part in loc:
        model = _first_model(annotation)
        if isinstance(part, int):
            annotation = _item_type(annotation)
        elif model is not None and part in model.model_fields:
            annotation = model.model_fields[part].annotation
        else:
            return {}
    model = _first_model(annotation)
    return dict(model.model_fields) if model else {}


def _first_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _first_model(arg)
        if found is not None:
            return found
    return None


def _item_type(annotation: Any) -> Any:
    origin = typing.get_origin(annotation)
    if origin in (list, tuple):
        return typing.get_args(annotation)[0]
    if origin in (typing.Union, types.UnionType, typing.Annotated):
        for arg in typing.get_args(annotation):
            if typing.get_origin(arg) in (list, tuple):
                return typing.get_args(arg)[0]
            item = _item_type(arg) if typing.get_origin(arg) else None
            if item is not None:
                return item
    return None


def _message(error: dict[str, Any], fields: dict[str, Any]) -> tuple[str, str]:
    kind, ctx, value = error["type"], error.get("ctx") or {}, error.get("input")
    got = _shown(value)
    if kind == "missing":
        return "expected a value (required field), got nothing", "add the field"
    if kind == "extra_forbidden":
        name = str(error["loc"][-1])
        close = difflib.get_close_matches(name, list(fields), n=1, cutoff=0.6)
        hint = f"did you mean '{close[0]}'?" if close else (
            "known fields: " + ", ".join(fields) if fields else "")
        return f"expected a known field, got unknown field '{name}'", hint
    if kind in ("literal_error", "enum"):
        expected = str(ctx.get("expected", "")).replace("'", "")
        options = [o.strip() for o in expected.replace(" or ", ", ").split(",") if o.strip()]
        close = difflib.get_close_matches(str(value).lower(), options, n=1, cutoff=0.5)
        return (f"expected one of {', '.join(options)}, got {got}",
                f"did you mean '{close[0]}'?" if close else "")
    if kind in _BOUNDS:
        bound = next(v for k, v in ctx.items() if k in {"gt", "ge", "lt", "le"})
        return f"expected a number {_BOUNDS[kind]} {bound}, got {got}", ""
    if kind == "string_pattern_mismatch":
        pattern = str(ctx.get("pattern", ""))
        return f"expected {_PATTERNS.get(pattern, 'text matching ' + pattern)}, got {got}", ""
    if kind in ("too_short", "too_long"):
        limit = ctx.get("min_length", ctx.get("max_length"))
        what = "items" if isinstance(value, list) else "characters"
        word = "at least" if kind == "too_short" else "at most"
        return f"expected {word} {limit} {what}, got {len(value) if value is not None else 0}", ""
    if kind in _KINDS:
        return f"expected {_KINDS[kind]}, got {got}", ""
    if kind == "literal_error":
        return f"expected {ctx.get('expected')}, got {got}", ""
    message = error["msg"]
    if not message.startswith("expected"):
        message = f"expected a valid value, got {got} ({message})"
    return message, ""


def translate(exc: ValidationError, doc: YamlDocument, shown: str,
              root: type[BaseModel]) -> list[Issue]:
    """One :class:`Issue` per pydantic error, located at the YAML node it concerns."""
    issues = []
    for error in exc.errors(include_url=False):
        loc = tuple(error["loc"])
        ctx = error.get("ctx") or {}
        if "field" in ctx:
            loc = (*loc, *str(ctx["field"]).split("."))
        if error["type"] == "extra_forbidden":
            line, col = doc.key_marks.get(loc) or doc.locate(loc)
        else:
            line, col = doc.locate(loc)
        fields = _model_fields_at(root, loc[:-1]) if error["type"] == "extra_forbidden" else {}
        message, hint = _message(error, fields)
        if error["type"] == "missing":
            hint = f"add '{loc[-1]}:' here"
        issues.append(Issue(shown, line, col, field_path(loc), message, hint))
    return issues
