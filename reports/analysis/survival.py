"""Survival on pseudo-individual patient data: which arms have a digitized curve, their
reconstruction (Guyot et al. 2012, BMC Med Res Methodol 12:9), and the index-vs-historical
comparisons of :mod:`meta.ipd_comparison` (two-stage RMST and landmark survival, one-stage Cox).

No text and no figures: :mod:`reports.survival_section` writes and draws them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from extraction import StudyRecord
from meta.ipd_comparison import ArmIPD, one_stage_cox, two_stage
from reports.analysis.data import replaced_by, study_label, superseded
from reports.analysis.groups import GroupAnalysis
from reports.analysis.ipd_benchmark import IpdBenchmark, ipd_benchmarks
from reports.analysis.rules import arm_in_group
from reports.plan import Group, Plan

ENDPOINTS = {"os": "overall survival", "pfs": "progression-free survival"}
TAU, LANDMARK = 24.0, 12.0
"""RMST horizon and landmark (months) of the pseudo-IPD comparison."""


@dataclass(frozen=True)
class SurvivalResult:
    """The pseudo-IPD analysis of one endpoint.

    Attributes
    ----------
    ipd : tuple of (ArmIPD, is_index, group ids)
        Every arm with a reconstructed curve for the endpoint.
    two_stage, cox : object or None
        :func:`meta.ipd_comparison.two_stage` and :func:`~meta.ipd_comparison.one_stage_cox`
        results when the index and at least one historical arm have curves.
    benchmarks : tuple of IpdBenchmark
        Per comparator group, the survival benchmark from the arms' reconstructed IPD.
    """

    endpoint: str
    ipd: tuple[tuple[ArmIPD, bool, tuple[str, ...]], ...]
    two_stage: Any = None
    cox: Any = None
    benchmarks: tuple[IpdBenchmark, ...] = ()
    """Per comparator group, the benchmark from reconstructed IPD
    (:mod:`reports.analysis.ipd_benchmark`)."""

    @property
    def index(self) -> list[ArmIPD]:
        """Index arms with pseudo-IPD."""
        return [a for a, is_index, _ in self.ipd if is_index]

    @property
    def historical(self) -> list[ArmIPD]:
        """Historical arms with pseudo-IPD."""
        return [a for a, is_index, _ in self.ipd if not is_index]


def _name(rec: StudyRecord, arm: Any) -> str:
    base = study_label(rec)
    return f"{base}: {arm.label}" if len(rec.study.arms) > 1 else base


def index_arm_id(plan: Plan, records: list[StudyRecord]) -> str:
    """The index arm's id (the first arm when the plan names none)."""
    rec = next(r for r in records if r.id == plan.index.study)
    return plan.index.arm or rec.study.arms[0].id


def arms_with_curves(records: list[StudyRecord], plan: Plan, endpoint: str
                     ) -> Iterator[tuple[StudyRecord, Any, bool, list[Group]]]:
    """Arms whose curve for ``endpoint`` may be used: a superseded analysis only where its update
    has no curve for that arm and endpoint (the report's one rule, :func:`data.replaced_by`)."""
    gone = superseded(records)
    index_arm = index_arm_id(plan, records)

    def has_curve(r: StudyRecord, a: object) -> bool:
        return any(c.arm == a.id and c.endpoint == endpoint  # type: ignore[attr-defined]
                   for c in r.study.curves)

    for rec in records:
        for arm in rec.study.arms:
            is_index = rec.id == plan.index.study and arm.id == index_arm
            if not is_index and replaced_by(records, rec, arm.id, has_curve, gone):
                continue
            groups = [g for g in plan.groups if arm_in_group(rec, arm, g)]
            if is_index or (groups and rec.id != plan.index.study):
                yield rec, arm, is_index, groups


def reconstructed(records: list[StudyRecord], plan: Plan, endpoint: str
                  ) -> list[tuple[ArmIPD, bool, list[str]]]:
    """Pseudo-IPD of every arm with a digitized curve for ``endpoint`` (Guyot et al. 2012)."""
    from extraction.curve_units import curve_in_months
    from extraction.km import reconstruct_km

    out = []
    for rec, arm, is_index, groups in arms_with_curves(records, plan, endpoint):
        for curve in rec.study.curves:
            if curve.arm != arm.id or curve.endpoint != endpoint:
                continue
            digitized, risk = curve_in_months(rec, curve)  # months and proportions, as declared
            rec_km = reconstruct_km(digitized, arm.n_analysed or arm.n, risk,
                                    curve.total_events)
            origin = (f"reconstructed from the digitized curve {curve.file} (Guyot 2012, "
                      + ("risk table" if risk is not None else "no risk table") + ")")
            out.append((ArmIPD(_name(rec, arm), rec_km.time, rec_km.event, origin), is_index,
                        [g.id for g in groups]))
    return out


def analyse_survival(records: list[StudyRecord], plan: Plan,
                     analyses: list[GroupAnalysis] | tuple[GroupAnalysis, ...] = ()
                     ) -> tuple[SurvivalResult, ...]:
    """One :class:`SurvivalResult` per endpoint of :data:`ENDPOINTS`; ``analyses`` (the
    report's comparisons) give each group's arms for its IPD benchmark."""
    out = []
    for endpoint in ENDPOINTS:
        ipd = reconstructed(records, plan, endpoint)
        index = [a for a, is_index, _ in ipd if is_index]
        hist = [a for a, is_index, _ in ipd if not is_index]
        ts = cox = None
        if index and hist:
            ts = two_stage(index[0], hist, TAU, LANDMARK, plan.estimator, plan.level)
            cox = one_stage_cox(index, hist, plan.level)
        out.append(SurvivalResult(endpoint, tuple((a, i, tuple(g)) for a, i, g in ipd), ts,
                                  cox, ipd_benchmarks(records, plan, list(analyses), endpoint)))
    return tuple(out)
