"""Input containers of KM reconstruction: a digitized curve and a published risk table.

Both are frozen and hold read-only numpy arrays; :func:`make_curve` and :func:`make_risk_table`
validate plain arrays (the CSV readers in :mod:`extraction.km.io` validate row by row first, so
their errors carry ``file:line``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from extraction.km.errors import KMInputError
from extraction.schema_common import MAX_MONTHS  # a study file's bound: reconstruct's too

#: Survival values may overshoot [0, 1] by this much (proportion scale) before they are an error;
#: within it they are clipped (a reader's click a pixel above 100 % or below 0 %).
SURVIVAL_SLACK = 0.05
#: Times may be negative by this fraction of the largest time (a click left of the y axis) before
#: they are an error; within it they are set to 0.
TIME_SLACK = 0.01
#: Most patients an arm may have for a reconstruction (one million). Each patient becomes a
#: pseudo-IPD row, so time and memory grow with N: measured on a 7-point curve (2 cores),
#: N = 10^6 takes about 8 s and 0.3 GB, while N = 10^8 ran for more than 10 minutes before it
#: was stopped. A KM figure's arm of more than a million patients is far more likely a slip of
#: the zeros. Numbers at risk are bounded alike.
MAX_N = 1_000_000


def _frozen(values: np.ndarray) -> np.ndarray:
    out = np.array(values, dtype=float)
    out.setflags(write=False)
    return out


@dataclass(frozen=True)
class DigitizedCurve:
    """Digitized points of one Kaplan–Meier curve, survival as a proportion.

    Attributes
    ----------
    time : numpy.ndarray
        Click times (months), in file order.
    survival : numpy.ndarray
        Click survival as a proportion (percent inputs already divided by 100), in file order.
    scale : str
        ``"proportion"`` or ``"percent"``: what the input was detected to be.
    source : str
        File name, or ``""`` for arrays.
    lines : tuple of int
        1-based line of each point in ``source`` (empty for arrays).
    """

    time: np.ndarray
    survival: np.ndarray
    scale: str
    source: str = ""
    lines: tuple[int, ...] = ()


@dataclass(frozen=True)
class RiskTable:
    """Published numbers at risk.

    Attributes
    ----------
    time : numpy.ndarray
        Risk-table times (months), strictly increasing.
    n_risk : numpy.ndarray
        Numbers at risk (integers as floats), non-increasing.
    source : str
        File name, or ``""``.
    """

    time: np.ndarray
    n_risk: np.ndarray
    source: str = ""

    @property
    def informative(self) -> bool:
        """False for a single row at time 0 (the contract's "no risk table")."""
        return not (len(self.time) == 1 and self.time[0] == 0)


def detect_scale(survival: np.ndarray) -> str:
    """``"percent"`` if the largest value exceeds 1.5, else ``"proportion"``.

    A proportion curve clicked a little above the 100 % line stays below 1.5; a percent curve
    starts near 100.
    """
    finite = survival[np.isfinite(survival)]
    return "percent" if finite.size and float(finite.max()) > 1.5 else "proportion"


def make_curve(time, survival, scale: str | None = None, source: str = "",
               lines: tuple[int, ...] = ()) -> DigitizedCurve:
    """Validate digitized points and convert survival to a proportion.

    Parameters
    ----------
    time, survival : array_like
        Click coordinates (months; proportion or percent).
    scale : {"proportion", "percent"}, optional
        Detected with :func:`detect_scale` when omitted.
    source, lines : str, tuple of int
        Where the points came from, for error messages.

    Raises
    ------
    KMInputError
        Non-finite values, no points, survival outside [0, 1] by more than
        :data:`SURVIVAL_SLACK`, or times below 0 by more than :data:`TIME_SLACK` of the range.
    """
    t = np.asarray(time, dtype=float).ravel()
    s = np.asarray(survival, dtype=float).ravel()
    if t.shape != s.shape:
        raise KMInputError(f"expected as many times as survival values, got {t.size} and {s.size}",
                           "curve", source)
    if t.size == 0:
        raise KMInputError("expected at least one digitized point, got none", "curve", source)

    def where(i: int) -> int:
        return lines[i] if i < len(lines) else 0

    for name, arr in (("time", t), ("survival", s)):
        bad = np.flatnonzero(~np.isfinite(arr))
        if bad.size:
            i = int(bad[0])
            raise KMInputError(f"expected a finite number, got {arr[i]}", name, source, where(i))
    declared = scale
    scale = scale or detect_scale(s)
    if scale not in ("proportion", "percent"):
        raise KMInputError(f"expected 'proportion' or 'percent', got {scale!r}", "scale", source)
    if declared == "percent" and detect_scale(s) == "proportion":
        # every value <= 1.5 read as percent is a curve that never rises above 1.5 %: the
        # values are proportions, and dividing them by 100 drew a curve at the bottom of the axis
        i = int(np.argmax(s))
        raise KMInputError(f"expected survival in percent (0..100), as the declared scale says, "
                           f"got values that look like proportions (all at most 1.5, largest "
                           f"{s[i]:g})", "survival", source, where(i),
                           hint="declare the scale proportion or auto: --scale proportion "
                           "(hccmeta reconstruct), survival_scale: proportion (study file)")
    prop = s / 100.0 if scale == "percent" else s
    out = np.flatnonzero((prop < -SURVIVAL_SLACK) | (prop > 1 + SURVIVAL_SLACK))
    if out.size:
        i = int(out[0])
        unit = "0..100 (percent)" if scale == "percent" else "0..1 (proportion)"
        hint = ""
        if declared == "proportion" and detect_scale(s) == "percent" and np.mean(s > 1.5) > 0.5:
            hint = ("most values look like percent: declare the scale percent or auto: "
                    "--scale percent (hccmeta reconstruct), survival_scale: percent (study file)")
        raise KMInputError(f"expected a value in {unit}, got {s[i]:g}", "survival", source,
                           where(i), hint=hint)
    long = np.flatnonzero(t > MAX_MONTHS)
    if long.size:
        i = int(long[0])
        raise KMInputError(f"expected a time of at most {MAX_MONTHS:g} months (100 years), got "
                           f"{t[i]:g}", "time", source, where(i))
    limit = -TIME_SLACK * max(float(np.abs(t).max()), 1e-12)
    neg = np.flatnonzero(t < limit)
    if neg.size:
        i = int(neg[0])
        raise KMInputError(f"expected a time >= 0, got {t[i]:g}", "time", source, where(i))
    return DigitizedCurve(_frozen(t), _frozen(prop), scale, source, tuple(lines))


def make_risk_table(time, n_risk, source: str = "", lines: tuple[int, ...] = ()) -> RiskTable:
    """Validate a risk table: times >= 0 strictly increasing, integer counts >= 0, non-increasing.

    Rows are sorted by time first, so only the order of the values matters, not of the rows.

    Raises
    ------
    KMInputError
        Negative or repeated times, non-integer or negative counts, or a count that increases.
    """
    t = np.asarray(time, dtype=float).ravel()
    n = np.asarray(n_risk, dtype=float).ravel()
    if t.shape != n.shape or t.size == 0:
        raise KMInputError(f"expected matching, non-empty time and n_risk, got {t.size} and "
                           f"{n.size} values", "risk", source)

    def where(i: int) -> int:
        return lines[i] if i < len(lines) else 0

    for i in range(t.size):
        if not np.isfinite(t[i]) or t[i] < 0:
            raise KMInputError(f"expected a time >= 0, got {t[i]:g}", "time", source, where(i))
        if t[i] > MAX_MONTHS:
            raise KMInputError(f"expected a time of at most {MAX_MONTHS:g} months (100 years), "
                               f"got {t[i]:g}", "time", source, where(i))
        if not np.isfinite(n[i]) or n[i] < 0 or n[i] != np.round(n[i]):
            raise KMInputError(f"expected a whole number >= 0, got {n[i]:g}", "n_risk", source,
                               where(i))
        if n[i] > MAX_N:
            raise KMInputError(f"expected at most {MAX_N:,} patients at risk, got {n[i]:g}",
                               "n_risk", source, where(i))
    order = np.argsort(t, kind="stable")
    t, n = t[order], n[order]
    for j in range(1, t.size):
        i = int(order[j])
        if t[j] == t[j - 1]:
            raise KMInputError(f"expected each time once, got {t[j]:g} twice", "time", source,
                               where(i))
        if n[j] > n[j - 1]:
            raise KMInputError(
                f"expected numbers at risk that never increase, got {n[j]:g} at time {t[j]:g} "
                f"after {n[j - 1]:g} at time {t[j - 1]:g}", "n_risk", source, where(i))
    return RiskTable(_frozen(t), _frozen(n), source)
