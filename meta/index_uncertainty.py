"""The index study's own uncertainty when it reports no CI: medians and proportions.

**Median survival with no CI and no event count.** Given ``n``, the reported median ``m`` and
the median follow-up ``f`` (months), the number of events ``d`` is not known; a plausible range
is derived under stated assumptions and the median's CI is given at the low, central and high
counts, so that a verdict can be checked over the whole range.

Assumptions (each is returned in :attr:`MedianInterval.assumptions`):

1. Survival is exponential with the reported median, ``S(t) = exp(-λ t)``, ``λ = ln 2 / m``.
2. Censoring is administrative only (no loss to follow-up), and the *potential* follow-up
   ``C`` (time from entry to data cut-off) has median ``f``: the reported median follow-up is
   read as the reverse Kaplan–Meier median (Schemper & Smith 1996, Control Clin Trials 17:343),
   which estimates the median of ``C``.
3. Two accrual patterns span the plausible expected event fraction ``P(T <= C)`` (a plausible
   range, not a bound: a skewed follow-up distribution with the same median can give more
   events, e.g. half followed ``f`` and half much longer; statistics review):

   * all patients followed for ``f`` (``C = f``): ``p_hi = 1 - exp(-λ f)``, the most events
     among follow-up distributions whose *mean* is ``f`` (``1 - exp(-λ c)`` is concave, so by
     Jensen's inequality any spread of ``C`` with that mean gives fewer);
   * uniform accrual with ``C ~ U(0, 2 f)``: ``p_lo = 1 - (1 - exp(-2 λ f)) / (2 λ f)``, the
     widest spread with that median (zero minimum follow-up). Realistic accrual shapes (ramp-up,
     front-loaded) fall inside ``[p_lo, p_hi]``.

4. The event count is binomial given the design: the range is
   ``[n p_lo - z sqrt(n p_lo (1 - p_lo)), n p_hi + z sqrt(n p_hi (1 - p_hi))]`` with ``z`` the
   ``coverage`` quantile, rounded outwards and clipped to ``[1, n]``; the central count is
   ``n (p_lo + p_hi) / 2`` rounded (expected events under exponential survival and uniform
   accrual: Lachin & Foulkes 1986, Biometrics 42:507).

The CI of the median at ``d`` events is a Wald interval on the log scale,
``m exp(± z_level se)``, with either

* ``variance="km"`` (default): ``se² = 1/(d ln²2)``, the asymptotic variance of a
  *Kaplan–Meier* median under exponential survival, the same approximation
  :func:`meta.effects.median_survival` uses for benchmark arms that report events but no CI
  (one implementation; Brookmeyer & Crowley 1982, Biometrics 38:29; Collett 2015 ch. 2); or
* ``variance="exponential"``: ``se² = 1/d``, the variance of the log median of a *fitted
  exponential* model (``log m = log ln 2 - log λ``, ``var(log λ_hat) = 1/d``; Cox & Oakes
  1984, *Analysis of Survival Data*, ch. 3), narrower, valid when the median was estimated
  from an exponential fit.

**Proportion with an assumed denominator.** A rate such as 75.0% reported without its
denominator (81/108 assumes the denominator is every patient): for each plausible denominator
``N`` the count is ``round(p N)`` (or given), and the logit Wald CI and the analysis-scale
``yi``/``vi`` come from :func:`meta.effects.proportions` (metafor ``escalc`` PLO).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from meta.effects import median_survival, proportions
from meta.level import critical_value

VARIANCES = ("km", "exponential")


@dataclass(frozen=True)
class MedianAtEvents:
    """The median's CI at one assumed event count.

    Attributes
    ----------
    events : int
        Assumed number of events.
    yi, vi : float
        Log median (log months) and its sampling variance (as a benchmark arm's ``MED`` row).
    lower, upper : float
        CI of the median, months.
    """

    events: int
    yi: float
    vi: float
    lower: float
    upper: float


@dataclass(frozen=True)
class MedianInterval:
    """An approximate CI of a reported median across a plausible range of event counts.

    Attributes
    ----------
    median : float
        Reported median, months.
    n : int
        Patients.
    follow_up : float
        Reported median follow-up, months.
    event_fraction : tuple of float
        ``(p_lo, p_hi)``: expected fraction with an event under the two accrual patterns.
    low, central, high : MedianAtEvents
        The CI at the lowest, central and highest plausible event count (the low count gives
        the widest interval).
    envelope : tuple of float
        ``(low.lower, low.upper)``: the widest interval over the range, months.
    variance : str
        ``"km"`` or ``"exponential"`` (see module notes).
    level, coverage : float
        CI level and the coverage of the binomial event range, percent.
    assumptions : tuple of str
        Every assumption, in words.
    method : str
        One line for the report's methods.
    """

    median: float
    n: int
    follow_up: float
    event_fraction: tuple[float, float]
    low: MedianAtEvents
    central: MedianAtEvents
    high: MedianAtEvents
    envelope: tuple[float, float]
    variance: str
    level: float
    coverage: float
    assumptions: tuple[str, ...]
    method: str

    @property
    def rows(self) -> tuple[MedianAtEvents, MedianAtEvents, MedianAtEvents]:
        """``(low, central, high)``."""
        return self.low, self.central, self.high


def event_fraction(median: float, follow_up: float) -> tuple[float, float]:
    """``(p_lo, p_hi)``: expected event fraction under uniform accrual ``C ~ U(0, 2f)`` and
    under fixed follow-up ``C = f``, for exponential survival with median ``median``."""
    lam = math.log(2) / median
    x = 2 * lam * follow_up
    p_lo = 1 - (-math.expm1(-x)) / x
    p_hi = -math.expm1(-lam * follow_up)
    return p_lo, p_hi


def event_range(n: int, median: float, follow_up: float,
                coverage: float = 95.0) -> tuple[int, int, int]:
    """Plausible ``(low, central, high)`` event counts (assumptions in the module notes)."""
    _check_positive(n=n, median=median, follow_up=follow_up)
    p_lo, p_hi = event_fraction(median, follow_up)
    z = critical_value(coverage)
    lo = math.floor(n * p_lo - z * math.sqrt(n * p_lo * (1 - p_lo)))
    hi = math.ceil(n * p_hi + z * math.sqrt(n * p_hi * (1 - p_hi)))
    central = round(n * (p_lo + p_hi) / 2)
    return max(1, lo), int(min(max(central, 1), n)), int(min(n, hi))


def median_at_events(median: float, events: int, variance: str = "km",
                     level: float = 95.0) -> MedianAtEvents:
    """The log-scale Wald CI of ``median`` (months) at ``events`` events."""
    if variance not in VARIANCES:
        raise ValueError(f"variance: expected one of {', '.join(VARIANCES)}, got {variance!r}")
    if variance == "km":
        row = median_survival([median], events=[events], level=level)
        if row.k != 1:
            raise ValueError(f"events: expected a whole number >= 1, got {events}")
        yi, vi = float(row.yi[0]), float(row.vi[0])
    else:
        if events < 1:
            raise ValueError(f"events: expected a whole number >= 1, got {events}")
        yi, vi = math.log(median), 1.0 / events
    half = critical_value(level) * math.sqrt(vi)
    return MedianAtEvents(int(events), yi, vi, math.exp(yi - half), math.exp(yi + half))


def median_interval(median: float, n: int, follow_up: float, *,
                    events: Sequence[int] | None = None, variance: str = "km",
                    level: float = 95.0, coverage: float = 95.0) -> MedianInterval:
    """Approximate CI of a reported median over a plausible range of event counts.

    Parameters
    ----------
    median : float
        Reported median survival, months (> 0).
    n : int
        Patients in the analysis.
    follow_up : float
        Reported median follow-up, months (> 0).
    events : sequence of 3 int, optional
        ``(low, central, high)`` event counts to use instead of :func:`event_range` (e.g. when
        the counts are known from elsewhere).
    variance : {"km", "exponential"}
        Variance of the log median (module notes).
    level : float
        CI level, percent.
    coverage : float
        Coverage of the binomial event range, percent.

    Returns
    -------
    MedianInterval
    """
    _check_positive(n=n, median=median, follow_up=follow_up)
    lo, mid, hi = event_range(n, median, follow_up, coverage) if events is None else events
    if not 1 <= lo <= mid <= hi <= n:
        raise ValueError(f"events: expected 1 <= low <= central <= high <= n={n}, "
                         f"got {(lo, mid, hi)}")
    rows = [median_at_events(median, int(d), variance, level) for d in (lo, mid, hi)]
    p_lo, p_hi = event_fraction(median, follow_up)
    assumptions = (
        f"exponential survival with the reported median ({median:g} months)",
        "administrative censoring only; the reported median follow-up "
        f"({follow_up:g} months) is the median potential follow-up (reverse Kaplan–Meier)",
        f"event fraction between {p_lo:.3f} (uniform accrual, follow-up U(0, {2 * follow_up:g})) "
        f"and {p_hi:.3f} (everyone followed {follow_up:g} months)",
        f"binomial variation of the event count ({coverage:g}% range)"
        if events is None else "event counts given by the caller",
        "log-scale Wald CI with var(log median) = "
        + ("1/(d ln²2) (Kaplan–Meier median)" if variance == "km" else
           "1/d (exponential fit)"),
    )
    method = (f"{level:g}% CI of the median from {rows[0].events}–{rows[2].events} plausible "
              f"events (central {rows[1].events}) of n = {n}: exponential survival, "
              "administrative censoring at the reported median follow-up, "
              + ("KM-median variance 1/(d ln²2)" if variance == "km" else
                 "exponential variance 1/d"))
    return MedianInterval(float(median), int(n), float(follow_up), (p_lo, p_hi), rows[0],
                          rows[1], rows[2], (rows[0].lower, rows[0].upper), variance,
                          float(level), float(coverage), assumptions, method)


@dataclass(frozen=True)
class ProportionAtDenominator:
    """A proportion at one assumed denominator (PLO scale, metafor ``escalc``)."""

    denominator: int
    events: int
    proportion: float
    yi: float
    vi: float
    lower: float
    upper: float


@dataclass(frozen=True)
class ProportionInterval:
    """A proportion's CI across plausible denominators.

    Attributes
    ----------
    rows : tuple of ProportionAtDenominator
        One per denominator, in the order given.
    envelope : tuple of float
        Smallest lower and largest upper bound over the rows (proportions).
    level : float
        Percent.
    method : str
        One line for the report's methods.
    """

    rows: tuple[ProportionAtDenominator, ...]
    envelope: tuple[float, float]
    level: float
    method: str


def proportion_interval(denominators: Sequence[int], *, percent: float | None = None,
                        events: Sequence[int] | None = None,
                        level: float = 95.0) -> ProportionInterval:
    """The CI of a proportion at each plausible denominator.

    Parameters
    ----------
    denominators : sequence of int
        Plausible denominators (e.g. every patient, or those with measurable disease).
    percent : float, optional
        Reported percentage; the count at ``N`` is ``round(percent N / 100)``.
    events : sequence of int, optional
        Counts per denominator instead of ``percent``.
    level : float
        Percent.
    """
    dens = [int(d) for d in denominators]
    if not dens or min(dens) < 1:
        raise ValueError(f"denominators: expected whole numbers >= 1, got {list(denominators)}")
    if (percent is None) == (events is None):
        raise ValueError("percent, events: give exactly one of them")
    if events is None:
        assert percent is not None
        if not 0 <= percent <= 100:
            raise ValueError(f"percent: expected 0..100, got {percent}")
        counts = [round(percent * d / 100) for d in dens]
    else:
        counts = [int(e) for e in events]
        if len(counts) != len(dens) or any(
                not 0 <= e <= d for e, d in zip(counts, dens, strict=True)):
            raise ValueError(f"events: expected one count 0..N per denominator, got {counts}")
    tab = proportions(counts, dens, "PLO")
    z = critical_value(level)
    rows = []
    for i, (e, d) in enumerate(zip(counts, dens, strict=True)):
        yi, vi = float(tab.yi[i]), float(tab.vi[i])
        lo, hi = (1 / (1 + np.exp(-(yi + s * z * math.sqrt(vi)))) for s in (-1, 1))
        rows.append(ProportionAtDenominator(d, e, e / d, yi, vi, float(lo), float(hi)))
    env = (min(r.lower for r in rows), max(r.upper for r in rows))
    method = (f"{level:g}% logit CI at each plausible denominator "
              f"({', '.join(str(d) for d in dens)}); the verdict must hold at every one")
    return ProportionInterval(tuple(rows), env, float(level), method)


def _check_positive(**values: float) -> None:
    bad = [f"{k}: expected a number > 0, got {v!r}" for k, v in values.items()
           if not (isinstance(v, (int, float)) and math.isfinite(v) and v > 0)]
    if bad:
        raise ValueError("; ".join(bad))
