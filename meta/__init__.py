"""meta package."""

# Verdict statistics (issues 11/16): the index's own uncertainty, the calibrated decision test,
# patient fragility, era / case-mix adjusted benchmarks. Imported lazily (PEP 562): importing
# ``meta`` must not pull in SciPy (the CLI's startup test).
_LAZY = {
    "AdjustedBenchmark": "meta.adjusted", "BubbleFrame": "meta.adjusted",
    "adjusted_benchmark": "meta.adjusted", "bubble_frame": "meta.adjusted",
    "DecisionTest": "meta.decision", "decision_test": "meta.decision",
    "Fragility": "meta.fragility", "fragility_median": "meta.fragility",
    "fragility_proportion": "meta.fragility",
    "MedianInterval": "meta.index_uncertainty", "ProportionInterval": "meta.index_uncertainty",
    "median_interval": "meta.index_uncertainty", "proportion_interval": "meta.index_uncertainty",
}


def __getattr__(name: str) -> object:  # PEP 562 hook
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'meta' has no attribute {name!r}")
