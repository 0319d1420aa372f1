"""Reconstructed versus reported: N, events, median and HR from the pseudo-IPD of digitized curves.

Check ids: ``km-events``, ``km-median``, ``km-hr`` (warnings). The reported N is checked
against the risk table by ``risk-start``; the pseudo-IPD has N patients by construction. Uses
:mod:`extraction.km` (Guyot et al. 2012, BMC Med Res Methodol 12:9) when it is installed; curves
that the km package rejects are skipped here (``curves.py`` reports why).

Tolerances (heuristics for digitization error, not statistical tests): events within
``max(1, 5% of D)``; the median within ``max(5% of the median, half a unit of its last printed
digit, the median's distance to the nearest digitized click)``; the HR of the reconstructed arms
(Cox, Breslow ties) inside the reported CI, or within 10% on the log scale when no CI is given.
"""

from __future__ import annotations

import math
from typing import Any

from extraction.audit.findings import Finding, make
from extraction.audit.precision import fmt, half_unit
from extraction.loader import StudyRecord
from extraction.schema_entries import Curve, to_months

Path_ = tuple[str | int, ...]


def available() -> bool:
    """True when :mod:`extraction.km` offers ``reconstruct_km`` and ``diagnose``."""
    try:
        from extraction.km import diagnose, reconstruct_km  # noqa: F401
    except ImportError:
        return False
    return True


def cox_hr_binary(time: Any, event: Any, group: Any) -> float:
    """Hazard ratio of ``group == 1`` vs ``0`` by Cox partial likelihood with Breslow ties.

    Cox 1972 (JRSS B 34:187), Breslow 1974 (Biometrics 30:89): hccmeta's one Cox fit,
    :func:`extraction.survival.cox_hr` (R's ``coxph`` defaults to Efron ties; with few ties the
    two agree closely).
    """
    from extraction.survival import cox_hr

    return cox_hr(time, event, group, ties="breslow").hr


def _reconstruct(record: StudyRecord, curve: Curve, n: int, events: int | None) -> Any:
    """(Reconstruction, diagnostics) or None when the km package rejects the inputs."""

    from extraction.curve_units import curve_in_months
    from extraction.km import KMInputError, reconstruct_km

    try:
        dc, risk = curve_in_months(record, curve)
        return reconstruct_km(dc, n, risk, events)
    except (KMInputError, ValueError, ArithmeticError):  # shown as curve-read by curves.check
        return None


def _reported(record: StudyRecord, curve: Curve) -> tuple[int | None, Any]:
    """Reported (events, (path, time-to-event entry)) for the curve's endpoint and arm."""
    matches = [(i, t) for i, t in enumerate(record.study.outcomes.time_to_event)
               if t.endpoint == curve.endpoint and t.arm == curve.arm]
    if len(matches) > 1:  # the arm as allocated, not a subset (population: ...)
        matches = [(i, t) for i, t in matches if getattr(t, "population", None) is None]
    entry = matches[0] if len(matches) == 1 else None
    events = curve.total_events
    if events is None and entry is not None:
        events = entry[1].events
    return events, entry


def _check_curve(record: StudyRecord, k: int, curve: Curve, rec: Any) -> list[Finding]:
    from extraction.km import diagnose

    out: list[Finding] = []
    path = ("curves", k)
    events, entry = _reported(record, curve)
    median_reported = entry[1].in_months("median") if entry else None
    diag = diagnose(rec, median_reported)
    if events is not None:
        # with a risk table, compare D with a reconstruction that does not use D (curve and
        # risk table alone); without one, D is needed and only an unattainable D shows
        free = _reconstruct(record, curve, rec.n, None) if rec.risk_time.size > 1 else rec
        got = int(free.n_events) if free is not None else diag.events_reconstructed
        if abs(got - events) > max(1, 0.05 * events):
            out.append(make(record, "km-events", (*path, "file"), f"expected about {events} "
                            f"events (reported), got {got} from the curve and risk table",
                            {"events": events, "events_reconstructed": got}))
    if entry is not None:
        i, tte = entry
        mpath = ("outcomes", "time_to_event", i, "median")
        rec_median = diag.median_reconstructed
        if median_reported is not None and not math.isnan(rec_median):
            near = float(min(abs(diag.points_time - median_reported))) if len(
                diag.points_time) else 0.0
            tol = max(0.05 * median_reported, half_unit(record, mpath, tte.median)
                      * (to_months(1.0, tte.unit) or 1.0), near)
            if abs(rec_median - median_reported) > tol:
                out.append(make(record, "km-median", mpath, f"expected the reconstructed median "
                                f"within {fmt(tol)} months of {fmt(median_reported)}, got "
                                f"{fmt(rec_median)} (curves[{k}])",
                                {"median": median_reported, "median_reconstructed": rec_median},
                                related=((*path, "file"),)))
        elif (median_reported is None) != math.isnan(rec_median) and tte.median is not None:
            out.append(make(record, "km-median", mpath, f"expected the reconstructed median to "
                            f"agree with {fmt(tte.median)}, got {fmt(rec_median)} "
                            f"(curves[{k}])", {"median_reconstructed": rec_median},
                            related=((*path, "file"),)))
    return out


def _check_hr(record: StudyRecord, pseudo: dict[tuple[str, str], Any]) -> list[Finding]:
    import numpy as np

    out = []
    for i, c in enumerate(record.study.contrasts):
        a, b = pseudo.get((c.endpoint, c.arm)), pseudo.get((c.endpoint, c.reference))
        if c.measure != "hr" or a is None or b is None:
            continue
        hr = cox_hr_binary(np.concatenate([a.time, b.time]), np.concatenate([a.event, b.event]),
                           np.concatenate([np.ones(a.time.size), np.zeros(b.time.size)]))
        lo, hi = (c.ci_lower, c.ci_upper) if c.ci_lower and c.ci_upper else (
            c.estimate / math.exp(0.1), c.estimate * math.exp(0.1))
        if not lo <= hr <= hi:
            out.append(make(record, "km-hr", ("contrasts", i, "estimate"),
                            f"expected the HR of the reconstructed arms in [{fmt(lo)}, "
                            f"{fmt(hi)}], got {hr:.3f} (Cox, Breslow ties)",
                            {"estimate": c.estimate, "hr_reconstructed": hr}))
    return out


def check(records: list[StudyRecord]) -> list[Finding]:
    """Reconstruction checks of every digitized curve of ``records``."""
    out: list[Finding] = []
    for record in records:
        pseudo: dict[tuple[str, str], Any] = {}
        for k, curve in enumerate(record.study.curves):
            try:
                n = record.study.arm(curve.arm).n
            except KeyError:
                continue
            rec = _reconstruct(record, curve, n, _reported(record, curve)[0])
            if rec is None:
                continue
            pseudo[(curve.endpoint, curve.arm)] = rec
            out += _check_curve(record, k, curve, rec)
        out += _check_hr(record, pseudo)
    return out
