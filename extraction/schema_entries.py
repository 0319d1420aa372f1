"""Extracted entries of a study file: arms, population characteristics, outcomes, contrasts,
Kaplan-Meier curves. Each is an :class:`~extraction.schema_common.Entry` with provenance.

Times are stored in the unit the paper printed (``unit``/``time_unit``, months by default) and
converted with :meth:`TimeToEvent.in_months` / :func:`to_months`.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from extraction import vocabulary as vocab
from extraction.schema_common import (
    MAX_MONTHS,
    CiLevel,
    Count,
    Entry,
    NonNegative,
    Number,
    Percent,
    Positive,
    PositiveCount,
    Problem,
    PValue,
    Slug,
    Source,
    Strict,
    Text,
    TimeOrNE,
    TimeUnit,
    _literal,
    as_float,
    number_text,
    order_problems,
    within_problems,
)

CSV_PATH = r"[^\x00-\x1f\x7f]+\.csv"
"""A curve or risk-table path: ends in .csv (lower case), no control characters."""

RT_DOSE_MAX_GY = 150
"""Largest plausible radiation dose in Gy (higher values are usually cGy)."""

RESPONSE_ENDPOINTS = {"orr", "dcr", "cr", "pr", "sd", "pd"}


def to_months(value: float | str | None, unit: str) -> float | None:
    """Convert a time in ``unit`` to months (``None`` for NE or missing)."""
    number = as_float(value)
    return None if number is None else number * vocab.TIME_UNITS[unit]


def time_limit_problems(values: dict[tuple[str | int, ...], Any], unit: str) -> list[Problem]:
    """A problem for each time longer than :data:`MAX_MONTHS` once converted to months (a median
    of 10^307 years passed validation and overflowed the report)."""
    out: list[Problem] = []
    for path, value in values.items():
        months = to_months(value, unit) if unit in vocab.TIME_UNITS else None
        if months is not None and not months <= MAX_MONTHS:
            out.append((path, f"expected a time of at most {MAX_MONTHS:g} months (100 years), "
                        f"got {number_text(value)} {unit}", "check the number and its unit"))
    return out


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
    rt_dose_gy: Annotated[float, Field(gt=0, le=RT_DOSE_MAX_GY, allow_inf_nan=False,
                                       strict=True)] | None = Field(
        None, description="radiation dose in Gy")
    rt_dose_statistic: Text | None = Field(None, description="e.g. median, prescribed, range")
    rt_fractions: PositiveCount | None = None
    disease: list[_literal(vocab.DISEASE_SETTINGS)] | None = Field(  # type: ignore[valid-type]
        None, description="disease settings of this arm, overriding the study's setting.disease "
        "(e.g. an oligometastatic cohort of a mixed study): " + ", ".join(vocab.DISEASE_SETTINGS))

    def consistency_problems(self) -> list[Problem]:
        """n_analysed <= n."""
        return within_problems(self.n_analysed, self.n, "n_analysed", "n")


class Characteristic(Entry):
    """A baseline characteristic, per arm or overall (``arm`` omitted)."""

    characteristic: _literal(vocab.CHARACTERISTICS)  # type: ignore[valid-type]
    label: Text | None = Field(None, description="wording in the paper")
    arm: Slug | None = Field(None, description="arm id; omit for the whole study")
    count: Count | None = None
    percent: Percent | None = None
    denominator: PositiveCount | None = None
    median: Number | None = None
    mean: Number | None = None

    def consistency_problems(self) -> list[Problem]:
        """A value is given; count <= denominator."""
        problems: list[Problem] = []
        if all(v is None for v in (self.count, self.percent, self.median, self.mean)):
            problems.append((("count",), "expected a count, percent, median or mean, got none", ""))
        return problems + within_problems(self.count, self.denominator, "count", "denominator")


class Followup(Entry):
    """Median follow-up, per arm or overall."""

    arm: Slug | None = None
    median: NonNegative
    range_lower: NonNegative | None = None
    range_upper: NonNegative | None = None
    unit: TimeUnit = "months"

    def consistency_problems(self) -> list[Problem]:
        """range_lower <= median <= range_upper (a median lies inside its range)."""
        problems = order_problems(self.range_lower, self.range_upper, "range_lower",
                                  "range_upper")
        problems += time_limit_problems({(n,): getattr(self, n) for n in
                                         ("median", "range_lower", "range_upper")},
                                        self.unit if isinstance(self.unit, str) else "")
        if not problems:
            problems += order_problems(self.range_lower, self.median, "range_lower", "median")
            problems += order_problems(self.median, self.range_upper, "median", "range_upper")
        return problems


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
    denominator: _literal(vocab.DENOMINATORS) = Field(  # type: ignore[valid-type]
        "not_reported", description="which patients the denominator counts: " + ", ".join(
            f"{k} ({v})" for k, v in vocab.DENOMINATORS.items()))
    response_unit: _literal(vocab.RESPONSE_UNITS) = Field(  # type: ignore[valid-type]
        "patient", description="what the rate counts: " + ", ".join(
            f"{k} ({v})" for k, v in vocab.RESPONSE_UNITS.items()))

    def consistency_problems(self) -> list[Problem]:
        """A value is given, criteria for response endpoints, events <= total, CI order."""
        problems: list[Problem] = []
        if self.events is None and self.percent is None:
            problems.append((("events",), "expected events or percent, got neither", ""))
        if self.endpoint in RESPONSE_ENDPOINTS and self.criteria is None:
            problems.append((("criteria",), f"expected response criteria for {self.endpoint}, got "
                             "none", "use criteria: not_reported when the source does not say"))
        return (problems + within_problems(self.events, self.total, "events", "total")
                + order_problems(self.ci_lower, self.ci_upper, "ci_lower", "ci_upper"))


class Landmark(Strict):
    """Survival at a fixed time, in percent."""

    time: Positive
    percent: Percent
    ci_lower: Percent | None = None
    ci_upper: Percent | None = None
    source: Source | None = Field(None, description="if read elsewhere than the entry's source")

    def checks(self) -> list[Problem]:
        """CI order."""
        return order_problems(self.ci_lower, self.ci_upper, "ci_lower", "ci_upper")


class TimeToEvent(Entry):
    """A time-to-event summary: median with CI, events, landmark survival."""

    endpoint: _literal(vocab.TIME_TO_EVENT_ENDPOINTS)  # type: ignore[valid-type]
    arm: Slug
    unit: TimeUnit = Field("months", description="unit of median, CI and landmark times")
    median: TimeOrNE | None = None
    ci_lower: TimeOrNE | None = None
    ci_upper: TimeOrNE | None = None
    ci_level: CiLevel = 95
    events: Count | None = None
    landmarks: list[Landmark] = Field(default_factory=list)
    population: Text | None = Field(None, description="omit for the arm as allocated; else the "
                                    "subset, e.g. 'propensity-matched'")

    def consistency_problems(self) -> list[Problem]:
        """A value is given; CI order."""
        problems: list[Problem] = []
        if self.median is None and not self.landmarks and self.events is None:
            problems.append((("median",), "expected a median, landmarks or events, got none", ""))
        times: dict[tuple[str | int, ...], Any] = {
            (n,): getattr(self, n) for n in ("median", "ci_lower", "ci_upper")}
        marks = self.landmarks if isinstance(self.landmarks, list) else []
        times.update({("landmarks", i, "time"): lm.time for i, lm in enumerate(marks)
                      if isinstance(lm, Landmark)})
        unit = self.unit if isinstance(self.unit, str) else ""  # unknown unit: judged elsewhere
        return (problems + time_limit_problems(times, unit)
                + order_problems(self.ci_lower, self.ci_upper, "ci_lower", "ci_upper"))

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

    def consistency_problems(self) -> list[Problem]:
        """A value is given; count <= total."""
        problems: list[Problem] = []
        if self.count is None and self.percent is None:
            problems.append((("count",), "expected count or percent, got neither", ""))
        return problems + within_problems(self.count, self.total, "count", "total")


class Contrast(Entry):
    """A between-arm ratio (HR, OR, RR) with CI and p-value: ``arm`` versus ``reference``."""

    endpoint: _literal({**vocab.TIME_TO_EVENT_ENDPOINTS, **vocab.BINARY_ENDPOINTS})  # type: ignore[valid-type]
    measure: _literal(vocab.CONTRAST_MEASURES)  # type: ignore[valid-type]
    arm: Slug
    reference: Slug
    estimate: Positive
    ci_lower: Positive | None = None
    ci_upper: Positive | None = None
    ci_level: CiLevel = 95
    p_value: PValue | None = None
    p_sided: Annotated[int, Field(ge=1, le=2, strict=True)] = 2
    p_test: _literal(vocab.P_TESTS) = Field(  # type: ignore[valid-type]
        "not_reported", description="the test behind p_value; the audit compares a p with its "
        "CI only when the test is wald or not_reported")
    method: Text | None = Field(None, description="e.g. stratified Cox, log-rank")

    def consistency_problems(self) -> list[Problem]:
        """CI order; two different arms."""
        problems = order_problems(self.ci_lower, self.ci_upper, "ci_lower", "ci_upper")
        if isinstance(self.arm, str) and self.arm == self.reference:
            problems.append((("reference",), f"expected an arm other than {self.arm!r}, got "
                             f"{self.reference!r}", ""))
        return problems


RiskRow = Annotated[list[NonNegative], Field(min_length=2, max_length=2)]


class Curve(Entry):
    """A digitized Kaplan-Meier curve: CSV under ``studies/km/`` plus its risk table."""

    endpoint: _literal(vocab.TIME_TO_EVENT_ENDPOINTS)  # type: ignore[valid-type]
    arm: Slug
    file: Annotated[str, Field(pattern=f"^{CSV_PATH}$")] = Field(
        description="curve CSV (time,survival), relative to the study file")
    risk_file: Annotated[str, Field(pattern=f"^{CSV_PATH}$")] | None = Field(
        None, description="risk-table CSV (time,n_risk) relative to the study file")
    risk_table: list[RiskRow] | None = Field(
        None, description="inline numbers at risk [[time, n_risk], ...] (instead of risk_file)")
    total_events: Count | None = None
    time_unit: TimeUnit = "months"
    survival_scale: _literal({"auto": "", "proportion": "", "percent": ""}) = "auto"  # type: ignore[valid-type]
    digitized_by: Text | None = None

    def consistency_problems(self) -> list[Problem]:
        """One risk table at most; whole numbers at risk."""
        problems: list[Problem] = []
        if self.risk_file and self.risk_table:
            problems.append((("risk_table",), "expected risk_file or risk_table, got both", ""))
        rows = self.risk_table if isinstance(self.risk_table, list) else []
        unit = self.time_unit if isinstance(self.time_unit, str) else ""
        problems += time_limit_problems({("risk_table", i, 0): row[0]
                                         for i, row in enumerate(rows)}, unit)
        for i, row in enumerate(rows):
            if row[1] != int(row[1]):
                problems.append((("risk_table", i, 1), "expected a whole number at risk, got "
                                 f"{number_text(row[1])}", ""))
        return problems


SHA256 = r"[0-9a-f]{64}"


class Ipd(Entry):
    """Patient-level data of one arm and endpoint: a CSV ``time,event[,arm]`` under
    ``studies/ipd/`` (months; 1 event, 0 censored), usually reconstructed from a published
    Kaplan-Meier figure, with what it is, who made it, how, whom to cite and its hash."""

    endpoint: _literal(vocab.TIME_TO_EVENT_ENDPOINTS)  # type: ignore[valid-type]
    arm: Slug
    file: Annotated[str, Field(pattern=f"^{CSV_PATH}$")] = Field(
        description="IPD CSV (time,event[,arm]; months) relative to the study file, under "
        "studies/ipd/")
    arm_in_file: Annotated[str, Field(min_length=1, max_length=60)] | None = Field(
        None, description="value of the CSV's arm column that holds this arm (required when "
        "the CSV holds several arms)")
    reconstructed_from: Text = Field(description="the figure the data were reconstructed from, "
                                     "e.g. 'Figure 2A of the trial paper'")
    reconstructed_by: Text = Field(description="who reconstructed them (authors, repository, "
                                   "commit)")
    method: Text = Field(description="reconstruction method, e.g. 'Wei & Royston 2017 "
                         "(Stata J 17:786)'")
    citation: Annotated[list[Text], Field(min_length=1)] = Field(
        description="the citations the data's authors ask users to give")
    sha256: Annotated[str, Field(pattern=f"^{SHA256}$")] = Field(
        description="sha256 of the CSV's bytes (lower-case hex); a mismatch is an error")


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
