"""Run every audit check over study files: per-file families, then the cross-file checks."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from extraction.audit import (
    counts,
    curves,
    intervals,
    ipd,
    library,
    percents,
    plausibility,
    proportions,
    provenance,
    survival,
)
from extraction.audit.findings import RANK, Finding
from extraction.issues import Issue
from extraction.loader import StudyRecord, load_paths

PER_FILE: tuple[Callable[[StudyRecord], list[Finding]], ...] = (
    percents.check, counts.check, intervals.check, proportions.check, survival.check,
    curves.check, ipd.check, provenance.check,
)
"""The per-file check families, in report order."""


@dataclass(frozen=True)
class AuditResult:
    """Validation issues (files that could not be loaded) and findings of the valid files."""

    records: tuple[StudyRecord, ...]
    issues: tuple[Issue, ...]
    findings: tuple[Finding, ...]

    def count(self) -> Counter[str]:
        """Number of findings per severity."""
        return Counter(f.severity for f in self.findings)

    @property
    def has_errors(self) -> bool:
        """True when any finding is an error."""
        return any(f.severity == "error" for f in self.findings)


def _extra_families() -> list[Callable[[list[StudyRecord]], list[Finding]]]:
    """Reconstruction checks, when :mod:`extraction.km` provides a reconstruction."""
    try:
        from extraction.audit import reconstruction
    except ImportError:  # extraction.km not available (yet)
        return []
    return [reconstruction.check] if reconstruction.available() else []


def audit_records(records: Iterable[StudyRecord], cross_file: bool = True,
                  reconstruct: bool = True) -> list[Finding]:
    """All findings for ``records``, sorted by file, line and severity (most serious first)."""
    records = list(records)
    out: list[Finding] = []
    for record in records:
        mine: list[Finding] = []
        for family in PER_FILE:
            mine += family(record)
        out += provenance.acknowledge_conflicts(record, mine)
    out += plausibility.check(records, cross_file)
    if cross_file:
        out += library.check(records)
    if reconstruct and any(r.study.curves for r in records):  # km imports numpy: only if needed
        for library_family in _extra_families():
            out += library_family(records)
    return sorted(set(out), key=Finding.sort_key)


def audit_paths(paths: Iterable[Path], cross_file: bool = True,
                reconstruct: bool = True) -> AuditResult:
    """Load every study file under ``paths`` and audit the valid ones."""
    records, issues = load_paths(paths)
    return AuditResult(tuple(records), tuple(issues),
                       tuple(audit_records(records, cross_file, reconstruct)))


def worst(findings: Iterable[Finding]) -> str:
    """The most serious severity among ``findings`` (``ok`` when there are none)."""
    return max((f.severity for f in findings), key=RANK.__getitem__, default="ok")
