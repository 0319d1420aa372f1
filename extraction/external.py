"""Published pooled results (other meta-analyses) as external reference lines.

These are *not* study-level data: they are pooled estimates read in the abstracts of published
meta-analyses (``studies/external/published_pooled.yaml``, the reviewed form of
``studies/sources/evidence/published-pooled.yaml``), drawn in a comparison report as benchmark lines
beside the library's own pooled estimates. They never enter pooling. The file lives under
``studies/external/`` so that the study loader (which reads only ``studies/*.yaml``) never
mistakes it for a study.

Values are returned on their natural scale: rates (``orr``, ``dcr``) as proportions in [0, 1],
medians (``median_os``, ``median_pfs``) in months.

>>> lines = load_reference_lines()                      # doctest: +SKIP
>>> [(r.id, r.outcome, r.value) for r in lines][:1]      # doctest: +SKIP
[('cui2025_rt_ici', 'orr', 0.544)]
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from extraction.issues import Issue, StudyFileError
from extraction.loader import load_model
from extraction.schema_common import Slug, Strict

DEFAULT_PATH = (Path(__file__).resolve().parents[1] / "studies" / "external"
                / "published_pooled.yaml")
"""The bundled copy of the published pooled results."""

OUTCOMES = {
    "orr": ("orr", "proportion"),
    "dcr": ("dcr", "proportion"),
    "median_os_months": ("median_os", "months"),
    "median_pfs_months": ("median_pfs", "months"),
}
"""Key in the file -> (outcome name of a :class:`ReferenceLine`, scale of its value)."""

Url = Annotated[str, Field(pattern=r"^https?://\S+$")]
Text = Annotated[str, Field(min_length=1, max_length=2000)]
Bound = Annotated[float, Field(ge=0, allow_inf_nan=False)]


class PooledValue(Strict):
    """One pooled estimate as printed: value, 95% CI, I² (percent) and the words carrying it."""

    value: Bound
    ci95: Annotated[list[Bound], Field(min_length=2, max_length=2)] | None = None
    I2: Annotated[float, Field(ge=0, le=100)] | None = None  # the file's key
    quote: Text | None = None
    note: Text | None = None

    @model_validator(mode="after")
    def _ci_contains_value(self) -> PooledValue:
        if self.ci95 is not None and not self.ci95[0] <= self.value <= self.ci95[1]:
            raise PydanticCustomError(
                "ci_order", "expected ci95 [lower, upper] around the value {value}, got {got}",
                {"field": "ci95", "value": self.value, "got": self.ci95})
        return self


class Heterogeneity(Strict):
    """Heterogeneity statistics as printed by the meta-analysis."""

    Q: Bound | None = None
    p: Annotated[float, Field(ge=0, le=1)] | None = None
    I2: Annotated[float, Field(ge=0, le=100)] | None = None  # the file's key
    quote: Text | None = None


class PublishedMetaAnalysis(Strict):
    """One published meta-analysis and its pooled results."""

    id: Slug
    citation: Text
    doi: Annotated[str, Field(pattern=r"^10\.\d{4,9}/\S+$")] | None = None
    question: Text | None = None
    search_window: Text | None = None
    studies: Annotated[int, Field(ge=1, strict=True)] | None = None
    patients: Annotated[int, Field(ge=1, strict=True)] | None = None
    pooled: dict[Literal[tuple(OUTCOMES)], PooledValue]  # type: ignore[valid-type]
    heterogeneity: Heterogeneity | None = None
    model: Text | None = None
    quote: Text | None = Field(None, description="words carrying all pooled values at once")
    source: Url = Field(description="page where the values were read")
    note: Text | None = None

    @model_validator(mode="after")
    def _rates_are_proportions(self) -> PublishedMetaAnalysis:
        for key, item in self.pooled.items():
            if OUTCOMES[key][1] == "proportion" and item.value > 1:
                raise PydanticCustomError(
                    "proportion", "expected a proportion in [0, 1], got {got}",
                    {"field": f"pooled.{key}.value", "got": item.value})
        return self


class PublishedPooledFile(Strict):
    """The reference-line file: provenance of the copy plus the meta-analyses."""

    schema_version: Literal[1]
    copied_from: Text = Field(description="the evidence file this is a copy of")
    copied_on: Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$")]
    copied_sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")] = Field(
        description="sha256 of the evidence file's bytes when copied")
    references: Annotated[list[PublishedMetaAnalysis], Field(min_length=1)]


@dataclass(frozen=True)
class ReferenceLine:
    """A published pooled estimate, ready to draw as a reference line.

    Attributes
    ----------
    id : str
        The meta-analysis id (e.g. ``cui2025_rt_ici``); with ``outcome`` it is unique.
    outcome : str
        ``orr``, ``dcr``, ``median_os`` or ``median_pfs``.
    value : float
        Pooled estimate: a proportion in [0, 1] for rates, months for medians.
    ci : tuple of float or None
        95% confidence interval on the same scale, or None where none was read.
    scale : str
        ``proportion`` or ``months``.
    citation, doi, question : str or None
        The publication and the question it pooled (population/treatment).
    studies, patients : int or None
        Number of pooled studies and patients, where read.
    i2 : float or None
        I² in percent for this outcome (or the meta-analysis' overall I²), where read.
    source_url : str
        Page where the value was read.
    quote : str or None
        Verbatim words carrying the value (the item's own quote, else the meta-analysis' quote).
    note : str or None
        Caveats (e.g. ``CI not read``).
    """

    id: str
    outcome: str
    value: float
    ci: tuple[float, float] | None
    scale: str
    citation: str
    doi: str | None
    question: str | None
    studies: int | None
    patients: int | None
    i2: float | None
    source_url: str
    quote: str | None
    note: str | None


class ReferenceFileError(StudyFileError):
    """The reference-line file is malformed; carries every issue with its line."""


def _lines_of(entry: PublishedMetaAnalysis) -> list[ReferenceLine]:
    out = []
    overall_i2 = entry.heterogeneity.I2 if entry.heterogeneity else None
    for key, item in entry.pooled.items():
        outcome, scale = OUTCOMES[key]
        out.append(ReferenceLine(
            id=entry.id, outcome=outcome, value=item.value,
            ci=(item.ci95[0], item.ci95[1]) if item.ci95 else None, scale=scale,
            citation=entry.citation, doi=entry.doi, question=entry.question,
            studies=entry.studies, patients=entry.patients,
            i2=item.I2 if item.I2 is not None else overall_i2, source_url=entry.source,
            quote=item.quote or entry.quote, note=item.note))
    return out


def load_reference_file(path: Path = DEFAULT_PATH, shown: str | None = None) -> PublishedPooledFile:
    """Read and validate the reference-line file.

    Raises
    ------
    ReferenceFileError
        With every problem found, each located at its line (as for study files).
    """
    shown = shown or str(path)
    try:
        parsed, doc = load_model(path, PublishedPooledFile, shown)
    except StudyFileError as exc:
        raise ReferenceFileError(exc.issues) from None
    ids = [entry.id for entry in parsed.references]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        line, col = doc.locate(("references", ids.index(duplicates[0]), "id"))
        raise ReferenceFileError([Issue(shown, line, col, "references.id",
                                        f"expected unique ids, got {', '.join(duplicates)} twice")])
    return parsed


def load_reference_lines(path: Path = DEFAULT_PATH) -> tuple[ReferenceLine, ...]:
    """All reference lines of the file, in file order (one per meta-analysis and outcome)."""
    parsed = load_reference_file(path)
    return tuple(line for entry in parsed.references for line in _lines_of(entry))
