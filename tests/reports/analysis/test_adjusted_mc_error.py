"""An era / case-mix verdict does not claim a direction on a p-value within Monte Carlo error of
alpha, as the unadjusted verdict does not (meta.decision.mc_settled; statistics helper's open
point, session 3)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from meta.adjusted import adjusted_benchmark
from reports.analysis import adjusted as adj
from reports.analysis.index import IndexRange, RangeKind, Scenario
from reports.analysis.verdict import Verdict
from reports.plan import load_plan

YI = [-1.2, -1.0, -0.8, -1.1, -0.9, -1.3]
VI = [0.04, 0.05, 0.03, 0.06, 0.04, 0.05]
YEARS = [2008.0, 2010.0, 2012.0, 2014.0, 2016.0, 2018.0]


def _run(monkeypatch: pytest.MonkeyPatch, pval: float) -> adj.AdjustedComparison:
    real = adjusted_benchmark(YI, VI, {"year": YEARS}, 0.5, 0.05, {"year": 2019.0}, draws=200)
    assert real.done
    forced = replace(real, verdict_adjusted="above", pval_adjusted=pval)
    monkeypatch.setattr(adj, "adjusted_benchmark", lambda *a, **k: forced)
    monkeypatch.setattr(adj, "moderated_test", lambda *a, **k: ("above", pval, 2.0))
    plan, _ = load_plan(None)
    plan = plan.model_copy(update={"decision_draws": 1000})
    scenarios = tuple(Scenario(lab, 0.5, 0.05, 0.6, 0.5, 0.7) for lab in ("low", "mid", "high"))
    arms = pd.DataFrame({"yi": YI, "vi": VI, "label": [f"arm {i}" for i in range(6)],
                         "total": [100] * 6})
    return adj._one("era", "year", "Enrolment", arms, np.array(YEARS), 2019.0,
                    IndexRange(next(iter(RangeKind)), scenarios, 1), "PLO", plan, True,
                    Verdict.NOT_DIFFERENT, ())


def test_a_rejection_within_monte_carlo_error_of_alpha_is_inconclusive(monkeypatch):
    out = _run(monkeypatch, 0.049)  # MC SE at 1,000 draws ~0.0068: 0.001 from alpha
    assert out.verdicts == (adj.UNSETTLED,) * 3
    assert out.verdict is Verdict.INCONCLUSIVE


def test_a_clear_rejection_keeps_its_direction(monkeypatch):
    out = _run(monkeypatch, 0.004)
    assert out.verdicts == ("above",) * 3
    assert out.verdict is Verdict.MORE_FAVOURABLE
