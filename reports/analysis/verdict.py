"""Typed verdicts: where the index lies, whether a test's verdict is robust, and the verdict.

Nothing here is text: every decision is an enum or a number, and the report's sentences are
written from them (:mod:`reports.context`), never the other way round.

The decision rule (issue 11): the *calibrated* predictive test of :mod:`meta.decision` decides
(whether the index is unusual for one more historical study; Knapp–Hartung-scaled predictive
statistic, maximised Monte Carlo critical value over τ², which holds its level under
exchangeability), at every plausible value of the index (:mod:`reports.analysis.calibrated`):
a difference only when it holds at each, :attr:`Verdict.INCONCLUSIVE` when the values disagree
or when a difference rests on a p-value within Monte Carlo error of alpha (2.58 binomial SEs of
the simulated p-value; :func:`meta.decision.mc_settled`, reason
:attr:`ReasonCode.MONTE_CARLO_ERROR`). A "no difference" whose p-value is that close to alpha
stays :attr:`Verdict.NOT_DIFFERENT` (it claims no direction) but carries the same reason.
The predictive z test (Higgins, Thompson & Spiegelhalter 2009, J R Stat Soc A 172:137) and the
test against the *average* study (``v0 + SE²``) only describe: under exchangeability they reject
above their nominal level (issue 11's simulation: 11.7% and 39.5% at 5%).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

from meta.comparison import ComparisonResult, Difference, predictive


class Position(Enum):
    """Where the index estimate lies against the benchmark's prediction interval."""

    ABOVE = "above"
    WITHIN = "within"
    BELOW = "below"
    UNSETTLED = "unsettled"
    """Not the same at every plausible value of the index."""
    NONE = "n/a"


class PositionBasis(Enum):
    """Which interval the position was judged against."""

    WIDENED = "widened"
    """The prediction interval widened by the index's sampling variance (v0 known)."""
    ERROR_FREE = "error_free"
    """The plain prediction interval: v0 unknown, the index treated as error-free."""


class Verdict(Enum):
    """The answer of one comparison (``favourable`` respects the outcome's direction)."""

    MORE_FAVOURABLE = "more_favourable"
    LESS_FAVOURABLE = "less_favourable"
    NOT_DIFFERENT = "not_different"
    INCONCLUSIVE = "inconclusive"
    """The decision test disagrees across the index's plausible range, or a difference rests
    on a p-value within Monte Carlo error of alpha (:attr:`ReasonCode.MONTE_CARLO_ERROR`)."""
    NO_TEST = "no_test"
    NOT_COMPARED = "not_compared"

    @property
    def decisive(self) -> bool:
        """Whether the decision test found a difference."""
        return self in (Verdict.MORE_FAVOURABLE, Verdict.LESS_FAVOURABLE)


class ReasonCode(Enum):
    """Why a verdict is what it is (each reason may carry a number and names)."""

    DECISION_TEST = "decision_test"              # value: p of the calibrated test (central)
    INDEX_RANGE = "index_range"                  # value: largest p; names: verdict per value
    PREDICTIVE_TEST = "predictive_test"          # value: p of the predictive z (describes)
    INDEX_VARIANCE_UNKNOWN = "index_variance_unknown"
    INDEX_NOT_REPORTED = "index_not_reported"
    NO_BENCHMARK = "no_benchmark"
    SINGLE_STUDY = "single_study"                # k = 1: no tau², the test is the mean test
    FEW_STUDIES = "few_studies"                  # value: k (< 5): PI imprecise
    TAU2_ZERO = "tau2_zero"                      # PI collapses onto the CI
    FRAGILE = "fragile"                          # names: estimators/inference that flip it
    MEAN_TEST_ONLY = "mean_test_only"            # value: p of the average-study test (describes)
    POSITION = "position"                        # names: (position,)
    MONTE_CARLO_ERROR = "monte_carlo_error"      # value: MC SE of p (central); names: scenarios
    """A p-value of the decision test lies within 2.58 Monte Carlo SEs of alpha."""


@dataclass(frozen=True)
class Reason:
    """One reason of a verdict: a code, an optional number, optional names."""

    code: ReasonCode
    value: float | None = None
    names: tuple[str, ...] = ()


@dataclass(frozen=True)
class TestRun:
    """One test of the index against a benchmark fitted another way."""

    name: str
    pval: float
    significant: bool


@dataclass(frozen=True)
class Robustness:
    """Whether a test's verdict at ``alpha`` survives every tau² estimator and Knapp–Hartung.

    Attributes
    ----------
    test : str
        ``"predictive"`` (the deciding test) or ``"mean"`` (the average-study test).
    significant : bool or None
        The main analysis' verdict at ``alpha``; None when there is no test.
    runs : tuple of TestRun
        The plan's tau² estimators (each with the main inference), then Knapp–Hartung.
    knha_position : Position or None
        The position under Knapp–Hartung when it differs from the main one.
    """

    test: str
    alpha: float
    significant: bool | None
    runs: tuple[TestRun, ...] = ()
    knha_position: Position | None = None

    @property
    def flips(self) -> tuple[TestRun, ...]:
        """Runs whose verdict differs from the main analysis'."""
        return tuple(r for r in self.runs if r.significant != self.significant)

    @property
    def robust(self) -> bool | None:
        """True when no run flips the verdict; None without a test or other runs."""
        if self.significant is None or not self.runs:
            return None
        return not self.flips


def position_of(c: ComparisonResult | None) -> Position:
    """The typed position of a comparison."""
    return Position(c.position) if c is not None else Position.NONE


def basis_of(c: ComparisonResult) -> PositionBasis:
    """The typed basis of ``c.position`` (from whether the index variance is known)."""
    known = c.index_vi is not None and c.index_vi == c.index_vi
    return PositionBasis.WIDENED if known and bool(c.observed_pi_bt) else PositionBasis.ERROR_FREE


def _test(c: ComparisonResult, kind: str, bench_index: int | None = None) -> Difference | None:
    if kind == "mean":
        return c.difference if bench_index is None else c.by_estimator[bench_index][1]
    if bench_index is None:
        return c.predictive
    b = c.by_estimator[bench_index][0]
    return predictive(c.index_yi, c.index_vi, b, c.level)


def robustness(c: ComparisonResult | None, knha: ComparisonResult | None, alpha: float,
               test: str = "predictive") -> Robustness:
    """:class:`Robustness` of the ``test`` (``predictive`` or ``mean``) of ``c``."""
    main = _test(c, test) if c is not None else None
    if c is None or main is None:
        moved = (Position(knha.position) if c is not None and knha is not None
                 and knha.position not in ("n/a", c.position) else None)
        return Robustness(test, alpha, None, (), moved)
    sig = main.pval < alpha
    runs = []
    for i, (b, _) in enumerate(c.by_estimator):
        d = _test(c, test, i)
        if d is not None:
            runs.append(TestRun(b.method, d.pval, d.pval < alpha))
    if knha is not None and (kd := _test(knha, test)) is not None:
        runs.append(TestRun("Knapp–Hartung", kd.pval, kd.pval < alpha))
    moved = (Position(knha.position) if knha is not None
             and knha.position not in ("n/a", c.position) else None)
    return Robustness(test, alpha, sig, tuple(runs), moved)


def anchor(r: Robustness, significant: bool | None) -> Robustness:
    """``r`` re-anchored on the calibrated verdict: a run flips when the predictive z test
    under another tau² estimator or Knapp–Hartung disagrees with it (None: inconclusive)."""
    from dataclasses import replace

    return replace(r, test="decision", significant=significant)


def decide(c: ComparisonResult | None, index_reported: bool, k: int, alpha: float,
           higher_is_better: bool, robust: Robustness, calibrated: Any = None,
           position: Position | None = None) -> tuple[Verdict, tuple[Reason, ...]]:
    """The verdict of one comparison and its reasons (see the module docstring).

    ``calibrated`` is the :class:`reports.analysis.calibrated.CalibratedDecision` (None when
    the index has no variance and no plausible range, or with a single benchmark arm).
    """
    if not index_reported:
        return Verdict.NOT_COMPARED, (Reason(ReasonCode.INDEX_NOT_REPORTED),)
    if c is None or k == 0:
        return Verdict.NOT_COMPARED, (Reason(ReasonCode.NO_BENCHMARK),)
    reasons: list[Reason] = []
    if k == 1:
        reasons.append(Reason(ReasonCode.SINGLE_STUDY, 1.0))
    elif k < 5:
        reasons.append(Reason(ReasonCode.FEW_STUDIES, float(k)))
    if k > 1 and c.benchmark.tau2 == 0:
        reasons.append(Reason(ReasonCode.TAU2_ZERO, 0.0))
    pos = position if position is not None else Position(c.position)
    if pos is not Position.NONE:
        reasons.append(Reason(ReasonCode.POSITION, None, (pos.value,)))
    if c.predictive is not None:
        reasons.append(Reason(ReasonCode.PREDICTIVE_TEST, c.predictive.pval))
    if c.difference is not None:
        reasons.append(Reason(ReasonCode.MEAN_TEST_ONLY, c.difference.pval))
    if calibrated is None:
        if k == 1:
            return Verdict.NO_TEST, tuple(reasons)
        return Verdict.NO_TEST, (Reason(ReasonCode.INDEX_VARIANCE_UNKNOWN), *reasons)
    reasons.insert(0, Reason(ReasonCode.DECISION_TEST, calibrated.pval))
    if len(calibrated.tests) > 1:
        reasons.insert(1, Reason(ReasonCode.INDEX_RANGE, calibrated.pval_range[1],
                                 calibrated.verdicts))
    if robust.robust is False:
        reasons.append(Reason(ReasonCode.FRAGILE, None, tuple(r.name for r in robust.flips)))
    unsettled = calibrated.mc_unsettled
    if unsettled:
        reasons.insert(2 if len(calibrated.tests) > 1 else 1,
                       Reason(ReasonCode.MONTE_CARLO_ERROR, calibrated.pval_mcse, unsettled))
    agreed = calibrated.decided
    if agreed is None:
        return Verdict.INCONCLUSIVE, tuple(reasons)
    if agreed == "within":
        return Verdict.NOT_DIFFERENT, tuple(reasons)
    good = (agreed == "above") == higher_is_better
    return (Verdict.MORE_FAVOURABLE if good else Verdict.LESS_FAVOURABLE), tuple(reasons)
