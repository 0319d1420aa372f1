"""Small-study effects of one benchmark: Egger's regression test (Egger et al. 1997, BMJ
315:629) and trim-and-fill (Duval & Tweedie 2000, Biometrics 56:455), by :mod:`meta.bias`, only
with at least ``plan.sensitivity.min_k_bias`` studies (default 10: Sterne et al. 2011, BMJ
343:d4002; with fewer the tests cannot tell asymmetry from chance)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from meta import bias
from reports.plan import Plan


@dataclass(frozen=True)
class BiasResult:
    """Egger's test and trim-and-fill of one comparison, or why they were not run.

    Attributes
    ----------
    k, min_k : int
        Benchmark studies and the plan's minimum.
    egger, trimfill : object or None
        :func:`meta.bias.egger_test` and :func:`meta.bias.trimfill` results (None when
        ``k < min_k``).
    """

    outcome_id: str
    group_id: str
    k: int
    min_k: int
    egger: Any = None
    trimfill: Any = None

    @property
    def done(self) -> bool:
        """Whether the tests were run."""
        return self.egger is not None


def small_study_effects(a: Any, plan: Plan) -> BiasResult | None:
    """:class:`BiasResult` of a :class:`reports.analysis.groups.GroupAnalysis`; None without a
    pooled benchmark of two or more studies."""
    c = a.comparison
    if c is None or c.benchmark.k < 2:
        return None
    k, min_k = c.benchmark.k, plan.sensitivity.min_k_bias
    if k < min_k:
        return BiasResult(a.outcome.id, a.group.id, k, min_k)
    yi, vi = a.arms["yi"].to_numpy(float), a.arms["vi"].to_numpy(float)
    return BiasResult(a.outcome.id, a.group.id, k, min_k, bias.egger_test(yi, vi),
                      bias.trimfill(yi, vi, method=plan.estimator))
