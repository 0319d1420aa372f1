"""The index study's own uncertainty: a plausible range of its estimate (issue 11).

Where the index reports its estimate with a CI or an event count, the range is that one value
(:attr:`RangeKind.REPORTED`). Where it does not:

* a **median without CI or event count**: :func:`meta.index_uncertainty.median_interval` from
  the arm's n, its reported median follow-up and a plausible range of event counts (low,
  central, high; exponential survival, administrative censoring: Brookmeyer & Crowley 1982,
  Lachin & Foulkes 1986), :attr:`RangeKind.MEDIAN_EVENTS`; with no reported follow-up there is
  no range and no test;
* a **rate resting on an assumed denominator** (``denominator: not_reported`` and the total
  derived): :func:`meta.index_uncertainty.proportion_interval` at every denominator from
  ``plan.assumed_denominator_min`` × n up to n at which a whole count prints as the reported
  percent, :attr:`RangeKind.DENOMINATOR`.

Each value of the range is a :class:`Scenario` (analysis-scale ``yi``/``vi``); the verdict must
hold at every one (:mod:`reports.analysis.calibrated`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum
from typing import Any

from meta import effects
from meta.index_uncertainty import median_interval, proportion_interval
from meta.level import critical_value
from meta.transforms import backtransform
from reports.plan import Outcome, Plan


class RangeKind(Enum):
    """Where the index's range comes from."""

    REPORTED = "reported"
    MEDIAN_EVENTS = "median_events"
    DENOMINATOR = "denominator"


@dataclass(frozen=True)
class Scenario:
    """One plausible value of the index: label, analysis scale, and back-transformed CI."""

    label: str
    yi: float
    vi: float
    value: float
    lower: float
    upper: float
    events: int | None = None
    total: int | None = None


@dataclass(frozen=True)
class IndexRange:
    """The index's plausible range.

    Attributes
    ----------
    kind : RangeKind
    scenarios : tuple of Scenario
        In order (low, central, high for a median; ascending denominators for a rate).
    central : int
        Position of the scenario the main comparison uses (the study file's own value).
    method : str
        One line for the report's methods ('' for a reported value).
    assumptions : tuple of str
    """

    kind: RangeKind
    scenarios: tuple[Scenario, ...]
    central: int
    method: str = ""
    assumptions: tuple[str, ...] = ()

    @property
    def centre(self) -> Scenario:
        """The central scenario."""
        return self.scenarios[self.central]

    @property
    def envelope(self) -> tuple[float, float]:
        """Smallest lower and largest upper CI bound over the range (back-transformed)."""
        return (min(s.lower for s in self.scenarios), max(s.upper for s in self.scenarios))

    @property
    def is_range(self) -> bool:
        """Whether there is more than one plausible value."""
        return len(self.scenarios) > 1


def _bt(measure: str, values: list[float], n: float | None) -> list[float]:
    return [float(v) for v in backtransform(measure, values, ni=[n] * len(values)
                                            if measure == "PFT" and n else None)]


def plausible_denominators(percent_text: str, n: int, fraction: float) -> list[int]:
    """Denominators ``N`` in ``[ceil(fraction n), n]`` at which some count ``x`` gives
    ``100 x / N`` printed as ``percent_text`` (at its number of decimals)."""
    decimals = len(percent_text.split(".")[1]) if "." in percent_text else 0
    target = float(percent_text)
    out = []
    for d in range(max(1, math.ceil(fraction * n)), n + 1):
        x = round(target * d / 100)
        if 0 <= x <= d and round(100 * x / d, decimals) == round(target, decimals):
            out.append(d)
    return out or [n]


def index_range(row: Any, outcome: Outcome, yi: float, vi: float | None,
                plan: Plan) -> IndexRange | None:
    """The plausible range of the index ``row`` (its outcome-frame row), or None when its
    variance is unknown and no range can be derived (a median without follow-up)."""
    z = critical_value(plan.level)
    if outcome.kind == "median":
        if vi is not None:
            h = z * math.sqrt(vi)
            return IndexRange(RangeKind.REPORTED, (Scenario(
                "reported", yi, vi, math.exp(yi), math.exp(yi - h), math.exp(yi + h)),), 0)
        fu = row.get("follow_up")
        n = row.get("total")
        if fu is None or fu != fu or not n or n != n:
            return None
        mi = median_interval(float(row["median"]), int(n), float(fu), level=plan.level)
        names = ("fewest events", "central", "most events")
        scen = tuple(Scenario(f"{name}: {r.events} events", r.yi, r.vi, math.exp(r.yi),
                              r.lower, r.upper, r.events, int(n))
                     for name, r in zip(names, mi.rows, strict=True))
        return IndexRange(RangeKind.MEDIAN_EVENTS, scen, 1, mi.method, mi.assumptions)
    assert vi is not None
    n = int(row["total"])
    if outcome.kind == "proportion" and bool(row.get("assumed_total", False)):
        dens = plausible_denominators(str(row["percent_text"]), n, plan.assumed_denominator_min)
        if len(dens) > 1:
            pi = proportion_interval(dens, percent=float(row["percent_text"]), level=plan.level)
            tab = effects.proportions([r.events for r in pi.rows], dens, outcome.measure)
            rows: list[Scenario] = []
            for i, r in enumerate(pi.rows):
                y, v = float(tab.yi[i]), float(tab.vi[i])
                h = z * math.sqrt(v)
                val, lo, hi = _bt(outcome.measure, [y, y - h, y + h], r.denominator)
                rows.append(Scenario(f"{r.events}/{r.denominator}", y, v, val, lo, hi,
                                     r.events, r.denominator))
            central = next((i for i, r in enumerate(pi.rows) if r.denominator == n),
                           len(rows) - 1)
            return IndexRange(RangeKind.DENOMINATOR, tuple(rows), central, pi.method,
                              (f"the denominator is not reported: {row['percent_text']}% "
                               f"is tried at every denominator from "
                               f"{plan.assumed_denominator_min:g} × {n} to {n} at which a "
                               "whole count prints as that percent",))
    h = z * math.sqrt(vi)
    val, lo, hi = _bt(outcome.measure, [yi, yi - h, yi + h], n)
    return IndexRange(RangeKind.REPORTED, (Scenario(
        "reported", yi, vi, val, lo, hi, int(row["events"]) if "events" in row else None,
        n),), 0)
