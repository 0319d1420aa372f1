"""The study-file schema: one publication (or one analysis of a trial) per YAML file.

A study file is validated in two passes: this pydantic model (types, ranges, vocabularies,
within-entry rules), then :mod:`extraction.references` (arm ids, curve files, file name).
``hccmeta schema`` exports :func:`json_schema` for editor completion.
"""

from __future__ import annotations

import datetime
import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, Field, WithJsonSchema
from pydantic_core import PydanticCustomError

from extraction import vocabulary as vocab
from extraction.schema_common import (
    Problem,
    Slug,
    Source,
    Strict,
    Text,
    _literal,
)
from extraction.schema_entries import (
    AdverseEvent,
    Arm,
    BinaryOutcome,
    Characteristic,
    Contrast,
    Curve,
    Followup,
    Ipd,
    TimeToEvent,
)

SCHEMA_VERSION = 1


def _scalar_text(value: Any) -> Any:
    return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value


def _exact_int(value: Any) -> Any:
    """Keep ``true`` and ``1.0`` from passing as the integer 1 (Python: True == 1.0 == 1)."""
    return repr(value) if isinstance(value, bool | float) else value


ScalarText = Annotated[str, BeforeValidator(_scalar_text),
                       WithJsonSchema({"anyOf": [{"type": "string"}, {"type": "number"}]})]


def _date_parts(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("-"))


def _calendar_date(text: str) -> str:
    """A YYYY, YYYY-MM or YYYY-MM-DD text (shape already checked) that names a real date."""
    parts = _date_parts(text)
    try:
        if len(parts) == 3:
            datetime.date(*parts)
        elif len(parts) == 2 and not 1 <= parts[1] <= 12:
            raise ValueError("month must be in 1..12")
    except ValueError as exc:
        raise PydanticCustomError("calendar_date", "expected a calendar date, got {got} ({why})",
                                  {"got": repr(text), "why": str(exc)}) from None
    return text


def _not_future(text: str) -> str:
    """A date not after today (compared at the precision written: 2026 or 2026-11 is today)."""
    parts = _date_parts(text)
    today = datetime.date.today()
    if parts > (today.year, today.month, today.day)[: len(parts)]:
        raise PydanticCustomError("future_date", "expected a date not in the future (today is "
                                  "{today}), got {got}",
                                  {"today": today.isoformat(), "got": repr(text)})
    return text


def _year_not_future(year: int) -> int:
    limit = datetime.date.today().year + 1
    if year > limit:
        raise PydanticCustomError("future_year", "expected a year <= {limit} (next year), got "
                                  "{got}", {"limit": limit, "got": year})
    return year


_DATE_PATTERN = r"^\d{4}(-\d{2}(-\d{2})?)?$"
DateText = Annotated[str, BeforeValidator(_scalar_text),  # a bare year: 2021
                     Field(pattern=_DATE_PATTERN, description="YYYY, YYYY-MM or YYYY-MM-DD"),
                     AfterValidator(_calendar_date),
                     WithJsonSchema({"anyOf": [{"type": "string", "pattern": _DATE_PATTERN},
                                               {"type": "integer", "minimum": 1000,
                                                "maximum": 9999}],
                                     "description": "YYYY, YYYY-MM or YYYY-MM-DD"})]
PastDate = Annotated[DateText, AfterValidator(_not_future)]
"""A date that has happened: publication, data cut-off, extraction and check dates."""


class Citation(Strict):
    """Bibliographic record of the publication."""

    title: Text
    authors: Annotated[list[Text], Field(min_length=1)] = Field(
        description="authors as 'Surname Initials'; at least the first author")
    journal: Text
    year: Annotated[int, Field(ge=1950, strict=True), AfterValidator(_year_not_future)] = Field(
        description="publication year (at most next year)")
    volume: Text | None = None
    pages: Text | None = None
    doi: Annotated[str, Field(pattern=r"^10\.\d{4,9}/\S+$")] | None = None
    pmid: Annotated[str, Field(pattern=r"^\d{1,9}$")] | None = None
    trial_ids: list[Annotated[str, Field(pattern=r"^[A-Za-z0-9-]{4,40}$")]] = Field(
        default_factory=list, description="registry ids, e.g. NCT03434379")
    trial_name: Text | None = Field(None, description="acronym, e.g. IMbrave150")
    published: PastDate | None = None
    source: Source | None = Field(None, description="where the citation was read, if not the paper")


class Period(Strict):
    """Enrolment period."""

    start: DateText | None = None
    end: DateText | None = None
    source: Source

    def checks(self) -> list[Problem]:
        """The end is not before the start (compared at the precision both have)."""
        problems: list[Problem] = []
        if isinstance(self.start, str) and isinstance(self.end, str):
            start, end = _date_parts(self.start), _date_parts(self.end)
            common = min(len(start), len(end))
            if end[:common] < start[:common]:
                problems.append((("end",), f"expected an end on or after the start {self.start!r}, "
                                 f"got {self.end!r}", "check the order of start and end"))
        return problems


class Setting(Strict):
    """Who was treated."""

    disease: list[_literal(vocab.DISEASE_SETTINGS)] = Field(  # type: ignore[valid-type]
        default_factory=list, description="disease settings: " + ", ".join(vocab.DISEASE_SETTINGS))
    stage: Text | None = Field(None, description="e.g. 'BCLC B-C', 'stage IV or recurrent'")
    line: _literal({"first": "", "second": "", "later": "", "mixed": "",  # type: ignore[valid-type]
                    "not_reported": ""}) = "not_reported"
    region: Text | None = None
    centres: _literal({"single": "", "multi": "", "not_reported": ""}) = "not_reported"  # type: ignore[valid-type]
    institution: Text | None = None
    source: Source | None = None


class Analysis(Strict):
    """Which analysis of the trial this file holds (a later update is its own file)."""

    kind: _literal({"primary": "", "updated": "", "final": "", "interim": ""}) = "primary"  # type: ignore[valid-type]
    data_cutoff: PastDate | None = None
    label: Text | None = None
    updates: Slug | None = Field(None, description="id of the study file this analysis updates")


class Related(Strict):
    """A link to another study file: the same trial, an overlapping cohort..."""

    study: Slug
    relation: _literal({"updated_analysis_of": "", "updated_by": "", "same_trial": "",  # type: ignore[valid-type]
                        "overlapping_cohort": "", "same_institution": ""})
    note: Text | None = None


class Conflict(Strict):
    """Two sources that disagree about a number: recorded, not silently resolved."""

    about: Text = Field(description="the quantity in words, e.g. 'ORR of the pembrolizumab arm'")
    fields: list[Annotated[str, Field(pattern=r"^[a-z_]+(\[\d+\]|\.[a-z_0-9]+)*$")]] = Field(
        default_factory=list, description="field paths the conflict concerns, e.g. "
        "'outcomes.binary[0].percent'; audit errors on them become warnings")
    values: Annotated[list[ScalarText], Field(min_length=2)] = Field(
        description="the differing values as printed by each source")
    sources: Annotated[list[Source], Field(min_length=1)]
    resolution: Text | None = Field(None, description="which value the file uses and why")

    def covers(self, field: str) -> bool:
        """True when ``field`` (``arms[0].n``) or an entry holding it is named in :attr:`fields`
        or in :attr:`about`: a disagreement there is recorded, so the audit reports it as a
        warning and validation does not refuse it."""
        tokens = (*self.fields, *_FIELD_IN_TEXT.findall(self.about))
        return any(field == t or field.startswith((t + ".", t + "[")) for t in tokens)


_FIELD_IN_TEXT = re.compile(r"[a-z_]+(?:(?:\.[a-z_]+)|(?:\[\d+\]))+")
"""A field path written in a conflict's ``about`` text (``outcomes.binary[0]``)."""


class Curation(Strict):
    """Who extracted and who checked the file."""

    extracted_by: Text
    extracted_on: PastDate | None = None
    checked_by: Text | None = None
    checked_on: PastDate | None = None


class Outcomes(Strict):
    """Per-arm outcomes."""

    binary: list[BinaryOutcome] = Field(default_factory=list)
    time_to_event: list[TimeToEvent] = Field(default_factory=list)
    adverse_events: list[AdverseEvent] = Field(default_factory=list)


class Study(Strict):
    """One study file."""

    schema_version: Annotated[Literal[1], BeforeValidator(_exact_int)] = Field(
        description="study-file format version (1)")
    id: Slug = Field(description="equals the file name: <firstauthor><year>[_<trial>]")
    citation: Citation
    design: _literal(vocab.DESIGNS)  # type: ignore[valid-type]
    phase: _literal({"1": "", "1/2": "", "2": "", "2/3": "", "3": ""}) | None = None  # type: ignore[valid-type]
    analysis: Analysis = Field(default_factory=Analysis)
    related: list[Related] = Field(default_factory=list)
    setting: Setting = Field(default_factory=Setting)
    enrolment: Period | None = None
    arms: Annotated[list[Arm], Field(min_length=1)]
    population: list[Characteristic] = Field(default_factory=list)
    followup: list[Followup] = Field(default_factory=list)
    outcomes: Outcomes = Field(default_factory=Outcomes)
    contrasts: list[Contrast] = Field(default_factory=list)
    curves: list[Curve] = Field(default_factory=list)
    ipd: list[Ipd] = Field(default_factory=list, description="patient-level data (CSV under "
                           "studies/ipd/) attached to an arm and endpoint")
    conflicts: list[Conflict] = Field(default_factory=list)
    curation: Curation
    notes: Text | None = None

    def arm(self, arm_id: str) -> Arm:
        """The arm with id ``arm_id``."""
        for arm in self.arms:
            if arm.id == arm_id:
                return arm
        raise KeyError(arm_id)


def json_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of a study file, for editors and other tools."""
    schema = Study.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "hccmeta study file"
    return schema
