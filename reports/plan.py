"""The analysis plan: which study is the index, what it is compared with, and how.

A plan is a YAML file (``reports/plans/default.yaml`` unless ``--plan`` names another) validated
by the pydantic models below; unknown keys are rejected and every error is reported as
``plan.yaml:line:col: field: expected ..., got ...`` by :func:`load_plan`.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from extraction import vocabulary as vocab
from extraction.issues import Issue, StudyFileError
from extraction.loader import load_model
from extraction.schema_common import MAX_MONTHS, Problem, raise_problems
from extraction.yaml_source import YamlDocument

DEFAULT_PLAN = Path(__file__).parent / "plans" / "default.yaml"

ENDPOINTS_BY_KIND: dict[str, list[str]] = {
    "proportion": list(vocab.BINARY_ENDPOINTS),
    "median": list(vocab.TIME_TO_EVENT_ENDPOINTS),
    "landmark": list(vocab.TIME_TO_EVENT_ENDPOINTS),
    "adverse_event": ["ae"],
}
"""Endpoints a plan outcome of each kind may name (the study files' controlled vocabulary); a
typo such as ``orrr`` used to yield "the index study does not report this outcome"."""

Slug = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=60)]
Label = Annotated[str, Field(min_length=1, max_length=200)]
Estimator = Literal["FE", "DL", "REML", "ML", "PM", "HS", "SJ", "EB", "HE"]
Inference = Literal["z", "knha"]
ProportionMeasure = Literal["PLO", "PFT", "PAS", "PR"]
TreatmentClass = Literal[tuple(vocab.TREATMENT_CLASSES)]  # type: ignore[valid-type]
Design = Literal[tuple(vocab.DESIGNS)]  # type: ignore[valid-type]
Line = Literal["first", "second", "later", "mixed", "not_reported"]
Phase = Literal["1", "1/2", "2", "2/3", "3"]
Criteria = Literal[tuple(vocab.RESPONSE_CRITERIA)]  # type: ignore[valid-type]
Characteristic = Literal[tuple(vocab.CHARACTERISTICS)]  # type: ignore[valid-type]
AeGrade = Literal[tuple(vocab.AE_GRADES)]  # type: ignore[valid-type]
AeAttribution = Literal[tuple(vocab.AE_ATTRIBUTION)]  # type: ignore[valid-type]
Disease = Literal["advanced", "unresectable", "metastatic", "recurrent", "locally_advanced",
                  "pvtt", "intermediate", "oligometastatic"]
Denominator = Literal["itt", "evaluable", "measurable_disease", "safety", "not_reported"]
ResponseUnit = Literal["patient", "lesion", "unclear"]


def _not_empty(value: list | str | None) -> list | str | None:
    """Refuse ``[]`` for a rule list: an empty list of accepted values matches no arm (or, read
    as "no restriction", everything), and which of the two was meant cannot be known."""
    if isinstance(value, list) and not value:
        raise PydanticCustomError(
            "empty_rule", "expected at least one value, got an empty list [] (it would match "
            "nothing; leave the key out for its default: any value, or the documented list)")
    return value


NotEmpty = AfterValidator(_not_empty)
"""Marks a rule list of a plan that may be left out but not written as ``[]``."""



Flag = Annotated[bool, Field(strict=True)]
"""A plan switch: YAML ``true`` or ``false`` only. Lax parsing read the quoted ``"no"``, ``"off"``
or ``"0"`` as false (adversarial round 3); study files were already strict."""

class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Index(_Strict):
    """The index study whose claim is put to the benchmarks."""

    study: Slug = Field(description="study id (file name) of the index study")
    arm: Slug | None = Field(None, description="arm id; the first arm when omitted")
    claim: Label = Field("more favourable results than historical studies",
                         description="the claim under examination, verbatim")


class Reference(_Strict):
    """A published meta-analysis with the population it pooled (line, phase), so that the
    report draws it as a reference line only where that population matches the group."""

    id: Slug
    lines: Annotated[list[Line] | None, NotEmpty] = Field(
        None, description="lines of therapy it pooled")
    phases: Annotated[list[Phase] | None, NotEmpty] = Field(
        None, description="trial phases it pooled")


_NESTED_QUANTIFIER = re.compile(r"\((?:[^()\\]|\\.)*[*+}](?:[^()\\]|\\.)*\)[*+{]")
"""A group holding a quantifier that is itself repeated, e.g. ``(a+)+`` or ``(.*)*``
(catastrophic backtracking in Python's re)."""


class Group(_Strict):
    """A comparator group: a set of comparability rules (reports/analysis/rules.py) over
    treatment class, line, design, phase and disease setting."""

    id: Slug
    label: Label
    treatment_classes: Annotated[list[TreatmentClass], Field(min_length=1)]
    lines: Annotated[list[Line] | None, NotEmpty] = Field(
        None, description="lines of therapy; any when omitted")
    designs: Annotated[list[Design] | None, NotEmpty] = Field(
        None, description="designs; any when omitted")
    phases: Annotated[list[Phase] | None, NotEmpty] = Field(
        None, description="trial phases; any when omitted")
    min_phase: Literal["1", "2", "3"] | None = Field(
        None, description="lowest trial phase (1/2 counts as 2, 2/3 as phase_2_3)")
    phase_2_3: Literal["2", "3"] = Field(
        "3", description="what a phase 2/3 trial counts as for phases and min_phase")
    diseases: Annotated[list[Disease] | None, NotEmpty] = Field(
        None, description="disease settings: an arm (Arm.disease, else setting.disease) must "
        "have at least one of them; any when omitted")
    exclude_diseases: list[Disease] = Field(
        default_factory=list, description="disease settings that exclude an arm")
    arm_labels: Annotated[list[Annotated[str, Field(min_length=1, max_length=200)]] | None,
                          NotEmpty] = Field(
        None, description="regular expressions (Python syntax, case-insensitive) of which one "
        "must match the arm's whole label, e.g. 'sorafenib\\b.*' for sorafenib arms of a "
        "class; any label when omitted")
    references: list[Slug | Reference] = Field(
        default_factory=list, description="published meta-analyses "
        "(studies/external/published_pooled.yaml) drawn as reference lines for this group: "
        "an id, or {id, lines, phases}; drawn only where the population matches the group, "
        "else shown apart as context")

    @model_validator(mode="after")
    def _labels_compile(self) -> Group:
        import re

        problems: list[Problem] = []
        for i, pattern in enumerate(self.arm_labels or []):
            try:
                re.compile(pattern)
            except re.error as exc:
                problems.append((("arm_labels", i), f"expected a regular expression, got "
                                 f"{pattern!r} ({exc})", ""))
                continue
            if _NESTED_QUANTIFIER.search(pattern):
                # '(.*)*x' on a 76-character label backtracks for hours: the report hung
                problems.append((("arm_labels", i), "expected a regular expression without a "
                                 f"repeated group that itself repeats, got {pattern!r}",
                                 "it can take hours on a long label; write '(ab)+' as 'ab(ab)*'"
                                 " or drop the outer repeat"))
        if problems:
            raise_problems(problems)
        return self

    def reference_ids(self) -> list[str]:
        """Ids of :attr:`references`, in order."""
        return [r if isinstance(r, str) else r.id for r in self.references]


class Outcome(_Strict):
    """An outcome compared between the index study and each comparator group."""

    id: Slug
    label: Label
    kind: Literal["proportion", "median", "landmark", "adverse_event"]
    endpoint: Slug = Field(description="orr, dcr (proportion); os, pfs (median, landmark)")
    measure: Literal["PLO", "PFT", "PAS", "PR", "MED"] = Field(
        "PLO", description="PLO/PFT/PAS/PR for proportions, MED (log median) for medians")
    time: float | None = Field(None, gt=0, le=MAX_MONTHS, allow_inf_nan=False,
                               description="landmark time in months")
    criteria: Annotated[list[Criteria], NotEmpty] = Field(
        default_factory=lambda: list(dict.fromkeys(
            ["recist_1.1", "mrecist", "irecist", "easl", "not_reported",
             *vocab.RESPONSE_CRITERIA])),
        description="response criteria accepted, in order of preference (one result per arm "
        "is used; an arm with none of them is excluded)")
    grades: Annotated[list[AeGrade], NotEmpty] = Field(default_factory=lambda: ["3+", "3-4"],
                                  description="AE grade bands in order of preference")
    attributions: Annotated[list[AeAttribution] | Literal["index"], NotEmpty] = Field(
        "index", description="AE attributions compared; 'index': the index study's (an "
        "unstated attribution counts as all-cause)")
    denominators: Annotated[list[Denominator] | None, NotEmpty] = Field(
        None, description="denominator kinds of a proportion; any when omitted")
    response_units: Annotated[list[ResponseUnit], NotEmpty] = Field(
        default_factory=lambda: ["patient"], description="unit of a response rate (per-lesion "
        "rates are excluded by default)")
    groups: Annotated[list[Slug] | None, NotEmpty] = Field(
        None, description="comparator groups; all when omitted")

    @model_validator(mode="after")
    def _fits_kind(self) -> Outcome:
        if self.kind == "median" and self.measure != "MED":
            raise ValueError("expected measure MED for a median outcome")
        if self.kind != "median" and self.measure == "MED":
            raise ValueError("expected a proportion measure (PLO, PFT, PAS, PR)")
        if self.kind == "landmark" and self.time is None:
            raise ValueError("expected a landmark time in months")
        problems: list[Problem] = []
        allowed = ENDPOINTS_BY_KIND[self.kind]
        if self.endpoint not in allowed:
            close = difflib.get_close_matches(self.endpoint, allowed, n=1, cutoff=0.6)
            problems.append((("endpoint",), f"expected an endpoint of a {self.kind} outcome "
                             f"({', '.join(allowed)}), got {self.endpoint!r}",
                             f"did you mean '{close[0]}'?" if close else ""))
        if self.time is not None and self.kind != "landmark":
            problems.append((("time",), f"expected no time for a {self.kind} outcome (only a "
                             f"landmark has one), got {self.time:g}", "use kind: landmark"))
        if problems:
            raise_problems(problems)
        return self


class Moderator(_Strict):
    """A case-mix moderator: percent of patients with a baseline characteristic."""

    id: Slug
    label: Label
    characteristic: Characteristic
    fallback: Characteristic | None = Field(
        None, description="an approximation, stated in the report: where an arm (or the index) "
        "reports no value of `characteristic`, its value of this characteristic stands in "
        "(e.g. macrovascular invasion for PVTT); per arm, which one was used is recorded")

    @model_validator(mode="after")
    def _fallback_differs(self) -> Moderator:
        if self.fallback is not None and self.fallback == self.characteristic:
            raise_problems([(("fallback",), f"expected a characteristic other than "
                             f"{self.characteristic!r}, got {self.fallback!r}",
                             "drop fallback or name another characteristic")])
        return self


class Sensitivity(_Strict):
    """Sensitivity analyses."""

    estimators: Annotated[list[Estimator], Field(min_length=1)] = Field(
        default_factory=lambda: ["FE", "DL", "REML", "ML", "PM", "HS", "SJ", "EB", "HE"],
        description="tau² estimators compared in the sensitivity analysis (at least one)")
    leave_one_out: Flag = True
    inference: list[Inference] = Field(default_factory=lambda: ["z", "knha"])
    min_k_bias: int = Field(10, ge=3, description="studies needed for a funnel plot, Egger's "
                            "test and trim-and-fill (Sterne et al. 2011 advise 10)")
    exclude_overlapping: Flag = Field(
        True, description="the main analysis keeps one arm (the largest) per cluster of studies "
        "linked as overlapping_cohort or same_institution; when true, a sensitivity analysis "
        "re-pools with all of them (reports/analysis/overlap.py)")


class Plan(_Strict):
    """An analysis plan."""

    title: Label
    index: Index
    groups: Annotated[list[Group], Field(min_length=1)]
    outcomes: Annotated[list[Outcome], Field(min_length=1)]
    estimator: Estimator = "REML"
    inference: Inference = "z"
    level: float = Field(95.0, gt=50, lt=100, description="confidence level, percent")
    moderators: list[Moderator] = Field(default_factory=list)
    min_studies_metareg: int = Field(5, ge=3, description="studies with the moderator needed")
    subgroup_by: Literal["design", "treatment_class", "line", "none"] = "design"
    sensitivity: Sensitivity = Field(default_factory=Sensitivity)
    include_unverified: Flag = Field(False, description="pool numbers whose source is unverified")
    exclude_single_extraction: Flag = Field(
        False, description="leave out of pooling the study files no second person checked "
        "(no curation.checked_by); each is listed with rule single_extraction")
    prediction: Literal["metafor", "higgins"] = Field(
        "metafor", description="prediction interval: metafor's (normal, or t(k - 1) under "
        "Knapp–Hartung) or Higgins, Thompson & Spiegelhalter 2009's t(k - 2)")
    era_missing: Literal["exclude", "publication_year"] = Field(
        "exclude", description="an arm whose study gives no enrolment period: left out of the "
        "era meta-regression (listed), or placed at its publication year minus era_lag_years "
        "(labelled as a proxy)")
    era_lag_years: float = Field(3.0, ge=0, le=15, description="publication year minus this "
                                 "lag stands in for a missing enrolment mid-point (years)")
    decision_draws: int = Field(1000, ge=200, le=20000, description="simulated data sets per "
                                "tau² grid point of the calibrated decision test (Monte Carlo "
                                "SE of a p-value near 0.05: sqrt(0.05 × 0.95 / draws))")
    assumed_denominator_min: float = Field(
        0.9, gt=0, le=1, description="a rate whose denominator is assumed (not reported) is "
        "tried at every denominator from this fraction of the arm's n up to n at which a count "
        "prints as the reported percent; the verdict must hold at each")

    @model_validator(mode="after")
    def _ids_unique_and_known(self) -> Plan:
        problems: list[Problem] = []
        for name, items in (("groups", self.groups), ("outcomes", self.outcomes),
                            ("moderators", self.moderators)):
            first: dict[str, int] = {}
            for i, item in enumerate(items):
                if item.id in first:
                    problems.append(((name, i, "id"), f"expected a unique id, got {item.id!r} "
                                     f"again (also {name}[{first[item.id]}].id)", ""))
                first.setdefault(item.id, i)
        known = sorted({g.id for g in self.groups})
        for i, outcome in enumerate(self.outcomes):
            for j, gid in enumerate(outcome.groups or []):
                if gid not in known:
                    problems.append((("outcomes", i, "groups", j), f"expected a group id "
                                     f"({', '.join(known)}), got {gid!r}", ""))
        if problems:
            raise_problems(problems)
        return self

    def groups_for(self, outcome: Outcome) -> list[Group]:
        """The comparator groups of ``outcome`` in plan order."""
        wanted = outcome.groups
        return [g for g in self.groups if wanted is None or g.id in wanted]


class PlanError(Exception):
    """An invalid plan; carries located issues."""

    def __init__(self, issues: list[Issue]):
        self.issues = issues
        super().__init__("\n".join(i.format() for i in issues))


def load_plan(path: Path | None = None) -> tuple[Plan, YamlDocument]:
    """Read and validate a plan file.

    Raises
    ------
    PlanError
        With one located issue per problem.
    """
    path = path or DEFAULT_PLAN
    shown = str(path)
    if not path.is_file():
        what = ("a folder" if path.is_dir() else "a broken or looping symbolic link"
                if path.is_symlink() else "a path that does not exist")
        raise PlanError([Issue(shown, 0, 0, "", f"expected a plan file, got {what}")])
    try:
        plan, doc = load_model(path, Plan, shown,
                               kind=("plan", "run `hccmeta plan new FILE` for a scaffold"))
    except StudyFileError as exc:
        raise PlanError(exc.issues) from None
    return plan, doc
