"""Effect sizes and their sampling variances: the role of metafor's ``escalc``.

Every constructor returns a frozen :class:`EffectTable` (study labels, ``yi``, ``vi``, ``sei``, the
measure, per-study notes such as the continuity correction applied, and the studies excluded with
the reason). Pooling (:mod:`meta.model`) works on ``table.yi`` and ``table.vi``.

Measures and scales
-------------------
``PLO``  logit of a proportion; ``vi = 1/x + 1/(n - x)``.
``PFT``  Freeman–Tukey double arcsine as metafor defines it (half the sum of the two arcsines,
         Freeman & Tukey 1950): ``yi = (asin√(x/(n+1)) + asin√((x+1)/(n+1)))/2``,
         ``vi = 1/(4n + 2)``.
``PAS``  arcsine square-root: ``yi = asin√(x/n)``, ``vi = 1/(4n)``.
``PR``   raw proportion: ``yi = x/n``, ``vi = p(1 - p)/n``.
``HR``, ``OR``, ``RR``, ``RATIO``  log ratio (``yi = log estimate``).
``MED``  log median survival time (months).
``GEN``  generic ``yi`` with ``vi`` or ``sei``.

Continuity correction: as metafor's ``add=1/2, to="only0"``, applied for ``PLO`` and ``PR`` only
(metafor does not correct ``PAS``/``PFT``, which are finite at 0 and n): 1/2 is added to the events
and to the non-events of a study with 0 events or all events, i.e. ``x + 1/2`` out of ``n + 1``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from meta import distributions
from meta.errors import (
    ApproximationWarning,
    ContinuityCorrectionWarning,
    MetaInputError,
    MetaWarning,
    Note,
)
from meta.inputs import labels as _labels
from meta.inputs import vector as _vector
from meta.level import critical_value

PROPORTION_MEASURES = ("PLO", "PFT", "PAS", "PR")
RATIO_MEASURES = ("HR", "OR", "RR", "RATIO")
CORRECTION_TARGETS = ("only0", "all", "if0all", "none")


@dataclass(frozen=True)
class Exclusion:
    """A study left out of an :class:`EffectTable`, with the reason in words."""

    study: str
    reason: str


@dataclass(frozen=True)
class EffectTable:
    """Per-study effect sizes on the analysis scale (immutable).

    Attributes
    ----------
    study : tuple of str
        Study labels of the included studies.
    yi, vi : numpy.ndarray
        Effect sizes and sampling variances (read-only arrays) on the analysis scale given by
        ``measure`` (logit, double arcsine, radians, proportion, log ratio, log months, ...).
    measure : str
        One of ``PLO, PFT, PAS, PR, HR, OR, RR, RATIO, MED, GEN``.
    notes : tuple of str
        One note per included study ('' when nothing to say), e.g. the continuity correction;
        a non-empty note is a :class:`meta.errors.Note` carrying its warning class (see
        :attr:`warnings`).
    excluded : tuple of Exclusion
        Studies that could not be converted, with the reason.
    extra : Mapping[str, tuple]
        Further per-study columns (e.g. ``ni`` for proportions, ``ci_asymmetry`` for ratios).
    """

    study: tuple[str, ...]
    yi: np.ndarray
    vi: np.ndarray
    measure: str
    notes: tuple[str, ...]
    excluded: tuple[Exclusion, ...] = ()
    extra: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("yi", "vi"):
            arr = np.array(getattr(self, name), dtype=float)
            arr.setflags(write=False)
            object.__setattr__(self, name, arr)
        object.__setattr__(self, "extra", dict(self.extra))
        k = len(self.study)
        if not (len(self.yi) == len(self.vi) == len(self.notes) == k):
            raise MetaInputError("EffectTable: study, yi, vi and notes must have the same length")

    @property
    def k(self) -> int:
        """Number of included studies."""
        return len(self.study)

    @property
    def warnings(self) -> tuple[MetaWarning, ...]:
        """The typed warnings of the notes (``"<study>: <note>"``, of the note's class, e.g.
        :class:`~meta.errors.ContinuityCorrectionWarning`), for ``warnings.warn`` or a log."""
        return tuple(MetaWarning(f"{s}: {n}") if not isinstance(n, Note)
                     else n.category(f"{s}: {n}")
                     for s, n in zip(self.study, self.notes, strict=True) if n)

    @property
    def sei(self) -> np.ndarray:
        """Standard errors ``sqrt(vi)``."""
        return np.sqrt(self.vi)

    def to_frame(self) -> pd.DataFrame:
        """Included studies as a frame: ``study, yi, vi, sei, measure, note`` + extra columns."""
        frame = pd.DataFrame({"study": list(self.study), "yi": self.yi, "vi": self.vi,
                              "sei": self.sei, "measure": self.measure, "note": list(self.notes)})
        for name, values in self.extra.items():
            frame[name] = list(values)
        return frame


def _table(labels: Sequence[str], yi: Any, vi: Any, measure: str, notes: Sequence[str],
           excluded: Sequence[Exclusion], extra: Mapping[str, Sequence[Any]] | None = None
           ) -> EffectTable:
    return EffectTable(study=tuple(labels), yi=np.asarray(yi, float), vi=np.asarray(vi, float),
                       measure=measure, notes=tuple(notes), excluded=tuple(excluded),
                       extra={n: tuple(v) for n, v in (extra or {}).items()})


# ---------------------------------------------------------------------------------------------
# proportions


def proportions(events: Sequence[float] | np.ndarray, total: Sequence[float] | np.ndarray,
                measure: str = "PLO", *,
                study: Sequence[str] | None = None, add: float = 0.5, to: str = "only0"
                ) -> EffectTable:
    """Single-arm proportions ``events/total`` as ``PLO``, ``PFT``, ``PAS`` or ``PR``.

    Parameters
    ----------
    events, total : sequence of int
        Number of events ``x`` and of patients ``n`` per study (``0 <= x <= n``, ``n >= 1``).
    measure : {"PLO", "PFT", "PAS", "PR"}
        Logit, Freeman–Tukey double arcsine (Freeman & Tukey 1950; metafor's definition, i.e.
        the mean of the two arcsines), arcsine square root, raw proportion.
    add, to : float, str
        Continuity correction for ``PLO`` and ``PR`` as metafor's ``escalc``: ``to="only0"``
        (default) adds ``add`` to events and non-events where events are 0 or all, ``"all"`` to
        every study, ``"if0all"`` to every study when any has 0 or all events, ``"none"`` never.
        Not applied for ``PFT``/``PAS`` (as metafor, whose default leaves them uncorrected).

    Returns
    -------
    EffectTable
        ``extra`` holds ``xi``, ``ni`` (uncorrected, needed for the Freeman–Tukey back-transform
        and the GLMM) and ``cc`` (the correction added to each cell, 0 or ``add``).
    """
    measure = measure.upper()
    if measure not in PROPORTION_MEASURES:
        raise MetaInputError(f"measure: expected one of {', '.join(PROPORTION_MEASURES)}, "
                         f"got {measure!r}")
    if to not in CORRECTION_TARGETS:
        raise MetaInputError(f"to: expected one of {', '.join(CORRECTION_TARGETS)}, got {to!r}")
    if not (np.isfinite(add) and add >= 0):
        raise MetaInputError(f"add: expected a finite number >= 0, got {add}")
    x = _vector("events", events)
    n = _vector("total", total, len(x))
    labels = _labels(study, len(x))
    for name, arr in (("events", x), ("total", n)):
        bad = (arr < 0) | (arr != np.round(arr))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise MetaInputError(f"{name}[{i}] ({labels[i]}): expected a whole number >= 0, "
                             f"got {arr[i]:g}")
    if (n < 1).any():
        i = int(np.flatnonzero(n < 1)[0])
        raise MetaInputError(f"total[{i}] ({labels[i]}): expected at least 1 patient, got {n[i]:g}")
    if (x > n).any():
        i = int(np.flatnonzero(x > n)[0])
        raise MetaInputError(
            f"events[{i}] ({labels[i]}): expected at most total (= {n[i]:g}), "
                         f"got {x[i]:g}")
    extreme = (x == 0) | (x == n)
    cc = np.zeros_like(x)
    if measure in ("PLO", "PR"):
        if to == "only0":
            cc[extreme] = add
        elif to == "all" or (to == "if0all" and extreme.any()):
            cc[:] = add
    xc, nc = x + cc, n + 2 * cc
    with np.errstate(divide="ignore", invalid="ignore"):
        p = xc / nc
        if measure == "PLO":
            yi = np.log(p / (1 - p))
            vi = 1 / xc + 1 / (nc - xc)
        elif measure == "PR":
            yi = p
            vi = p * (1 - p) / nc
        elif measure == "PAS":
            yi = np.arcsin(np.sqrt(x / n))
            vi = 1 / (4 * n)
        else:  # PFT
            yi = 0.5 * (np.arcsin(np.sqrt(x / (n + 1))) + np.arcsin(np.sqrt((x + 1) / (n + 1))))
            vi = 1 / (4 * n + 2)
    notes: list[str] = []
    for i in range(len(x)):
        if cc[i] > 0:
            notes.append(Note(f"continuity correction: {cc[i]:g} added to events and non-events "
                              f"({x[i]:g}/{n[i]:g} -> {xc[i]:g}/{nc[i]:g})",
                              ContinuityCorrectionWarning))
        elif measure in ("PLO", "PR") and extreme[i]:
            notes.append(Note(f"{x[i]:g}/{n[i]:g} uncorrected: infinite or zero variance",
                              ContinuityCorrectionWarning))
        else:
            notes.append("")
    extra = {"xi": x.astype(int).tolist(), "ni": n.astype(int).tolist(), "cc": cc.tolist()}
    return _table(labels, yi, vi, measure, notes, (), extra)


# ---------------------------------------------------------------------------------------------
# ratios (HR, OR, RR) from estimate + CI or p-value


def ratios(estimate: Sequence[float], lower: Sequence[float | None] | None = None,
           upper: Sequence[float | None] | None = None, *,
           pval: Sequence[float | None] | None = None, level: float = 95.0,
           measure: str = "HR", study: Sequence[str] | None = None,
           asymmetry_tolerance: float = 0.1) -> EffectTable:
    """Log ratios (hazard, odds, risk) with standard errors from a CI or from a p-value.

    Per study, the CI is used when both bounds are given; otherwise the two-sided p-value; a
    study with neither is excluded with the reason recorded.

    * From a CI: ``sei = (log U - log L) / (2 z)`` with ``z`` the normal quantile of ``level``
      (1.959964 for 95%); the asymmetry of the CI on the log scale,
      ``|(log U - log e) - (log e - log L)| / (log U - log L)``, is reported per study in
      ``extra["ci_asymmetry"]`` and noted when above ``asymmetry_tolerance`` (a hint of rounding
      or of a CI not computed on the log scale).
    * From a p-value: ``z = Φ⁻¹(1 - p/2)``, ``sei = |log e| / z`` (Altman & Bland 2011, BMJ
      343:d2090). Impossible for ``e = 1`` or ``p = 1`` (``z = 0``): such a study is excluded.

    Parameters
    ----------
    estimate : sequence of float
        Ratio estimates (> 0), natural scale.
    lower, upper : sequence of float or None, optional
        CI bounds on the natural scale; ``None``/NaN where not reported.
    pval : sequence of float or None, optional
        Two-sided p-values in (0, 1].
    level : float
        Confidence level of the reported CIs, percent.
    measure : {"HR", "OR", "RR", "RATIO"}
    """
    measure = measure.upper()
    if measure not in RATIO_MEASURES:
        raise MetaInputError(
            f"measure: expected one of {', '.join(RATIO_MEASURES)}, got {measure!r}")
    z = critical_value(level)
    est = _vector("estimate", estimate)
    k = len(est)
    labels = _labels(study, k)
    nan = np.full(k, np.nan)
    lo = nan if lower is None else _vector("lower", lower, k, allow_nan=True)
    up = nan if upper is None else _vector("upper", upper, k, allow_nan=True)
    pv = nan if pval is None else _vector("pval", pval, k, allow_nan=True)
    for name, arr in (("estimate", est), ("lower", lo), ("upper", up)):
        bad = arr <= 0
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise MetaInputError(f"{name}[{i}] ({labels[i]}): expected a ratio > 0, got {arr[i]:g}")
    bad = (pv <= 0) | (pv > 1)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise MetaInputError(
            f"pval[{i}] ({labels[i]}): expected a p-value in (0, 1], got {pv[i]:g}")
    keep, yi, vi, notes, asym, source, excluded = [], [], [], [], [], [], []
    for i in range(k):
        le = np.log(est[i])
        if np.isfinite(lo[i]) and np.isfinite(up[i]):
            if not lo[i] <= est[i] <= up[i]:
                raise MetaInputError(f"lower[{i}], upper[{i}] ({labels[i]}): expected a CI that "
                                 f"contains the estimate {est[i]:g}, got [{lo[i]:g}, {up[i]:g}]")
            width = np.log(up[i]) - np.log(lo[i])
            if width <= 0:
                raise MetaInputError(f"lower[{i}], upper[{i}] ({labels[i]}): expected a CI of "
                                 f"positive width, got [{lo[i]:g}, {up[i]:g}]")
            a = abs((np.log(up[i]) - le) - (le - np.log(lo[i]))) / width
            note = (Note(f"CI asymmetric on the log scale ({a:.0%} of its width)",
                         ApproximationWarning) if a > asymmetry_tolerance else "")
            keep.append(i)
            yi.append(le)
            vi.append((width / (2 * z)) ** 2)
            asym.append(a)
            source.append("ci")
            notes.append(note)
        elif np.isfinite(pv[i]):
            zp = distributions.norm_isf(pv[i] / 2)
            if le == 0 or zp <= 0:
                excluded.append(Exclusion(labels[i], "SE not recoverable from the p-value: "
                                          "estimate 1 or p = 1 gives z = 0"))
                continue
            keep.append(i)
            yi.append(le)
            vi.append((abs(le) / zp) ** 2)
            asym.append(np.nan)
            source.append("pval")
            notes.append(Note(f"SE from the two-sided p-value {pv[i]:g} (z = {zp:.4g})",
                              ApproximationWarning))
        else:
            excluded.append(Exclusion(labels[i], "neither a complete CI nor a p-value"))
    return _table([labels[i] for i in keep], yi, vi, measure, notes, excluded,
                  {"se_source": source, "ci_asymmetry": asym})


# ---------------------------------------------------------------------------------------------
# median survival


def median_survival(median: Sequence[float], lower: Sequence[float | None] | None = None,
                    upper: Sequence[float | None] | None = None, *,
                    events: Sequence[float | None] | None = None, level: float = 95.0,
                    study: Sequence[str] | None = None,
                    asymmetry_tolerance: float = 0.25) -> EffectTable:
    """Log median survival (months) with its standard error.

    * From the CI (both bounds): ``sei = (log U - log L) / (2 z)`` with the exact normal
      quantile ``z = 1.959964`` for 95% (the rounded 1.96 differs by 2e-5 relative). This is an
      approximation from the CI width: a Brookmeyer & Crowley (1982, Biometrics 38:29) CI
      inverts a test on ``S(t)`` and is not a Wald interval on ``log median``, so it need not
      be symmetric on the log scale (a median equal to a bound is common). The asymmetry
      ``|(log U - log m) - (log m - log L)| / (log U - log L)`` is reported per study in
      ``extra["ci_asymmetry"]`` (NaN without a CI) and noted when above
      ``asymmetry_tolerance``, as for :func:`ratios`.
    * Without a CI, from the number of events ``d``: ``var(log median) ≈ 1 / (d (ln 2)²)``
      (≈ 2.08/d), flagged as approximate in the notes. This is the asymptotic variance of the
      Kaplan–Meier median under exponential survival: ``var(m̂) ≈ var(Ŝ(m)) / f(m)²`` (the
      standard error of a KM percentile, Collett 2015, *Modelling Survival Data in Medical
      Research*, 3rd ed., ch. 2; Brookmeyer & Crowley 1982) with ``var(Ŝ(m)) = S(1 - S)/n =
      1/(4n)`` without censoring, ``n`` replaced by ``d`` to allow for censoring (a heuristic),
      ``f(m) = λ/2`` and ``m = ln 2/λ``. ``1/d``, the variance of the log median of a *fitted
      exponential*, understates that of a reported KM median by about half; under censoring
      the empirical variance lies between the two, closer to ``1/(d (ln 2)²)`` (see
      tests/meta/test_effects_median_variance.py).
    * Otherwise the study is excluded with the reason (e.g. the median or the upper bound was
      not reached).

    Parameters
    ----------
    median : sequence of float
        Median survival times in months (> 0); ``None``/NaN if not reached.
    lower, upper : sequence of float or None, optional
        CI bounds (months); ``None``/NaN where not reported or not reached.
    events : sequence of int or None, optional
        Number of events (deaths/progressions) per study.
    level : float
        Confidence level of the CIs, percent.
    asymmetry_tolerance : float
        Log-scale CI asymmetry (fraction of the CI width) above which a note is written. Higher
        than for ratios (0.1): Brookmeyer–Crowley CIs are routinely asymmetric; in the bundled
        library the asymmetries jump from 0.18 to 0.27, and 0.25 flags the 17 of 36 CIs whose
        width-derived SE is clearly questionable.

    Returns
    -------
    EffectTable
        ``measure="MED"``; ``extra`` holds ``se_source`` (``"ci"`` or ``"events"``) and
        ``ci_asymmetry``.
    """
    z = critical_value(level)
    med = _vector("median", median, allow_nan=True)
    k = len(med)
    labels = _labels(study, k)
    nan = np.full(k, np.nan)
    lo = nan if lower is None else _vector("lower", lower, k, allow_nan=True)
    up = nan if upper is None else _vector("upper", upper, k, allow_nan=True)
    d = nan if events is None else _vector("events", events, k, allow_nan=True)
    for name, arr in (("median", med), ("lower", lo), ("upper", up)):
        if (arr <= 0).any():
            i = int(np.flatnonzero(arr <= 0)[0])
            raise MetaInputError(f"{name}[{i}] ({labels[i]}): expected months > 0, got {arr[i]:g}")
    bad = np.isfinite(d) & ((d < 0) | (d != np.round(d)))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise MetaInputError(
            f"events[{i}] ({labels[i]}): expected a whole number >= 0, got {d[i]:g}")
    keep, yi, vi, notes, source, asym, excluded = [], [], [], [], [], [], []
    for i in range(k):
        if not np.isfinite(med[i]):
            excluded.append(Exclusion(labels[i], "median not reached or not reported"))
            continue
        lm = np.log(med[i])
        if np.isfinite(lo[i]) and np.isfinite(up[i]):
            if not lo[i] <= med[i] <= up[i]:
                raise MetaInputError(f"lower[{i}], upper[{i}] ({labels[i]}): expected a CI that "
                                 f"contains the median {med[i]:g}, got [{lo[i]:g}, {up[i]:g}]")
            if up[i] <= lo[i]:
                raise MetaInputError(f"lower[{i}], upper[{i}] ({labels[i]}): expected a CI of "
                                 f"positive width, got [{lo[i]:g}, {up[i]:g}]")
            width = np.log(up[i]) - np.log(lo[i])
            a = abs((np.log(up[i]) - lm) - (lm - np.log(lo[i]))) / width
            note = (Note(f"CI asymmetric on the log scale ({a:.0%} of its width); SE "
                         "approximated from the CI width", ApproximationWarning)
                    if a > asymmetry_tolerance else "")
            keep.append(i)
            yi.append(lm)
            source.append("ci")
            notes.append(note)
            vi.append((width / (2 * z)) ** 2)
            asym.append(a)
        elif np.isfinite(d[i]) and d[i] > 0:
            keep.append(i)
            yi.append(lm)
            vi.append(1 / (d[i] * np.log(2) ** 2))
            source.append("events")
            asym.append(np.nan)
            notes.append(Note(f"approximate SE from {d[i]:g} events (KM median under an "
                              "exponential model, var = 1/(d ln²2))", ApproximationWarning))
        else:
            why = ("no complete CI (bound not reached or not reported) and no events"
                   if not (np.isfinite(d[i]) and d[i] == 0) else "no complete CI and 0 events")
            excluded.append(Exclusion(labels[i], why))
    return _table([labels[i] for i in keep], yi, vi, "MED", notes, excluded,
                  {"se_source": source, "ci_asymmetry": asym})


# ---------------------------------------------------------------------------------------------
# generic


def generic(yi: Sequence[float], vi: Sequence[float] | None = None, *,
            sei: Sequence[float] | None = None, study: Sequence[str] | None = None,
            measure: str = "GEN") -> EffectTable:
    """Effect sizes already on the analysis scale, with ``vi`` or ``sei`` (exactly one)."""
    if (vi is None) == (sei is None):
        raise MetaInputError("vi, sei: expected exactly one of vi or sei")
    y = _vector("yi", yi)
    labels = _labels(study, len(y))
    if vi is not None:
        v = _vector("vi", vi, len(y))
        name = "vi"
    else:
        s = _vector("sei", sei, len(y))
        name, v = "sei", s ** 2
        if (s <= 0).any():
            i = int(np.flatnonzero(s <= 0)[0])
            raise MetaInputError(f"sei[{i}] ({labels[i]}): expected a standard error > 0, "
                             f"got {s[i]:g}")
    if (v <= 0).any():
        i = int(np.flatnonzero(v <= 0)[0])
        raise MetaInputError(f"{name}[{i}] ({labels[i]}): expected a value > 0, got {v[i]:g}")
    return _table(labels, y, v, measure, [""] * len(y), ())
