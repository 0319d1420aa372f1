"""meta package."""

# Verdict statistics (issue 11/16): the index's own uncertainty, the calibrated decision test,
# patient fragility, era / case-mix adjusted benchmarks.
from meta.adjusted import AdjustedBenchmark, BubbleFrame, adjusted_benchmark, bubble_frame
from meta.decision import DecisionTest, decision_test
from meta.fragility import Fragility, fragility_median, fragility_proportion
from meta.index_uncertainty import (
    MedianInterval,
    ProportionInterval,
    median_interval,
    proportion_interval,
)

__all__ = ["AdjustedBenchmark", "BubbleFrame", "DecisionTest", "Fragility", "MedianInterval",
           "ProportionInterval", "adjusted_benchmark", "bubble_frame", "decision_test",
           "fragility_median", "fragility_proportion", "median_interval", "proportion_interval"]
