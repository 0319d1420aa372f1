"""How well a reconstruction reproduces what was published (Guyot et al. 2012, "Validation").

Compares the Kaplan–Meier curve of the pseudo-IPD with the digitized points, and the
reconstructed N, events, median and numbers at risk with the reported ones. The KM estimate here
is the plain product-limit step function (Kaplan & Meier 1958, JASA 53:457); confidence intervals
and other analyses live in :mod:`extraction.survival` (re-exported by :mod:`meta.survival`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from extraction.km.guyot import Reconstruction
from extraction.survival import kaplan_meier


@dataclass(frozen=True)
class KMStep:
    """A right-continuous KM step function: ``S(t) = surv[i]`` for ``time[i] <= t < time[i+1]``.

    ``time[0] == 0`` and ``surv[0] == 1``; jumps at the distinct event times.
    """

    time: np.ndarray
    surv: np.ndarray

    def __call__(self, t) -> np.ndarray:
        """Evaluate at times ``t`` (months)."""
        idx = np.searchsorted(self.time, np.asarray(t, dtype=float), side="right") - 1
        return self.surv[np.maximum(idx, 0)]

    def median(self) -> float:
        """Smallest t with S(t) <= 0.5 (NaN if never reached); exact 0.5 plateaus as R survfit.

        R's rule (survival::survmean): when S equals 0.5 on a plateau, the median is the midpoint
        of the plateau's start and the next event time.
        """
        tol = np.sqrt(np.finfo(float).eps)
        hit = np.flatnonzero(self.surv < 0.5 + tol)
        if hit.size == 0:
            return float("nan")
        i = int(hit[0])
        if abs(self.surv[i] - 0.5) < tol and i + 1 < self.time.size:
            return float((self.time[i] + self.time[i + 1]) / 2)
        return float(self.time[i])


def km_step(time: np.ndarray, event: np.ndarray) -> KMStep:
    """Product-limit step function (Kaplan & Meier 1958) of right-censored data.

    The drops of :func:`extraction.survival.kaplan_meier`, hccmeta's one Kaplan–Meier.

    Parameters
    ----------
    time : numpy.ndarray
        Follow-up times (months).
    event : numpy.ndarray
        1 event, 0 censored.
    """
    if np.asarray(time).size == 0:
        return KMStep(np.zeros(1), np.ones(1))
    fit = kaplan_meier(time, event)
    has = fit.n_event > 0
    return KMStep(np.concatenate(([0.0], fit.time[has])), np.concatenate(([1.0], fit.surv[has])))


def _digitized_median(t: np.ndarray, s: np.ndarray) -> float:
    """First digitized time with survival <= 0.5 (the step curve's median), NaN if none."""
    hit = np.flatnonzero(s <= 0.5)
    return float(t[hit[0]]) if hit.size else float("nan")


@dataclass(frozen=True)
class KMDiagnostics:
    """Reconstructed versus published: the numbers a reviewer checks.

    Attributes
    ----------
    case : str
        Information case of the reconstruction.
    scale : str
        Detected survival scale of the input (``proportion`` or ``percent``).
    n_reported, n_reconstructed : int
        Patients.
    events_reported : int or None
        Reported total events.
    events_reconstructed : int
        Events in the pseudo-IPD.
    median_digitized : float
        First digitized time with survival <= 0.5 (months; NaN if not reached).
    median_reconstructed : float
        Median of the pseudo-IPD KM, R survfit's rule (months; NaN if not reached).
    median_reported : float or None
        Reported median, if given.
    max_abs_dev, mean_abs_dev : float
        max and mean of |KM_pseudo-IPD(t_k) − S_k| over the preprocessed digitized points.
    max_moved, mean_moved : float
        How far preprocessing moved the clicks (proportion scale).
    risk_time, risk_published, risk_reconstructed : numpy.ndarray
        Numbers at risk, published and in the pseudo-IPD (patients with time >= T).
    points_time, points_survival, points_fitted : numpy.ndarray
        Digitized (preprocessed) points and the pseudo-IPD KM at their times.
    km : KMStep
        The pseudo-IPD KM curve.
    notes : tuple of str
        Adjustments and unmet targets, from the reconstruction.
    """

    case: str
    scale: str
    n_reported: int
    n_reconstructed: int
    events_reported: int | None
    events_reconstructed: int
    median_digitized: float
    median_reconstructed: float
    median_reported: float | None
    max_abs_dev: float
    mean_abs_dev: float
    max_moved: float
    mean_moved: float
    risk_time: np.ndarray
    risk_published: np.ndarray
    risk_reconstructed: np.ndarray
    points_time: np.ndarray
    points_survival: np.ndarray
    points_fitted: np.ndarray
    km: KMStep
    notes: tuple[str, ...]

    def summary_lines(self) -> list[str]:
        """Human-readable lines (for the CLI)."""
        ev = (f"{self.events_reconstructed} (reported {self.events_reported})"
              if self.events_reported is not None else f"{self.events_reconstructed}")
        med = f"{self.median_reconstructed:.3g} (digitized {self.median_digitized:.3g}"
        med += f", reported {self.median_reported:g})" if self.median_reported is not None else ")"
        lines = [
            f"case: {self.case}; survival read as {self.scale}",
            f"N: {self.n_reconstructed} (reported {self.n_reported}); events: {ev}",
            f"median: {med} months",
            f"KM vs digitized points: max |dS| {self.max_abs_dev:.4f}, mean "
            f"{self.mean_abs_dev:.4f}; preprocessing moved points by max {self.max_moved:.4f}",
        ]
        if self.risk_time.size > 1:
            pairs = ", ".join(f"{t:g}: {p}/{r}" for t, p, r in zip(
                self.risk_time, self.risk_published, self.risk_reconstructed, strict=True))
            lines.append(f"at risk (time: published/reconstructed): {pairs}")
        lines.extend(f"note: {note}" for note in self.notes)
        return lines


def diagnose(rec: Reconstruction, median_reported: float | None = None) -> KMDiagnostics:
    """Compare a :class:`Reconstruction` with its inputs.

    Parameters
    ----------
    rec : Reconstruction
    median_reported : float, optional
        The paper's median (months), shown beside the reconstructed one.
    """
    km = km_step(rec.time, rec.event)
    pt, ps = rec.curve.time, rec.curve.survival
    fitted = km(pt)
    dev = np.abs(fitted - ps)
    sorted_t = rec.time  # sorted by construction
    at_risk = sorted_t.size - np.searchsorted(sorted_t, rec.risk_time, side="left")
    return KMDiagnostics(
        case=rec.case, scale=rec.curve.scale, n_reported=rec.n, n_reconstructed=rec.time.size,
        events_reported=rec.events_reported, events_reconstructed=rec.n_events,
        median_digitized=_digitized_median(pt, ps), median_reconstructed=km.median(),
        median_reported=median_reported, max_abs_dev=float(dev.max()),
        mean_abs_dev=float(dev.mean()), max_moved=rec.curve.max_moved,
        mean_moved=rec.curve.mean_moved, risk_time=rec.risk_time,
        risk_published=rec.risk_published, risk_reconstructed=at_risk.astype(int),
        points_time=pt, points_survival=ps, points_fitted=fitted, km=km, notes=rec.notes)
