"""The benchmark at the index's era and case mix (issue 16), for one comparison.

Beside the plain benchmark, every comparison offers the benchmark predicted by mixed-effects
meta-regression (:func:`meta.adjusted.adjusted_benchmark`, metafor's ``rma(yi, vi, mods = ~ x)``
and ``predict(newmods = x0)``; Thompson & Higgins 2002, Stat Med 21:1559):

* **era**: at the index's enrolment mid-point (decimal years, from the study files'
  ``enrolment`` periods; a study without one is left out and listed, or placed at its
  publication year minus ``plan.era_lag_years`` and labelled a proxy, as
  ``plan.era_missing`` says);
* **case mix**: at the index's percentage of each plan moderator (PVTT / macrovascular
  invasion, extrahepatic spread), one regression per moderator; a moderator with a
  ``fallback`` takes, per arm (and for the index), the fallback characteristic where the
  primary one is not reported (e.g. "PVTT or, where not reported, macrovascular invasion": an
  approximation, since macrovascular invasion also counts hepatic-vein and IVC invasion), and
  records per arm which one was used (:attr:`AdjustedComparison.sources`); an arm of a later
  data cut takes a characteristic it does not report from the same arm of the analysis it
  updates (:mod:`reports.analysis.baseline`; :attr:`AdjustedComparison.inherited`);

each where at least ``plan.min_studies_metareg`` arms report the covariate (otherwise one line
says so). The adjusted verdict is the calibrated moderated test of :mod:`meta.adjusted`, at every
plausible value of the index (:mod:`reports.analysis.index`), like the plain verdict.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from meta.adjusted import AdjustedBenchmark, adjusted_benchmark, moderated_test
from meta.decision import mc_settled
from meta.transforms import backtransform
from reports.analysis.calibrated import SEED, pi_imprecision
from reports.analysis.data import inherited_column, not_inherited_column, source_column
from reports.analysis.index import IndexRange
from reports.analysis.verdict import Verdict
from reports.plan import Plan

ERA = "enrolment_mid_year"


@dataclass(frozen=True)
class Inherited:
    """A case-mix value an arm (or ``"index"``) takes from an earlier data cut of its trial.

    Attributes
    ----------
    arm : str
        The arm's label, or ``"index"``.
    characteristic : str
        The characteristic inherited (the moderator's own or its fallback).
    chain : tuple of str
        Study ids from the arm's file to the earlier file the value is from, each updating the
        next (:attr:`reports.analysis.baseline.ModeratorValue.chain`).
    """

    arm: str
    characteristic: str
    chain: tuple[str, ...]


@dataclass(frozen=True)
class AdjustedComparison:
    """One meta-regression-adjusted benchmark and the verdict against it.

    Attributes
    ----------
    kind : str
        ``"era"`` or ``"casemix"``.
    covariate, label : str
        Covariate id (``enrolment_mid_year`` or a plan moderator id) and its label.
    result : meta.adjusted.AdjustedBenchmark
        The regression (``done`` False with a ``reason`` when it could not run).
    proxies : tuple of str
        Arms whose era is a publication-year proxy.
    verdicts : tuple of str
        The calibrated moderated test's verdict at each plausible index value.
    verdict : Verdict
        Against the adjusted benchmark (:attr:`Verdict.INCONCLUSIVE` when the range disagrees).
    changed : bool
        Whether it differs from the comparison's plain verdict.
    predicted_bt, ci_bt, pi_bt : tuple of float
        Predicted benchmark, its CI and PI, back-transformed (NaN when not done).
    pi_imprecise : tuple of str
        Why the PI is imprecise (k < 5, residual tau² = 0), as for the plain benchmark's
        (:func:`reports.analysis.calibrated.pi_imprecision`); empty when it is not.
    """

    kind: str
    covariate: str
    label: str
    result: AdjustedBenchmark
    proxies: tuple[str, ...] = ()
    verdicts: tuple[str, ...] = ()
    verdict: Verdict = Verdict.NOT_COMPARED
    changed: bool = False
    predicted_bt: float = math.nan
    ci_bt: tuple[float, float] = (math.nan, math.nan)
    pi_bt: tuple[float, float] = (math.nan, math.nan)
    slope_bt_per_decade: float = math.nan
    """For the era on a log-median scale: the ratio of medians per 10 years (else NaN)."""
    pi_imprecise: tuple[str, ...] = ()
    sources: tuple[tuple[str, str], ...] = ()
    """Case mix: ``(arm label, characteristic)`` for every arm with a value (in the regression
    or not), saying which characteristic the value is (the primary one or the fallback)."""
    index_source: str = ""
    """Case mix: the characteristic the index's value is ('' when not reported)."""
    fallback: str = ""
    """Case mix: the plan's fallback characteristic ('' when the moderator has none)."""
    inherited: tuple[Inherited, ...] = ()
    """Case mix: the arms (and the index) whose value is an earlier data cut's."""
    not_inherited: tuple[tuple[str, str], ...] = ()
    """Case mix: ``(arm label, why)`` for arms of a later data cut that could inherit nothing
    (a file of the ``analysis.updates`` chain has no arm with the same id)."""

    @property
    def approximated(self) -> tuple[str, ...]:
        """Arms (and ``"index"``) whose value is the fallback characteristic."""
        if not self.fallback:
            return ()
        out = tuple(a for a, s in self.sources if s == self.fallback)
        return out + (("index",) if self.index_source == self.fallback else ())


UNSETTLED = "unsettled"
"""A scenario whose adjusted test rejected at a p-value within Monte Carlo error of alpha."""


def to_verdict(direction: str | None, higher_is_better: bool) -> Verdict:
    """``above``/``below``/``within``/None (range disagrees) as a typed :class:`Verdict`."""
    if direction is None or direction == UNSETTLED:
        return Verdict.INCONCLUSIVE
    if direction == "within":
        return Verdict.NOT_DIFFERENT
    good = (direction == "above") == higher_is_better
    return Verdict.MORE_FAVOURABLE if good else Verdict.LESS_FAVOURABLE


def _one(kind: str, covariate: str, label: str, arms: Any, x: np.ndarray, x0: float | None,
         rng: IndexRange, measure: str, plan: Plan, higher_is_better: bool,
         plain: Verdict, proxies: tuple[str, ...]) -> AdjustedComparison:
    yi = arms["yi"].to_numpy(float)
    vi = arms["vi"].to_numpy(float)
    labels = [str(s) + (" (era: proxy)" if str(s) in proxies else "")
              for s in arms["label"]]
    c = rng.centre
    res = adjusted_benchmark(yi.tolist(), vi.tolist(), {covariate: x.tolist()}, c.yi, c.vi,
                             {covariate: math.nan if x0 is None else float(x0)},
                             labels=labels, method=plan.estimator, test=plan.inference,
                             level=plan.level, min_k=plan.min_studies_metareg,
                             draws=plan.decision_draws, seed=SEED)
    if not res.done:
        return AdjustedComparison(kind, covariate, label, res, proxies)
    keep = np.isfinite(x)
    alpha = 1.0 - plan.level / 100.0
    verdicts = []
    for i, s in enumerate(rng.scenarios):
        if i == rng.central:
            v, p = res.verdict_adjusted, res.pval_adjusted
        else:
            v, p, _ = moderated_test(yi[keep], vi[keep], x[keep][:, None], np.array([x0]),
                                     s.yi, s.vi, level=plan.level, draws=plan.decision_draws,
                                     seed=SEED)
        # a direction on a p-value within Monte Carlo error of alpha is not claimed, as for
        # the unadjusted verdict (meta.decision.mc_settled)
        verdicts.append(UNSETTLED if v != "within" and not mc_settled(p, plan.decision_draws,
                                                                      alpha) else v)
    agreed = verdicts[0] if len(set(verdicts)) == 1 else None
    verdict = to_verdict(agreed, higher_is_better)
    ni = (arms["total"].astype(float).to_numpy()[keep].tolist() if measure == "PFT" else None)
    pred, lb, ub, plb, pub = (float(v) for v in backtransform(
        measure, [res.predicted, res.ci_lb, res.ci_ub, res.pi_lb, res.pi_ub], ni=ni))
    per_decade = (math.exp(10 * res.slopes[0].estimate)
                  if kind == "era" and measure == "MED" else math.nan)
    return AdjustedComparison(kind, covariate, label, res, proxies, tuple(verdicts), verdict,
                              verdict is not plain, pred, (lb, ub), (plb, pub), per_decade,
                              pi_imprecision(res.k, res.tau2))


def _column(arms: Any, name: str, default: Any) -> list[Any]:
    """A per-arm column of the frame, ``default`` for every arm when the frame lacks it."""
    return list(arms[name]) if name in arms.columns else [default] * len(arms)


def adjusted_comparisons(arms: Any, index_row: Any, rng: IndexRange | None, measure: str,
                         plan: Plan, higher_is_better: bool, plain: Verdict
                         ) -> tuple[AdjustedComparison | None, tuple[AdjustedComparison, ...]]:
    """``(era, case mix per moderator)`` for one comparison (None/() without an index range or
    with fewer than 2 arms)."""
    if rng is None or arms is None or len(arms) < 2:
        return None, ()
    era_x = (arms["era"].astype(float).to_numpy() if "era" in arms.columns
             else np.full(len(arms), np.nan))
    proxies = tuple(str(lab) for lab, p in zip(arms["label"], arms.get(
        "era_proxy", [False] * len(arms)), strict=True) if bool(p))
    x0 = index_row.get("era") if index_row is not None else None
    x0 = None if x0 is None or x0 != x0 else float(x0)
    era = _one("era", ERA, "Enrolment mid-point (year)", arms, era_x, x0, rng, measure, plan,
               higher_is_better, plain, proxies)
    mix = []
    for m in plan.moderators:
        if m.id not in arms.columns:
            continue
        x = arms[m.id].astype(float).to_numpy()
        v0 = index_row.get(m.id) if index_row is not None else None
        v0 = None if v0 is None or v0 != v0 else float(v0)
        one = _one("casemix", m.id, m.label, arms, x, v0, rng, measure, plan,
                   higher_is_better, plain, ())
        col = source_column(m.id)
        used = (arms[col].astype(str) if col in arms.columns
                else [m.characteristic] * len(arms))
        sources = tuple((str(lab), str(u)) for lab, u, v in zip(arms["label"], used, x,
                                                                 strict=True) if v == v)
        src0 = str(index_row.get(col, "")) if index_row is not None and v0 is not None else ""
        inh = [Inherited(str(lab), str(u), tuple(c)) for lab, u, v, c in zip(
            arms["label"], used, x, _column(arms, inherited_column(m.id), ()), strict=True)
            if v == v and c]
        c0 = index_row.get(inherited_column(m.id)) if index_row is not None else None
        if v0 is not None and isinstance(c0, tuple) and c0:
            inh.append(Inherited("index", src0, tuple(c0)))
        missed = tuple((str(lab), str(n)) for lab, n in zip(
            arms["label"], _column(arms, not_inherited_column(m.id), ""), strict=True) if n)
        mix.append(replace(one, sources=sources, index_source=src0,
                           fallback=m.fallback or "", inherited=tuple(inh),
                           not_inherited=missed))
    return era, tuple(mix)
