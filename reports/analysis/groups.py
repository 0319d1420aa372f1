"""Per outcome and comparator group: the benchmark arms as an effect table, the index study's
estimate, the comparison (:mod:`meta.comparison`), its typed robustness, position and verdict
(:mod:`reports.analysis.verdict`).

Nothing here formats text; :mod:`reports.context` does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from meta import effects
from meta.comparison import Benchmark, ComparisonResult, compare, pool
from reports.analysis import calibrated as cal
from reports.analysis.adjusted import adjusted_comparisons
from reports.analysis.data import Exclusion, OutcomeData
from reports.analysis.index import index_range
from reports.analysis.verdict import (
    Position,
    PositionBasis,
    Reason,
    Robustness,
    Verdict,
    anchor,
    basis_of,
    decide,
    position_of,
    robustness,
)
from reports.plan import Group, Outcome, Plan


def alpha_of(plan: Plan) -> float:
    """The significance level of the plan's tests: ``1 − level/100``."""
    return 1 - plan.level / 100


def higher_is_better(outcome: Outcome) -> bool:
    """Whether a higher value of ``outcome`` is the favourable direction (not for AEs)."""
    return outcome.kind != "adverse_event"


@dataclass(frozen=True)
class GroupAnalysis:
    """One outcome against one comparator group.

    Attributes
    ----------
    arms : pandas.DataFrame
        Benchmark arms with ``yi``, ``vi`` (analysis scale) and ``note`` added, in forest order.
    exclusions : tuple of Exclusion
        Benchmark arms left out, each with the rule that excluded it.
    comparison, comparison_knha : ComparisonResult or None
        The comparison with Wald (plan's inference) and with Knapp–Hartung inference.
    reason : str
        Why there is no comparison (empty when there is one).
    subgroups : tuple of (name, Benchmark or None, k)
        Pooled benchmark per subgroup (``plan.subgroup_by``); None for single-study subgroups.
    """

    outcome: Outcome
    group: Group
    arms: pd.DataFrame
    exclusions: tuple[Exclusion, ...]
    index_yi: float | None
    index_vi: float | None
    index_note: str
    comparison: ComparisonResult | None
    comparison_knha: ComparisonResult | None
    reason: str
    subgroups: tuple[tuple[str, Benchmark | None, int], ...]
    alpha: float
    position: Position = Position.NONE
    position_basis: PositionBasis | None = None
    robustness: Robustness | None = None
    """Robustness of the deciding (predictive) test."""
    mean_robustness: Robustness | None = None
    """Robustness of the average-study test (describes the pooled mean only)."""
    verdict: Verdict = Verdict.NOT_COMPARED
    reasons: tuple[Reason, ...] = ()
    overlap: Any = None
    """:class:`reports.analysis.overlap.OverlapResult` of the overlap sensitivity, or None."""
    references: tuple[Any, ...] = ()
    """:class:`reports.analysis.refs.ReferenceUse` of the group's published pooled results."""
    index_interval: Any = None
    """:class:`reports.analysis.index.IndexRange`: the index's plausible range."""
    decision_test: Any = None
    """:class:`reports.analysis.calibrated.CalibratedDecision`: the deciding test over the
    index's plausible range."""
    fragility_patients: int | None = None
    """Index patients whose outcome would have to differ to change the verdict."""
    era_adjusted: Any = None
    """:class:`reports.analysis.adjusted.AdjustedComparison` at the index's era."""
    casemix_adjusted: Any = None
    """Tuple of :class:`reports.analysis.adjusted.AdjustedComparison`, one per moderator."""
    index_ids: tuple[str, str] = field(default=("", ""))
    """``(study, arm)`` of the index."""
    leave_one_out: tuple[Any, ...] = ()
    """:class:`reports.analysis.sensitivity.LeaveOneOut` rows (plan's leave-one-out)."""
    prediction: Any = None
    """:class:`reports.analysis.calibrated.PredictionSummary`: the plan's prediction interval,
    flagged imprecise with k < 5 or tau² = 0."""
    fragility: Any = None
    """:class:`meta.fragility.Fragility` of a decisive verdict (``fragility_patients``)."""

    @property
    def excluded(self) -> tuple[tuple[str, str], ...]:
        """``(label, reason)`` of each exclusion, for the report's lists."""
        return tuple((e.label, e.reason) for e in self.exclusions)

    @property
    def used_ids(self) -> tuple[tuple[str, str], ...]:
        """``(study, arm)`` of the benchmark arms pooled, in forest order."""
        if self.arms.empty:
            return ()
        return tuple(zip(self.arms["study"].astype(str), self.arms["arm"].astype(str),
                         strict=True))


def effect_sizes(frame: pd.DataFrame, outcome: Outcome, level: float
                 ) -> tuple[pd.DataFrame, list[Exclusion]]:
    """Add ``yi``, ``vi``, ``note`` to ``frame`` (rows that cannot be converted are dropped)."""
    if frame.empty:
        return frame.assign(yi=[], vi=[], note=[]), []
    if outcome.kind != "median":
        table = effects.proportions(frame["events"].tolist(), frame["total"].tolist(),
                                    outcome.measure, study=frame["label"].tolist())
        return frame.assign(yi=table.yi, vi=table.vi, note=list(table.notes)), []
    keep, yi, vi, notes, excluded = [], [], [], [], []
    for i, row in enumerate(frame.itertuples()):
        table = effects.median_survival([row.median], [row.ci_lower], [row.ci_upper],
                                        events=[row.tte_events], level=row.ci_level,
                                        study=[row.label])
        if table.k:
            keep.append(i), yi.append(table.yi[0]), vi.append(table.vi[0])
            notes.append(table.notes[0])
        else:
            excluded.append(Exclusion(str(row.study), str(row.arm), row.label, "no_variance",
                                      table.excluded[0].reason))
    out = frame.iloc[keep].assign(yi=yi, vi=vi, note=notes)
    return out, excluded


def _ni(arms: pd.DataFrame, outcome: Outcome) -> list[float] | None:
    return arms["total"].astype(float).tolist() if outcome.measure == "PFT" else None


def _subgroups(arms: pd.DataFrame, plan: Plan) -> tuple[tuple[str, Benchmark | None, int], ...]:
    if plan.subgroup_by == "none" or arms.empty:
        return ()
    out = []
    for name, part in arms.groupby(plan.subgroup_by, sort=False):
        bench = (pool(part["yi"], part["vi"], plan.estimator, "z", plan.level)
                 if len(part) > 1 else None)
        out.append((str(name), bench, len(part)))
    return tuple(out)


def analyse_group(data: OutcomeData, group: Group, plan: Plan,
                  clusters: list[frozenset[str]] | None = None) -> GroupAnalysis:
    """Benchmark of ``group`` for the outcome of ``data`` and the index study against it.

    ``clusters`` are the linked (possibly overlapping) studies: the main analysis keeps one arm
    per cluster and, with ``plan.sensitivity.exclude_overlapping``, the all-arms re-pool is
    :attr:`GroupAnalysis.overlap` (:mod:`reports.analysis.overlap`).
    """
    from reports.analysis import overlap as ov

    outcome = data.outcome
    frame = data.frame
    empty = frame.iloc[0:0] if not frame.empty else frame
    bench = (frame[~frame["is_index"] & frame["groups"].map(lambda g: group.id in g)]
             if not frame.empty else empty)
    index = frame[frame["is_index"]] if not frame.empty else empty
    by = plan.subgroup_by if plan.subgroup_by != "none" else "study"
    bench = bench.sort_values([by, "year", "label"], kind="stable") if not bench.empty else bench
    all_arms, excluded = effect_sizes(bench, outcome, plan.level)
    excluded = [e for gid, e in data.group_excluded if gid == group.id] + excluded
    arms, drop, keep = (ov.split(all_arms, clusters) if clusters and not all_arms.empty
                        else (all_arms, [], []))
    kept_ids = tuple(ov.ident(all_arms, i) for i in keep)
    for i in drop:
        cluster = next(c for c in clusters or [] if all_arms.at[i, "study"] in c)
        kept = [ov.ident(all_arms, j) for j in keep if all_arms.at[j, "study"] in cluster]
        excluded.append(Exclusion(str(all_arms.at[i, "study"]), str(all_arms.at[i, "arm"]),
                                  str(all_arms.at[i, "label"]), "overlap",
                                  f"may share patients with {', '.join(kept)} (linked "
                                  "studies; the largest arm is kept)"))
    index_yi = index_vi = None
    index_note = ""
    rng = None
    if index.empty:
        index_note = "the index study does not report this outcome"
    else:
        idx, idx_excl = effect_sizes(index, outcome, plan.level)
        if outcome.kind == "median":
            row = index.iloc[0]
            index_yi = float(np.log(row["median"]))
            if idx.empty:
                index_note = (f"variance unknown ({idx_excl[0].reason}): no test, position only")
            else:
                index_vi, index_note = float(idx["vi"].iloc[0]), str(idx["note"].iloc[0])
        else:
            index_yi, index_vi = float(idx["yi"].iloc[0]), float(idx["vi"].iloc[0])
            index_note = str(idx["note"].iloc[0])
        rng = index_range(index.iloc[0].to_dict(), outcome, index_yi, index_vi, plan)
        if index_vi is None and rng is not None:
            index_vi = rng.centre.vi
            index_note = (f"no CI reported: variance at the central plausible event count "
                          f"({rng.centre.label}); the verdict is tested over "
                          f"{', '.join(sc.label for sc in rng.scenarios)}")
    k = len(arms)
    reason = ""
    comparison = knha = None
    if k == 0:
        reason = "no benchmark study in this group reports the outcome"
    elif index_yi is None:
        reason = index_note
    else:
        index_n = (float(index["total"].iloc[0]) if "total" in index.columns
                   and index["total"].notna().iloc[0] else None)
        comparison = compare(arms["yi"], arms["vi"], index_yi, index_vi, outcome.measure,
                             method=plan.estimator, test=plan.inference, level=plan.level,
                             ni=_ni(arms, outcome), index_ni=index_n,
                             estimators=plan.sensitivity.estimators)
        if k >= 2 and "knha" in plan.sensitivity.inference:
            knha = compare(arms["yi"], arms["vi"], index_yi, index_vi, outcome.measure,
                           method=plan.estimator, test="knha", level=plan.level,
                           ni=_ni(arms, outcome), index_ni=index_n)
    alpha = alpha_of(plan)
    overlap = None
    if drop and comparison is not None and index_yi is not None and \
            plan.sensitivity.exclude_overlapping:
        everything = compare(all_arms["yi"], all_arms["vi"], index_yi, index_vi,
                             outcome.measure, method=plan.estimator, test=plan.inference,
                             level=plan.level, ni=_ni(all_arms, outcome), index_ni=index_n)
        overlap = ov.OverlapResult(outcome, group,
                                   tuple(str(all_arms.at[i, "label"]) for i in drop),
                                   tuple(str(all_arms.at[i, "label"]) for i in keep),
                                   everything, comparison, alpha,
                                   tuple(ov.ident(all_arms, i) for i in drop), kept_ids)
    robust = robustness(comparison, knha, alpha, "predictive")
    pi = calibrated = frag = None
    era: Any = None
    casemix: tuple[Any, ...] = ()
    position = position_of(comparison)
    hib = higher_is_better(outcome)
    if comparison is not None:
        ni = _ni(arms, outcome)
        pi = cal.prediction(comparison.benchmark, outcome.measure, plan, ni)
        if rng is not None:
            position = Position(cal.position_over(rng, comparison.benchmark, pi))
            calibrated = cal.decide_over(arms["yi"].to_numpy(float), arms["vi"].to_numpy(float),
                                         rng, plan)
        if calibrated is not None:
            robust = anchor(robust, None if calibrated.decided is None
                            else calibrated.decided != "within")
    verdict, reasons = decide(comparison, index_yi is not None, k, alpha, hib, robust,
                              calibrated, position)
    if comparison is not None and rng is not None:
        if verdict.decisive:
            frag = cal.fragility(index.iloc[0].to_dict(), outcome.kind, outcome.measure,
                                 arms["yi"].to_numpy(float), arms["vi"].to_numpy(float), rng,
                                 plan)
        era, casemix = adjusted_comparisons(arms.reset_index(drop=True),
                                            index.iloc[0].to_dict(), rng, outcome.measure,
                                            plan, hib, verdict)
    ids = ((str(index["study"].iloc[0]), str(index["arm"].iloc[0])) if not index.empty
           else ("", ""))
    return GroupAnalysis(outcome, group, arms.reset_index(drop=True), tuple(excluded),
                         index_yi, index_vi, index_note, comparison, knha, reason,
                         _subgroups(arms, plan), alpha, position,
                         basis_of(comparison) if comparison is not None else None,
                         robust, robustness(comparison, knha, alpha, "mean"),
                         verdict, reasons, overlap=overlap, index_interval=rng,
                         decision_test=calibrated,
                         fragility_patients=frag.patients if frag is not None else None,
                         era_adjusted=era, casemix_adjusted=casemix or None, index_ids=ids,
                         prediction=pi, fragility=frag)


def benchmark_only(analysis: GroupAnalysis, plan: Plan) -> Benchmark | None:
    """The pooled benchmark of ``analysis`` (also when the index study has no value)."""
    if analysis.comparison is not None:
        return analysis.comparison.benchmark
    if analysis.arms.empty:
        return None
    return pool(analysis.arms["yi"], analysis.arms["vi"], plan.estimator, plan.inference,
                plan.level)
