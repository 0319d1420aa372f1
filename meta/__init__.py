"""hccmeta's statistics library: metafor-exact random-effects meta-analysis on yi / vi data.

Quick start (as metafor's ``rma``)::

    from meta import rma, confint
    res = rma(yi=[-0.89, -1.59, -1.35], vi=[0.33, 0.19, 0.42], method="REML")
    print(res)            # metafor-style summary
    res.to_frame()        # coefficient table
    confint(res)          # Q-profile CI of tau², I², H²

The names below are loaded on first use (PEP 562), so ``import meta`` is cheap.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS: dict[str, str] = {
    # model and results
    "rma": "meta.model",
    "pseudo_r2": "meta.model",
    "RmaResult": "meta.results",
    "confint": "meta.results",
    "Tau2Control": "meta.tau2",
    "estimate_tau2": "meta.tau2",
    "METHODS": "meta.tau2",
    # effect sizes (metafor's escalc analogues)
    "EffectTable": "meta.effects",
    "generic": "meta.effects",
    "ratios": "meta.effects",
    "proportions": "meta.effects",
    "median_survival": "meta.effects",
    # subgroups, meta-regression, prediction and back-transformation
    "subgroup_analysis": "meta.subgroups",
    "meta_regression": "meta.regression",
    "prediction_interval": "meta.prediction",
    "backtransform": "meta.transforms",
    # sensitivity
    "leave1out": "meta.sensitivity",
    "influence": "meta.sensitivity",
    "cumulative": "meta.sensitivity",
    "by_estimator": "meta.sensitivity",
    # publication bias
    "egger_test": "meta.bias",
    "trimfill": "meta.bias",
    "funnel_data": "meta.bias",
    # index study vs pooled benchmark
    "compare": "meta.comparison",
    # verdict statistics (issues 11/16): the index's own uncertainty, the calibrated decision
    # test, patient fragility, era / case-mix adjusted benchmarks
    "MedianInterval": "meta.index_uncertainty",
    "ProportionInterval": "meta.index_uncertainty",
    "median_interval": "meta.index_uncertainty",
    "proportion_interval": "meta.index_uncertainty",
    "DecisionTest": "meta.decision",
    "decision_test": "meta.decision",
    "Fragility": "meta.fragility",
    "fragility_proportion": "meta.fragility",
    "fragility_median": "meta.fragility",
    "AdjustedBenchmark": "meta.adjusted",
    "BubbleFrame": "meta.adjusted",
    "adjusted_benchmark": "meta.adjusted",
    "bubble_frame": "meta.adjusted",
    # conventions, errors, warnings
    "check_level": "meta.level",
    "critical_value": "meta.level",
    "MetaInputError": "meta.errors",
    "MetaWarning": "meta.errors",
    "ConvergenceWarning": "meta.errors",
    "ContinuityCorrectionWarning": "meta.errors",
    "NotComputedWarning": "meta.errors",
    "ApproximationWarning": "meta.errors",
    "Note": "meta.errors",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'meta' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
