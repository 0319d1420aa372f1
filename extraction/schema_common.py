"""Building blocks of the study-file schema: provenance and the base of every extracted entry.

Every entry that holds numbers (an arm, an outcome, a contrast...) carries a required ``source``
(where in the paper its numbers were read), optional per-field ``sources`` where a number was read
elsewhere, and ``derived``: for each number that was computed rather than read, how it was computed.
"""

from __future__ import annotations

import difflib
import functools
import math
import re
import typing
from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema, model_validator
from pydantic_core import PydanticCustomError

from extraction import vocabulary as vocab


def _literal(table: Mapping[str, object]) -> Any:
    return Literal[tuple(table)]


if TYPE_CHECKING:  # the vocabularies are data: to a type checker the fields are plain text
    Location = str
    TimeUnit = str
else:
    Location = _literal(vocab.LOCATIONS)
    TimeUnit = _literal(vocab.TIME_UNITS)
Slug = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=60)]
Text = Annotated[str, Field(min_length=1, max_length=2000)]
# Numbers are strict: YAML booleans (yes/on/true) and quoted text ("2") are refused; a whole
# number is still accepted where a float is expected (pydantic's strict float takes an int).
MAX_COUNT = 10_000_000
"""Largest count of patients or events a study file may hold (ten million: more than the world's
yearly HCC incidence; a larger number is a typing slip, and 10^27 overflowed the statistics)."""
MAX_MONTHS = 1200.0
"""Longest time a study file may hold, in months after unit conversion (100 years)."""

Percent = Annotated[float, Field(ge=0, le=100, allow_inf_nan=False, strict=True)]
Count = Annotated[int, Field(ge=0, le=MAX_COUNT, strict=True)]
PositiveCount = Annotated[int, Field(ge=1, le=MAX_COUNT, strict=True)]
NonNegative = Annotated[float, Field(ge=0, allow_inf_nan=False, strict=True)]
Positive = Annotated[float, Field(gt=0, allow_inf_nan=False, strict=True)]
Number = Annotated[float, Field(allow_inf_nan=False, strict=True)]
CiLevel = Annotated[float, Field(gt=50, lt=100, strict=True, description="confidence level in "
                                 "percent, e.g. 95")]


def _int_as_text(value: Any) -> Any:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


PageText = Annotated[str, BeforeValidator(_int_as_text), Field(min_length=1, max_length=40),
                     WithJsonSchema({"anyOf": [{"type": "string", "minLength": 1, "maxLength": 40},
                                               {"type": "integer"}]})]

NE = "NE"
"""What a paper prints for a median or CI bound that was not reached (not estimable)."""


def _number_or_ne(value: Any) -> float | str:
    if isinstance(value, str) and value.strip().upper() in {"NE", "NR", "NOT REACHED"}:
        return NE
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PydanticCustomError("number_or_ne", "expected a number or NE, got {got}",
                                  {"got": repr(value)})
    if not math.isfinite(value) or value <= 0:
        raise PydanticCustomError("number_or_ne", "expected a finite number > 0 or NE, got {got}",
                                  {"got": repr(value)})
    return float(value)


TimeOrNE = Annotated[
    float | str,
    BeforeValidator(_number_or_ne),
    WithJsonSchema({"anyOf": [{"type": "number", "exclusiveMinimum": 0},
                              {"type": "string", "pattern": r"^\s*([Nn][EeRr]|[Nn][Oo][Tt]\s"
                               r"[Rr][Ee][Aa][Cc][Hh][Ee][Dd])\s*$"}],
                    "description": "a time, or NE where the paper says not reached/estimable"}),
]

_P_PATTERN = r"^\s*([<>≤≥]=?|=)?\s*(0?\.\d+|1(\.0+)?|0|\d\.?\d*[eE]-?\d+)\s*$"
_P_TEXT = re.compile(_P_PATTERN)


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
                              {"type": "string", "pattern": _P_PATTERN}]}),
]


def as_float(value: float | str | None) -> float | None:
    """A number, or None for NE / missing."""
    return value if isinstance(value, float | int) and not isinstance(value, bool) else None


def parse_p(text: str) -> tuple[str, float]:
    """Split a stored p-value into its relation and number: ``'<0.001' -> ('<', 0.001)``."""
    match = _P_TEXT.match(text)
    assert match is not None
    return match.group(1) or "=", float(match.group(2))


Problem = tuple[tuple[str | int, ...], str, str]
"""One entry-level problem: (path of the field within the entry, ``expected …, got …`` message,
hint)."""

ENTRY_PROBLEMS = "entry_problems"
"""Error type of the single pydantic error that carries every problem of one entry."""


def number_text(value: float | int | str | None) -> str:
    """A number as a reader wrote it: ``70.0 -> '70'``, ``0.58 -> '0.58'`` (shortest repr)."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value) if isinstance(value, float) else str(value)


def raise_problems(problems: list[Problem]) -> None:
    """Raise one error carrying all ``problems`` (``schema_errors.translate`` expands it into one
    issue per problem), or return when there are none."""
    if problems:
        raise PydanticCustomError(
            ENTRY_PROBLEMS, "expected a consistent entry, got {count} problem(s): {first}",
            {"problems": list(problems), "count": len(problems),
             "first": problems[0][1]})


class _Unknown:
    """Stands for a field whose value failed validation (see :meth:`Strict.problems_despite`)."""

    def __repr__(self) -> str:
        return "<unknown>"


UNKNOWN = _Unknown()


class Strict(BaseModel):
    """Base model: unknown keys rejected, instances immutable, within-model rules in
    :meth:`checks` (all of a model's broken rules are reported at once)."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    def checks(self) -> list[Problem]:
        """Rules across this model's fields that are broken (none here; subclasses add theirs).

        Also called on a partial instance whose failed fields hold :data:`UNKNOWN`: a rule must
        skip what it cannot judge (``as_float``, ``isinstance`` guards).
        """
        return []

    @model_validator(mode="after")
    def _run_checks(self) -> Strict:
        raise_problems(self.checks())
        return self

    @classmethod
    def problems_despite(cls, data: dict[str, Any], failed: set[str]) -> list[Problem]:
        """The rules broken by raw ``data`` whose fields ``failed`` did not validate.

        Pydantic skips a model's after-validators once a field fails; this runs :meth:`checks` on
        the fields that did validate, so that a file's errors all appear at once.
        """
        values: dict[str, Any] = {name: UNKNOWN if name in failed else (
                  data[name].strip() if isinstance(data[name], str) else data[name])
                  for name in cls.model_fields if name in data}
        return cls.model_construct(**values).checks()


_LABEL_EXAMPLES = {"table": "Table 2", "figure": "Figure 2", "supplement": "Supplementary Table 1"}


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

    def checks(self) -> list[Problem]:
        """A label for tables, figures and supplements; a url for a secondary source."""
        problems: list[Problem] = []
        if self.location in _LABEL_EXAMPLES and not self.label:
            problems.append((("label",), f"expected a label for a {self.location} source (e.g. "
                             f"'{_LABEL_EXAMPLES[self.location]}'), got none",
                             f"add label: {_LABEL_EXAMPLES[self.location]}"))
        if self.location == "secondary" and not self.url:
            problems.append((("url",), "expected the url of the secondary source, got none",
                             "add url: https://..."))
        return problems


def _is_numeric(annotation: Any, seen: frozenset[type] = frozenset()) -> bool:
    """True when ``annotation`` holds numbers: int/float (not bool), or lists/models of them."""
    if annotation is bool:
        return False
    if annotation in (int, float):
        return True
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation in seen:
            return False
        return any(_is_numeric(info.annotation, seen | {annotation})
                   for info in annotation.model_fields.values())
    return any(_is_numeric(arg, seen) for arg in typing.get_args(annotation))


_NUMERIC_TEXT = {"p_value"}
"""Fields stored as text that hold a number (a p-value keeps its relation: '<0.001')."""


@functools.cache
def _numeric_field_names(cls: type[BaseModel]) -> tuple[str, ...]:
    return tuple(name for name, info in cls.model_fields.items()
                 if name not in {"source", "sources", "derived", "notes"}
                 and (name in _NUMERIC_TEXT or _is_numeric(info.annotation)))


class Entry(Strict):
    """An extracted entry: its numbers, where they were read and which were derived.

    Subclasses add their within-entry rules in :meth:`consistency_problems`; every problem of the
    entry (provenance keys and rules) is reported at once.
    """

    source: Source = Field(description="where this entry's numbers were read")
    sources: dict[str, Source] = Field(default_factory=dict, description="per-field source where "
                                       "a number was read elsewhere than `source`")
    derived: dict[str, Text] = Field(default_factory=dict, description="field -> how the number "
                                     "was computed (e.g. 'events: 75.0% of 108 = 81')")
    notes: Text | None = None

    @classmethod
    def numeric_field_names(cls) -> tuple[str, ...]:
        """Fields that hold numbers: the keys ``derived`` and ``sources`` may name (worked out
        once per entry class: the walk over nested annotations cost a third of loading a
        library)."""
        return _numeric_field_names(cls)

    def checks(self) -> list[Problem]:
        """Provenance keys name numeric fields, and the entry's own rules hold."""
        return self._provenance_problems() + self.consistency_problems()

    def _provenance_problems(self) -> list[Problem]:
        numeric = self.numeric_field_names()
        problems: list[Problem] = []
        for block in ("derived", "sources"):
            keys = getattr(self, block)
            for key in keys if isinstance(keys, dict) else ():
                if key not in numeric:
                    close = difflib.get_close_matches(key, numeric, n=1, cutoff=0.6)
                    problems.append(((block, key), "expected a numeric field of this entry "
                                     f"({', '.join(numeric)}), got {key!r}",
                                     f"did you mean '{close[0]}'?" if close else ""))
        return problems

    def consistency_problems(self) -> list[Problem]:
        """Within-entry rules broken by this entry (none here; subclasses add theirs)."""
        return []

    def source_of(self, name: str) -> Source:
        """The source of field ``name``: its own entry in ``sources`` or the entry's source."""
        return self.sources.get(name, self.source)


def order_problems(lower: float | str | None, upper: float | str | None, lower_name: str,
                   upper_name: str) -> list[Problem]:
    """A problem at ``upper_name`` when a numeric lower bound exceeds its upper bound."""
    lo, hi = as_float(lower), as_float(upper)
    if lo is not None and hi is not None and lo > hi:
        return [((upper_name,), f"expected a number >= {number_text(lo)} ({lower_name}), got "
                 f"{number_text(hi)}", f"check the order of {lower_name} and {upper_name}")]
    return []


def within_problems(count: int | None, total: int | None, count_name: str,
                    total_name: str) -> list[Problem]:
    """A problem at ``count_name`` when a count exceeds its denominator."""
    if isinstance(count, int) and isinstance(total, int) and count > total:
        return [((count_name,), f"expected a count <= {total} ({total_name}), got {count}", "")]
    return []
