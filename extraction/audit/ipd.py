"""Reported numbers versus the patient-level data (IPD) attached to their arm.

Check ids: ``ipd-n`` (error: the IPD holds as many patients as the arm's n or n_analysed),
``ipd-events``, ``ipd-median``, ``ipd-median-ci``, ``ipd-landmark`` and ``ipd-hr`` (warnings).
Each finding is located at the reported number (the arm's ``n``, the time-to-event entry's
``events``, ``median``, ``ci_lower``/``ci_upper``, a landmark's ``percent``, the contrast's
``estimate``) and names the IPD entry as related, so a recorded conflict on either side turns an
error into a warning. Statistics come from :mod:`extraction.survival`, hccmeta's one
Kaplan–Meier (Greenwood SE) and one Cox (Efron ties, as R survival 3.5), re-exported by
``meta.survival``; imported only when a file has IPD.

IPD attached to published trials is usually *reconstructed* from the KM figure (Guyot 2012;
Wei & Royston 2017), so it carries digitization error. Tolerances (stated, not tests):

* N: exact (the reconstruction starts from the number at risk at time 0);
* events: ``max(1, 2% of the reported D)``;
* median and each CI bound: ``max(half a unit of the printed digit, 5% of the reported value)``;
  a CI bound agrees if it is within tolerance of the IPD's bound with either the log (R
  ``survfit``) or the log-log transform (SAS ``LIFETEST``, Brookmeyer & Crowley 1982), since
  papers rarely say which they used;
* landmark survival: ``max(half a unit of the printed digit, 3 percentage points)``;
* HR: ``|log HR_IPD − log HR_reported| <= max(0.05, rounding of the printed HR)`` — an
  unstratified Cox on reconstructed data versus the paper's (often stratified) model.
"""

from __future__ import annotations

import math
from typing import Any

from extraction.audit.findings import Finding, make
from extraction.audit.precision import fmt, half_unit
from extraction.ipd import IpdInputError, arm_size_problem, load_ipd
from extraction.loader import StudyRecord
from extraction.schema_entries import Ipd, TimeToEvent, to_months

Path_ = tuple[str | int, ...]

EVENTS_TOLERANCE = 0.02
MEDIAN_TOLERANCE = 0.05
LANDMARK_TOLERANCE_POINTS = 3.0
LOG_HR_TOLERANCE = 0.05


def _fits(time: Any, event: Any) -> dict[str, Any]:
    from extraction.survival import kaplan_meier

    return {ct: kaplan_meier(time, event, conf_type=ct) for ct in ("log", "log-log")}


def _entry(record: StudyRecord, ipd: Ipd) -> tuple[int, TimeToEvent] | None:
    """The reported time-to-event entry of the IPD's arm and endpoint (the arm as allocated)."""
    matches = [(i, t) for i, t in enumerate(record.study.outcomes.time_to_event)
               if t.endpoint == ipd.endpoint and t.arm == ipd.arm]
    if len(matches) > 1:
        matches = [(i, t) for i, t in matches if t.population is None]
    return matches[0] if len(matches) == 1 else None


def _label(k: int, ipd: Ipd) -> str:
    shown = f"{ipd.file}" + (f" arm {ipd.arm_in_file!r}" if ipd.arm_in_file else "")
    return f"ipd[{k}], {shown}"


def _check_n(record: StudyRecord, k: int, ipd: Ipd, n_ipd: int) -> list[Finding]:
    for j, arm in enumerate(record.study.arms):
        if arm.id != ipd.arm:
            continue
        problem = arm_size_problem(n_ipd, arm.n, arm.n_analysed)
        if problem is None:
            return []
        return [make(record, "ipd-n", ("arms", j, "n"), f"{problem} ({_label(k, ipd)})",
                     {"n": arm.n, "n_ipd": n_ipd}, related=(("ipd", k, "file"),))]
    return []


def _check_events(record: StudyRecord, k: int, ipd: Ipd, i: int, tte: TimeToEvent,
                  d_ipd: int) -> list[Finding]:
    if tte.events is None:
        return []
    tol = max(1.0, EVENTS_TOLERANCE * tte.events)
    if abs(d_ipd - tte.events) <= tol:
        return []
    return [make(record, "ipd-events", ("outcomes", "time_to_event", i, "events"),
                 f"expected about {tte.events} events (reported, tolerance {fmt(tol)}), got "
                 f"{d_ipd} in the IPD ({_label(k, ipd)})",
                 {"events": tte.events, "events_ipd": d_ipd}, related=(("ipd", k, "file"),))]


def _tolerance(record: StudyRecord, path: Path_, value: float | str, months: float,
               unit: str) -> float:
    return max(half_unit(record, path, value if isinstance(value, float) else None)
               * (to_months(1.0, unit) or 1.0), MEDIAN_TOLERANCE * months)


def _check_median(record: StudyRecord, k: int, ipd: Ipd, i: int, tte: TimeToEvent,
                  fits: dict[str, Any]) -> list[Finding]:
    from extraction.survival import median_survival

    out: list[Finding] = []
    base: Path_ = ("outcomes", "time_to_event", i)
    medians = {ct: median_survival(fit) for ct, fit in fits.items()}
    est = medians["log"].estimate
    if tte.median is not None:
        reported = tte.in_months("median")
        path = (*base, "median")
        if reported is None or math.isnan(est):
            if (reported is None) != math.isnan(est):
                out.append(make(record, "ipd-median", path, f"expected the IPD median to agree "
                                f"with {fmt(tte.median)}, got {fmt(est)} ({_label(k, ipd)})",
                                {"median_ipd": est}, related=(("ipd", k, "file"),)))
        else:
            tol = _tolerance(record, path, tte.median, reported, tte.unit)
            if abs(est - reported) > tol:
                out.append(make(record, "ipd-median", path, f"expected the IPD's KM median "
                                f"within {fmt(tol)} months of {fmt(reported)}, got {est:.2f} "
                                f"({_label(k, ipd)})", {"median": reported, "median_ipd": est},
                                related=(("ipd", k, "file"),)))
    for name, attr in (("ci_lower", "lower"), ("ci_upper", "upper")):
        value = getattr(tte, name)
        reported = tte.in_months(name)
        if value is None or reported is None:
            continue
        path = (*base, name)
        tol = _tolerance(record, path, value, reported, tte.unit)
        bounds = [getattr(m, attr) for m in medians.values()]
        if any(not math.isnan(b) and abs(b - reported) <= tol for b in bounds):
            continue
        shown = " (log) / ".join(fmt(round(b, 2)) if not math.isnan(b) else "NE"
                                 for b in bounds) + " (log-log)"
        out.append(make(record, "ipd-median-ci", path, f"expected the IPD's median CI bound "
                        f"within {fmt(tol)} months of {fmt(reported)}, got {shown} "
                        f"({_label(k, ipd)})", {name: reported, f"{name}_ipd": bounds[0]},
                        related=(("ipd", k, "file"),)))
    return out


def _check_landmarks(record: StudyRecord, k: int, ipd: Ipd, i: int, tte: TimeToEvent,
                     fit: Any) -> list[Finding]:
    from extraction.survival import landmark_survival

    out = []
    for j, lm in enumerate(tte.landmarks):
        months = to_months(lm.time, tte.unit)
        assert months is not None
        got = float(landmark_survival(fit, [months]).surv[0]) * 100
        path = ("outcomes", "time_to_event", i, "landmarks", j, "percent")
        tol = max(half_unit(record, path, lm.percent), LANDMARK_TOLERANCE_POINTS)
        if math.isnan(got):
            message = (f"expected IPD follow-up to reach {fmt(months)} months for the reported "
                       f"{fmt(lm.percent)}%, got none ({_label(k, ipd)})")
        elif abs(got - lm.percent) > tol:
            message = (f"expected the IPD's KM survival at {fmt(months)} months within "
                       f"{fmt(tol)} points of {fmt(lm.percent)}%, got {got:.1f}% "
                       f"({_label(k, ipd)})")
        else:
            continue
        out.append(make(record, "ipd-landmark", path, message,
                        {"percent": lm.percent, "percent_ipd": got},
                        related=(("ipd", k, "file"),)))
    return out


def _check_hr(record: StudyRecord, data: dict[tuple[str, str], tuple[int, Any, Any]]
              ) -> list[Finding]:
    import numpy as np

    from extraction.survival import cox_hr

    out = []
    for i, c in enumerate(record.study.contrasts):
        a, b = data.get((c.endpoint, c.arm)), data.get((c.endpoint, c.reference))
        if c.measure != "hr" or a is None or b is None:
            continue
        cox = cox_hr(np.concatenate([a[1], b[1]]), np.concatenate([a[2], b[2]]),
                     np.concatenate([np.ones(a[1].size), np.zeros(b[1].size)]))
        path = ("contrasts", i, "estimate")
        raw = record.raw_text(*path)
        rounding = half_unit(record, path, c.estimate) / c.estimate if raw else 0.0
        tol = max(LOG_HR_TOLERANCE, rounding)
        if abs(math.log(cox.hr) - math.log(c.estimate)) > tol:
            out.append(make(record, "ipd-hr", path, f"expected the Cox HR of the IPD arms "
                            f"within {tol:.3f} of log({fmt(c.estimate)}), got {cox.hr:.3f} "
                            f"({cox.lower:.3f} to {cox.upper:.3f}; unstratified, Efron ties; "
                            f"ipd[{a[0]}] vs ipd[{b[0]}])",
                            {"estimate": c.estimate, "hr_ipd": cox.hr},
                            related=(("ipd", a[0], "file"), ("ipd", b[0], "file"))))
    return out


def check(record: StudyRecord) -> list[Finding]:
    """Every reported-versus-IPD check of one study file (reads its IPD CSVs)."""
    if not record.study.ipd:
        return []
    out: list[Finding] = []
    data: dict[tuple[str, str], tuple[int, Any, Any]] = {}
    for k, ipd in enumerate(record.study.ipd):
        try:
            time, event = load_ipd(record, ipd)
        except IpdInputError:
            continue  # ``hccmeta validate`` reports it; an invalid file is never audited
        data[(ipd.endpoint, ipd.arm)] = (k, time, event)
        out += _check_n(record, k, ipd, int(time.size))
        found = _entry(record, ipd)
        if found is None:
            continue
        i, tte = found
        fits = _fits(time, event)
        out += _check_events(record, k, ipd, i, tte, int(event.sum()))
        out += _check_median(record, k, ipd, i, tte, fits)
        out += _check_landmarks(record, k, ipd, i, tte, fits["log"])
    return out + _check_hr(record, data)
