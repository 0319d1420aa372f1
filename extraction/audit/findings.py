"""Audit findings: one located observation about an extracted number, and the check catalogue.

Every check has a stable id (``percent-count``, ``p-ci``...) listed in :data:`CHECKS` with its
default severity and a one-line description; ids never change meaning, new checks get new ids.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from extraction.issues import field_path
from extraction.loader import StudyRecord
from extraction.printable import printable

SEVERITIES = ("info", "warning", "error")
"""Severities from least to most serious."""

RANK = {"ok": 0, "info": 1, "warning": 2, "error": 3}
"""Order of severities (``ok``: no finding), used for the worst finding on a field."""

Number = float | int | str | None


@dataclass(frozen=True)
class CheckSpec:
    """A check of the catalogue: its id, family (module), default severity and what it tests."""

    id: str
    family: str
    severity: str
    description: str


def _spec(family: str, severity: str, rows: dict[str, str]) -> dict[str, CheckSpec]:
    return {key: CheckSpec(key, family, severity, text) for key, text in rows.items()}


CHECKS: dict[str, CheckSpec] = {
    **_spec("percents", "error", {
        "percent-count": "a percent equals count/denominator at the printed precision",
        "percent-grim": "some integer count of the denominator prints as the percent (GRIM)",
    }),
    **_spec("percents", "warning", {
        "percent-count-assumed": "a percent matches its count over the arm's n (no total given)",
    }),
    **_spec("counts", "error", {
        "count-within": "a count or denominator does not exceed its arm's (or study's) n",
        "arms-sum": "per-arm counts of a characteristic add up to its overall count",
        "subgroup-sum": "CR + PR = ORR, CR + PR + SD = DCR, ORR <= DCR, best responses <= total",
        "category-sum": "mutually exclusive categories (BCLC, Child-Pugh, ECOG) add up to <= n",
        "ae-nesting": "any grade >= grade 3+ >= grade 5; 'any' event >= a named event",
    }),
    **_spec("counts", "warning", {
        "arms-total": "an overall denominator equals the sum of the arms' n",
    }),
    **_spec("intervals", "error", {
        "estimate-in-ci": "an estimate (ratio, percent, landmark) lies inside its CI",
        "p-direction": "p < alpha if and only if the ratio's CI excludes 1",
    }),
    **_spec("intervals", "warning", {
        "ci-log-symmetry": "a ratio CI is symmetric on the log scale within printed rounding",
        "p-ci": "a p-value agrees with the p recomputed from the ratio's CI (Altman 2011)",
    }),
    **_spec("proportions", "warning", {
        "binary-ci": "a proportion's CI matches Clopper-Pearson, Wilson (+cc), Wald, logit, "
                     "Agresti-Coull or Jeffreys for its events/total",
    }),
    **_spec("survival", "error", {
        "median-ci": "a median lies inside its CI; NE bounds consistent with an NE median",
        "landmark-monotone": "landmark survival does not increase with time",
        "median-landmark": "a median agrees with landmark survival (S(t) < 50% => median <= t)",
    }),
    **_spec("survival", "warning", {
        "median-followup": "a median does not exceed the longest (or median: info) follow-up",
        "landmark-followup": "a landmark time does not exceed the longest follow-up",
    }),
    **_spec("curves", "error", {
        "curve-read": "a curve or risk-table CSV reads as two finite numeric columns that "
                      "hccmeta reconstruct accepts",
        "curve-time": "curve and risk-table times are non-negative",
        "curve-range": "curve survival lies in [0, 1] (proportion) or [0, 100] (percent)",
        "risk-monotone": "numbers at risk do not increase and times increase",
    }),
    **_spec("curves", "warning", {
        "curve-monotone": "a digitized curve does not rise by more than the digitization tolerance",
        "risk-start": "the first number at risk equals the arm's n (or n_analysed)",
        "km-events": "reconstructed events match the reported events",
        "km-median": "the reconstructed median matches the reported median",
        "km-hr": "the hazard ratio of reconstructed arms matches the reported HR",
    }),
    **_spec("ipd", "error", {
        "ipd-n": "an arm's IPD holds as many patients as the arm's n (or n_analysed)",
    }),
    **_spec("ipd", "warning", {
        "ipd-events": "reported events match the events in the arm's IPD (within 2%, >= 1)",
        "ipd-median": "a reported median matches the KM median of the arm's IPD (within 5% "
                      "or printed rounding)",
        "ipd-median-ci": "a reported median CI bound matches the IPD's (log or log-log "
                         "transform; within 5% or printed rounding)",
        "ipd-landmark": "reported landmark survival matches the IPD's KM (within 3 points)",
        "ipd-hr": "a reported HR matches the Cox HR of the two arms' IPD (|log ratio| <= 0.05)",
    }),
    **_spec("library", "error", {
        "duplicate-doi": "one DOI in two study files that are not linked (related/updates)",
    }),
    **_spec("library", "warning", {
        "duplicate-trial": "one trial id or trial name in two study files that are not linked "
                           "(directly or through other files)",
        "same-institution": "two unlinked study files from the same institution",
    }),
    **_spec("library", "info", {
        "overlapping-cohort": "a declared overlap or update between study files (do not pool "
                              "both)",
        "related-missing": "a linked study file is not among the audited files",
    }),
    **_spec("provenance", "info", {
        "derived": "a number computed rather than read, with how it was derived",
        "conflict": "sources disagree about a number (recorded under conflicts)",
        "single-extraction": "a study file extracted once and not checked by a second person "
                             "(curation.checked_by empty)",
    }),
    **_spec("provenance", "warning", {
        "unverified": "a number not yet checked against the publication (excluded from pooling)",
    }),
    **_spec("plausibility", "warning", {
        "percent-fraction": "a percent below 1 with no count is possible as a count of the arm's "
                            "n and near its endpoint's other rates (not a proportion typed)",
        "pfs-above-os": "a median PFS/TTP does not exceed the median OS of the same arm",
        "landmark-far-followup": "a landmark time is within twice the median follow-up",
    }),
}


@dataclass(frozen=True)
class Finding:
    """One audit observation about a study file.

    Parameters
    ----------
    check : str
        Stable check id (a key of :data:`CHECKS`).
    severity : str
        ``error``, ``warning`` or ``info``.
    file : str
        The study file as the user named it.
    line : int
        1-based line of the field (0: the whole file).
    field : str
        Field path, e.g. ``outcomes.binary[0].percent``.
    message : str
        What is wrong or notable, with the numbers.
    study : str
        Study id.
    numbers : tuple of (name, value)
        The numbers involved, e.g. ``(("percent", 75.0), ("events", 80), ("total", 108))``.
    related : tuple of str
        Other field paths involved (their audit-trail status includes this finding).
    """

    check: str
    severity: str
    file: str
    line: int
    field: str
    message: str
    study: str = ""
    numbers: tuple[tuple[str, Number], ...] = ()
    related: tuple[str, ...] = ()

    def format(self) -> str:
        """``file:line: severity check-id: field: message``, printable on one line."""
        field = f"{self.field}: " if self.field else ""
        return printable(f"{self.file}:{self.line}: {self.severity} {self.check}: "
                         f"{field}{self.message}")

    def as_dict(self) -> dict[str, Any]:
        """Plain values for JSON/CSV (numbers as a name -> value mapping)."""
        return {"file": self.file, "line": self.line, "severity": self.severity,
                "check": self.check, "field": self.field, "message": self.message,
                "study": self.study, "numbers": dict(self.numbers),
                "related": list(self.related)}

    def sort_key(self) -> tuple[str, int, int, str, str]:
        """Order by file, line, most serious first, check id, field."""
        return self.file, self.line, -RANK[self.severity], self.check, self.field


def make(record: StudyRecord, check: str, path: tuple[str | int, ...], message: str,
         numbers: Mapping[str, Number] | None = None,
         related: tuple[tuple[str | int, ...], ...] = (),
         severity: str | None = None) -> Finding:
    """A finding about ``record`` located at the YAML node of ``path``."""
    spec = CHECKS[check]
    return Finding(check=check, severity=severity or spec.severity, file=record.shown,
                   line=record.line_of(*path) if path else 0, field=field_path(path),
                   message=message, study=record.id,
                   numbers=tuple((numbers or {}).items()),
                   related=tuple(field_path(p) for p in related))
