"""Everything the report shows for one comparator group's survival, from plain inputs, in one call.

:func:`group_survival` runs :func:`meta.survival.survival_benchmark` (per-arm summaries and their
random-effects pools), :func:`meta.survival.pooled_km_curve` (the pooled curve with bands, when
there are at least two arms) and, when the index study reports a median,
:func:`meta.survival.index_median_position`. No text, no files.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from meta.survival.arms import LANDMARKS, TAU, ArmData
from meta.survival.benchmark import SurvivalBenchmark, survival_benchmark
from meta.survival.curve import PooledCurve, pooled_km_curve
from meta.survival.position import IndexMedianPosition, index_median_position


@dataclass(frozen=True)
class GroupSurvival:
    """A comparator group's survival benchmark, pooled curve (None with one arm) and the index
    median's position among the arms' curves (None when no index median is given)."""

    benchmark: SurvivalBenchmark
    curve: PooledCurve | None
    position: IndexMedianPosition | None


def group_survival(arms: Mapping[str, ArmData], *, index_median: float | None = None,
                   index_interval: tuple[float, float] | None = None,
                   landmarks: Sequence[float] = LANDMARKS, tau: float = TAU,
                   landmark_scale: str = "cloglog", method: str = "REML",
                   level: float = 95.0) -> GroupSurvival:
    """Benchmark, pooled curve and index-median position of one comparator group.

    Parameters
    ----------
    arms : mapping of str to (time, event)
        The group's historical arms with patient-level data (months; 1 event, 0 censored).
    index_median : float, optional
        The index study's reported median (months).
    index_interval : (float, float), optional
        Its interval (months), if known.
    landmarks, tau, landmark_scale, method, level
        As :func:`meta.survival.survival_benchmark` (level in percent).
    """
    bench = survival_benchmark(arms, landmarks=landmarks, tau=tau, landmark_scale=landmark_scale,
                               method=method, level=level)
    curve = (pooled_km_curve(arms, scale=landmark_scale, method=method, level=level)
             if len(arms) >= 2 else None)
    position = None
    if index_median is not None:
        lo, hi = index_interval if index_interval is not None else (None, None)
        position = index_median_position(arms, index_median, lo, hi, scale=landmark_scale,
                                         method=method, level=level)
    return GroupSurvival(bench, curve, position)
