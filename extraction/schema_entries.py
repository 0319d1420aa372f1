"""Extracted entries of a study file: arms, population characteristics, outcomes, contrasts,
Kaplan-Meier curves. Each is an :class:`~extraction.schema_common.Entry` with provenance.

Times are stored in the unit the paper printed (``unit``/``time_unit``, months by default) and
converted with :meth:`TimeToEvent.in_months` / :func:`to_months`.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from extraction import vocabulary as vocab
from extraction.schema_common import (
    Count,
    Entry,
    NonNegative,
    Percent,
    Positive,
    PositiveCount,
    PValue,
    Slug,
    Source,
    Strict,
    Text,
    TimeOrNE,
    TimeUnit,
    _literal,
    as_float,
    check_order,
    check_within,
)

RESPONSE_ENDPOINTS = {"orr", "dcr", "cr", "pr", "sd", "pd"}


def to_months(value: float | str | None, unit: str) -> float | None:
    """Convert a time in ``unit`` to months (``None`` for NE or missing)."""
    number = as_float(value)
    return None if number is None else number * vocab.TIME_UNITS[unit]


class Arm(Entry):
    """A treatment arm (or the single cohort of a single-arm study)."""

    id: Slug = Field(description="short id used by outcomes, e.g. 'rt_ici'")
    label: Text = Field(description="label as printed, e.g. 'Atezolizumab + bevacizumab'")
    treatment_class: _literal(vocab.TREATMENT_CLASSES) = Field(  # type: ignore[valid-type]
        description="controlled class: " + ", ".join(vocab.TREATMENT_CLASSES))
    regimen: Text | None = Field(None, description="drugs, doses and schedule as reported")
    n: PositiveCount = Field(description="patients allocated/enrolled in the arm")
    n_analysed: PositiveCount | None = Field(None, description="patients analysed, if different")
    rt_technique: Text | None = Field(None, description="e.g. SBRT, IMRT, 3D-CRT, proton")
    rt_dose_gy: Positive | None = Field(None, description="radiation dose in Gy")
    rt_dose_statistic: Text | None = Field(None, description="e.g. median, prescribed, range")
    rt_fractions: PositiveCount | None = None

    @model_validator(mode="after")
    def _analysed_within_n(self) -> Arm:
        check_within(self.n_analysed, self.n, "n_analysed", "n")
        return self


class Characteristic(Entry):
    """A baseline characteristic, per arm or overall (``arm`` omitted)."""

    characteristic: _literal(vocab.CHARACTERISTICS)  # type: ignore[valid-type]
    label: Text | None = Field(None, description="wording in the paper")
    arm: Slug | None = Field(None, description="arm id; omit for the whole study")
    count: Count | None = None
    percent: Percent | None = None
    denominator: PositiveCount | None = None
    median: float | None = Field(None, allow_inf_nan=False)
    mean: float | None = Field(None, allow_inf_nan=False)

    @model_validator(mode="after")
    def _has_value(self) -> Characteristic:
        if all(v is None for v in (self.count, self.percent, self.median, self.mean)):
            raise PydanticCustomError("empty", "expected a count, percent, median or mean, got "
                                      "none", {"field": "count"})
        check_within(self.count, self.denominator, "count", "denominator")
        return self


class Followup(Entry):
    """Median follow-up, per arm or overall."""

    arm: Slug | None = None
    median: NonNegative
    range_lower: NonNegative | None = None
    range_upper: NonNegative | None = None
    unit: TimeUnit = "months"  # type: ignore[valid-type]


class BinaryOutcome(Entry):
    """A proportion: responders, disease control, in-field control..."""

    endpoint: _literal(vocab.BINARY_ENDPOINTS)  # type: ignore[valid-type]
    arm: Slug
    criteria: _literal(vocab.RESPONSE_CRITERIA) | None = Field(  # type: ignore[valid-type]
        None, description="response criteria; required for response endpoints "
        "(use not_reported when the source does not say)")
    assessment: _literal(vocab.ASSESSMENT) = "not_reported"  # type: ignore[valid-type]
    events: Count | None = None
    total: PositiveCount | None = None
    percent: Percent | None = None
    ci_lower: Percent | None = None
    ci_upper: Percent | None = None
    population: Text | None = Field(None, description="e.g. ITT, evaluable, measurable disease")

    @model_validator(mode="after")
    def _consistent(self) -> BinaryOutcome:
        if self.events is None and self.percent is None:
            raise PydanticCustomError("empty", "expected events or percent, got neither",
                                      {"field": "events"})
        if self.endpoint in RESPONSE_ENDPOINTS and self.criteria is None:
            raise PydanticCustomError("criteria", "expected response criteria for {endpoint}, "
                                      "got none", {"field": "criteria", "endpoint": self.endpoint})
        check_within(self.events, self.total, "events", "total")
        check_order(self.ci_lower, self.ci_upper, "ci_lower", "ci_upper")
        return self


class Landmark(Strict):
    """Survival at a fixed time, in percent."""

    time: Positive
    percent: Percent
    ci_lower: Percent | None = None
    ci_upper: Percent | None = None
    source: Source | None = Field(None, description="if read elsewhere than the entry's source")

    @model_validator(mode="after")
    def _order(self) -> Landmark:
        check_order(self.ci_lower, self.ci_upper, "ci_lower", "ci_upper")
        return self


class TimeToEvent(Entry):
    """A time-to-event summary: median with CI, events, landmark survival."""

    endpoint: _literal(vocab.TIME_TO_EVENT_ENDPOINTS)  # type: ignore[valid-type]
    arm: Slug
    unit: TimeUnit = Field("months", description="unit of median, CI and landmark times")  # type: ignore[valid-type]
    median: TimeOrNE | None = None
    ci_lower: TimeOrNE | None = None
    ci_upper: TimeOrNE | None = None
    ci_level: Annotated[float, Field(gt=50, lt=100)] = 95
    events: Count | None = None
    landmarks: list[Landmark] = Field(default_factory=list)
    population: Text | None = Field(None, description="omit for the arm as allocated; else the "
                                    "subset, e.g. 'propensity-matched'")

    @model_validator(mode="after")
    def _consistent(self) -> TimeToEvent:
        if self.median is None and not self.landmarks and self.events is None:
            raise PydanticCustomError("empty", "expected a median, landmarks or events, got "
                                      "none", {"field": "median"})
        check_order(self.ci_lower, self.ci_upper, "ci_lower", "ci_upper")
        return self

    def in_months(self, name: str) -> float | None:
        """Field ``name`` (median, ci_lower, ci_upper) in months."""
        return to_months(getattr(self, name), self.unit)


class AdverseEvent(Entry):
    """Patients with an adverse event of a grade band (``term: any`` for any event)."""

    term: Text = Field(description="'any' for any adverse event, else the event's name")
    grade: _literal(vocab.AE_GRADES)  # type: ignore[valid-type]
    attribution: _literal(vocab.AE_ATTRIBUTION) = "not_reported"  # type: ignore[valid-type]
    arm: Slug
    count: Count | None = None
    total: PositiveCount | None = None
    percent: Percent | None = None
    population: Text | None = Field(None, description="omit for the safety population of the "
                                    "arm; else the subset, e.g. 'propensity-matched'")

    @model_validator(mode="after")
    def _consistent(self) -> AdverseEvent:
        if self.count is None and self.percent is None:
            raise PydanticCustomError("empty", "expected count or percent, got neither",
                                      {"field": "count"})
        check_within(self.count, self.total, "count", "total")
        return self


class Contrast(Entry):
    """A between-arm ratio (HR, OR, RR) with CI and p-value: ``arm`` versus ``reference``."""

    endpoint: _literal({**vocab.TIME_TO_EVENT_ENDPOINTS, **vocab.BINARY_ENDPOINTS})  # type: ignore[valid-type]
    measure: _literal(vocab.CONTRAST_MEASURES)  # type: ignore[valid-type]
    arm: Slug
    reference: Slug
    estimate: Positive
    ci_lower: Positive | None = None
    ci_upper: Positive | None = None
    ci_level: Annotated[float, Field(gt=50, lt=100)] = 95
    p_value: PValue | None = None
    p_sided: Annotated[int, Field(ge=1, le=2)] = 2
    p_test: _literal(vocab.P_TESTS) = Field(  # type: ignore[valid-type]
        "not_reported", description="the test behind p_value; the audit compares a p with its "
        "CI only when the test is wald or not_reported")
    method: Text | None = Field(None, description="e.g. stratified Cox, log-rank")

    @model_validator(mode="after")
    def _consistent(self) -> Contrast:
        check_order(self.ci_lower, self.ci_upper, "ci_lower", "ci_upper")
        if self.arm == self.reference:
            raise PydanticCustomError("same_arm", "expected an arm other than {arm}, got {arm}",
                                      {"field": "reference", "arm": self.arm})
        return self


RiskRow = Annotated[list[NonNegative], Field(min_length=2, max_length=2)]


class Curve(Entry):
    """A digitized Kaplan-Meier curve: CSV under ``studies/km/`` plus its risk table."""

    endpoint: _literal(vocab.TIME_TO_EVENT_ENDPOINTS)  # type: ignore[valid-type]
    arm: Slug
    file: Annotated[str, Field(pattern=r"^[^\x00]+\.csv$")] = Field(
        description="curve CSV (time,survival), relative to the study file")
    risk_file: Annotated[str, Field(pattern=r"^[^\x00]+\.csv$")] | None = Field(
        None, description="risk-table CSV (time,n_risk) relative to the study file")
    risk_table: list[RiskRow] | None = Field(
        None, description="inline numbers at risk [[time, n_risk], ...] (instead of risk_file)")
    total_events: Count | None = None
    time_unit: TimeUnit = "months"  # type: ignore[valid-type]
    survival_scale: _literal({"auto": "", "proportion": "", "percent": ""}) = "auto"  # type: ignore[valid-type]
    digitized_by: Text | None = None

    @model_validator(mode="after")
    def _risk_rows(self) -> Curve:
        if self.risk_file and self.risk_table:
            raise PydanticCustomError("risk", "expected risk_file or risk_table, got both",
                                      {"field": "risk_table"})
        if self.risk_table:
            counts = [row[1] for row in self.risk_table]
            if any(c != int(c) for c in counts):
                raise PydanticCustomError("risk", "expected whole numbers at risk, got {got}",
                                          {"field": "risk_table", "got": counts})
        return self


def risk_rows(curve: Curve) -> list[tuple[float, int]] | None:
    """Inline risk table as (time, n_risk) tuples, or None when it lives in a CSV or is absent."""
    if curve.risk_table:
        return [(float(t), int(n)) for t, n in curve.risk_table]
    return None


def numeric_fields(entry: Entry) -> dict[str, Any]:
    """The entry's numeric fields that are set: name -> value (for audits and provenance)."""
    out = {}
    for name in type(entry).model_fields:
        value = getattr(entry, name)
        if isinstance(value, int | float) and not isinstance(value, bool):
            out[name] = value
    return out
