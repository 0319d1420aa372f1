"""Building blocks of the study-file schema: provenance and the base of every extracted entry.

Every entry that holds numbers (an arm, an outcome, a contrast...) carries a required ``source``
(where in the paper its numbers were read), optional per-field ``sources`` where a number was read
elsewhere, and ``derived``: for each number that was computed rather than read, how it was computed.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema, model_validator
from pydantic_core import PydanticCustomError

from extraction import vocabulary as vocab


def _literal(table: dict[str, object]) -> Any:
    return Literal[tuple(table)]  # type: ignore[valid-type]


Location = _literal(vocab.LOCATIONS)
TimeUnit = _literal(vocab.TIME_UNITS)
Slug = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=60)]
Text = Annotated[str, Field(min_length=1, max_length=2000)]
Percent = Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)]
Count = Annotated[int, Field(ge=0, strict=True)]
PositiveCount = Annotated[int, Field(ge=1, strict=True)]
NonNegative = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Positive = Annotated[float, Field(gt=0, allow_inf_nan=False)]

def _int_as_text(value: Any) -> Any:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


PageText = Annotated[str, BeforeValidator(_int_as_text), Field(min_length=1, max_length=40)]

NE = "NE"
"""What a paper prints for a median or CI bound that was not reached (not estimable)."""


def _number_or_ne(value: Any) -> float | str:
    if isinstance(value, str) and value.strip().upper() in {"NE", "NR", "NOT REACHED"}:
        return NE
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PydanticCustomError("number_or_ne", "expected a number or NE, got {got}",
                                  {"got": repr(value)})
    if not math.isfinite(value) or value < 0:
        raise PydanticCustomError("number_or_ne", "expected a finite number >= 0 or NE, got {got}",
                                  {"got": repr(value)})
    return float(value)


TimeOrNE = Annotated[
    float | str,
    BeforeValidator(_number_or_ne),
    WithJsonSchema({"anyOf": [{"type": "number", "minimum": 0}, {"const": "NE"}],
                    "description": "a time, or NE where the paper says not reached/estimable"}),
]

_P_TEXT = re.compile(r"^\s*([<>≤≥]=?|=)?\s*(0?\.\d+|1(\.0+)?|0|\d\.?\d*[eE]-?\d+)\s*$")


def _p_value(value: Any) -> str:
    text = str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value
    if not isinstance(text, str) or not _P_TEXT.match(text) or not 0 <= float(
            _P_TEXT.match(text).group(2)) <= 1:  # type: ignore[union-attr]
        raise PydanticCustomError("p_value", "expected a p-value such as 0.014 or '<0.001', "
                                  "got {got}", {"got": repr(value)})
    return text.strip()


PValue = Annotated[
    str,
    BeforeValidator(_p_value),
    WithJsonSchema({"anyOf": [{"type": "number", "minimum": 0, "maximum": 1},
                              {"type": "string", "pattern": r"^[<>≤≥]=?\s*0?\.\d+$"}]}),
]


def as_float(value: float | str | None) -> float | None:
    """A number, or None for NE / missing."""
    return value if isinstance(value, float | int) and not isinstance(value, bool) else None


def parse_p(text: str) -> tuple[str, float]:
    """Split a stored p-value into its relation and number: ``'<0.001' -> ('<', 0.001)``."""
    match = _P_TEXT.match(text)
    assert match is not None
    return match.group(1) or "=", float(match.group(2))


class Strict(BaseModel):
    """Base model: unknown keys rejected, instances immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Source(Strict):
    """Where a number was read: the provenance every extracted number carries."""

    location: Location = Field(description="where in the publication: " + ", ".join(
        f"{k} ({v})" for k, v in vocab.LOCATIONS.items()))
    label: Text | None = Field(None, description="table/figure/supplement label, e.g. 'Table 2'")
    page: PageText | None = Field(None, description="page number(s) in the publication, e.g. 381")
    quote: Annotated[str, Field(min_length=1, max_length=600)] | None = Field(
        None, description="short verbatim quote carrying the number")
    url: Annotated[str, Field(pattern=r"^https?://\S+$")] | None = Field(
        None, description="web page where it was read (required for a secondary source)")
    extracted_by: Text | None = Field(None, description="who extracted it (overrides curation)")
    checked_by: Text | None = Field(None, description="who checked it (overrides curation)")
    verified: bool = Field(True, description="false: not yet checked against the publication; "
                           "such numbers are excluded from pooling by default")

    @model_validator(mode="after")
    def _label_where_needed(self) -> Source:
        if self.location in {"table", "figure", "supplement"} and not self.label:
            raise PydanticCustomError("source_label", "expected a label for a {where} source "
                                      "(e.g. 'Table 2'), got none",
                                      {"where": self.location, "field": "label"})
        if self.location == "secondary" and not self.url:
            raise PydanticCustomError("source_url", "expected the url of the secondary source, "
                                      "got none", {"field": "url"})
        return self


class Entry(Strict):
    """An extracted entry: its numbers, where they were read and which were derived."""

    source: Source = Field(description="where this entry's numbers were read")
    sources: dict[str, Source] = Field(default_factory=dict, description="per-field source where "
                                       "a number was read elsewhere than `source`")
    derived: dict[str, Text] = Field(default_factory=dict, description="field -> how the number "
                                     "was computed (e.g. 'events: 75.0% of 108 = 81')")
    notes: Text | None = None

    @model_validator(mode="after")
    def _provenance_names_fields(self) -> Entry:
        numeric = {name for name, info in type(self).model_fields.items()
                   if name not in {"source", "sources", "derived", "notes"}}
        for block in ("derived", "sources"):
            for key in getattr(self, block):
                if key not in numeric:
                    raise PydanticCustomError(
                        "provenance_key", "expected a field of this entry ({known}), got {got}",
                        {"field": f"{block}.{key}", "got": repr(key),
                         "known": ", ".join(sorted(numeric))})
        return self

    def source_of(self, name: str) -> Source:
        """The source of field ``name``: its own entry in ``sources`` or the entry's source."""
        return self.sources.get(name, self.source)


def check_order(lower: float | str | None, upper: float | str | None, lower_name: str,
                upper_name: str) -> None:
    """Raise a field-located error when a numeric lower bound exceeds its upper bound."""
    lo, hi = as_float(lower), as_float(upper)
    if lo is not None and hi is not None and lo > hi:
        raise PydanticCustomError("order", "expected a number >= {lo} ({lower_name}), got {got}",
                                  {"field": upper_name, "lo": lo, "lower_name": lower_name,
                                   "got": hi})


def check_within(count: int | None, total: int | None, count_name: str, total_name: str) -> None:
    """Raise a field-located error when a count exceeds its denominator."""
    if count is not None and total is not None and count > total:
        raise PydanticCustomError("within", "expected a count <= {total} ({total_name}), got "
                                  "{got}", {"field": count_name, "total": total,
                                            "total_name": total_name, "got": count})
