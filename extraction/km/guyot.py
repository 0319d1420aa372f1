"""Pseudo-IPD from a digitized Kaplan–Meier curve: the algorithm of Guyot et al. (2012).

Guyot P, Ades AE, Ouwens MJNM, Welton NJ. Enhanced secondary analysis of survival data:
reconstructing the data from published Kaplan–Meier survival curves. BMC Med Res Methodol
2012;12:9. doi:10.1186/1471-2288-12-9.

Per risk-table interval [T_j, T_{j+1}) with n_j at risk (their "Step 1"–"Step 6"):

* first guess of censorings ``c = round(n_j S(T_{j+1}) / S(T_j) − n_{j+1})`` (Step 1);
* ``c`` censoring times spread over the interval (Step 2: evenly in time; here evenly in the
  area under the curve, see below);
* walking the digitized points, events ``d_k = round(n_k (1 − S_k / Ŝ_last))`` where Ŝ_last is
  the reconstructed KM at the last point with an event, ``Ŝ_k = Ŝ_last (1 − d_k / n_k)`` and
  ``n_{k+1} = n_k − d_k − c_k`` (Steps 3–4);
* ``c`` is corrected by the mismatch of the reconstructed and published number at risk at
  T_{j+1} until they agree (Step 5);
* in the last interval, censoring continues at the average rate of the earlier intervals, or,
  when total events D are reported, the last interval's censorings are adjusted until the
  reconstructed events equal D ("last interval" paragraph of their Methods).

Without a risk table the whole curve is one (last) interval. Guyot: N only means no censoring
before the end of follow-up; N and D means censoring adjusted to reproduce D. Here censorings
follow potential follow-up uniform on [a, τ] (staggered entry; :mod:`extraction.km.censoring`):
with D, a solves expected events = D (then shrunk 10 %); with N only, a is a prior fraction of
τ, the events it implies are used, and the range of event counts the curve allows is reported
with a warning.

Differences from the published R code and from IPDfromKM (Liu et al. 2021, BMC Med Res Methodol
21:111). For robustness, not changing the result where those work:

* a point is inserted at every risk time (the step curve's value there), so every interval has
  a digitized point and intervals with zero or one click are handled;
* the search for ``c`` is bracketed (Guyot's update, scaled by the expected slope, falling back
  to bisection), so it cannot oscillate, and it stays in [0, n_j − n_{j+1}];
* counts never go negative; a curve at 0, risk counts reaching 0 and points beyond the last
  risk time are handled; when the published numbers cannot be met exactly (an inconsistent risk
  table) the closest count is kept and the pseudo-IPD stays internally consistent (the
  reconstructed numbers at risk are reported beside the published ones).

For accuracy, changing the result (each measured in benchmarks/bench_km_reconstruction.py):

* clicks are read as a curve drawn through them: sloped gaps between clicks get points
  (:func:`~extraction.km.preprocess.densify`), instead of putting a whole gap's drop at its
  later click; ``interpolate=False`` restores Guyot's reading;
* censorings are spread evenly in the area under the curve, not in time
  (:func:`censor_times`): with Guyot's own assumption (potential censoring times uniform over
  the interval) only survivors can be censored, so censorings are denser where S is higher.
  Evenly in time puts them too late, which keeps too many at risk at the events and rounds to
  too many events (+0.5 per simulated arm); the total-events adjustment then removed that
  surplus before the third follow-up quartile, lifting the curve there (median |ΔS| at Q3
  0.0021 → 0.0017 in the benchmark);
* when several ``c`` meet n_{j+1} (one more censoring, one fewer event), the one whose KM fits
  the points best is kept, not the smallest (which biases events upwards);
* in the last interval, Guyot's censoring rate per month, a rate per person-month at risk and
  (with D) Guyot's D-matching count are all tried; the one whose KM fits best after meeting D
  is kept;
* each event is dated where the line through the clicks crosses its mid-level
  (:func:`~extraction.km.events.event_times`), not at the first densified point below it (late
  by up to a point spacing, which delayed the KM median on slowly falling curves);
* D is met exactly by swapping events and censorings at the same time where that harms the fit
  least (:func:`~extraction.km.events.match_events`): the numbers at risk at every risk time
  are unchanged. Guyot's last-interval adjustment alone cannot absorb the rounding surplus of
  earlier intervals when few patients remain, and never forces the last interval's events to 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from extraction.km.censoring import (
    FOLLOW_UP_SHRINK,
    MIN_FOLLOW_UP_FRACTION,
    area_from,
    event_range,
    follow_up_start,
    implied_events,
)
from extraction.km.data import MAX_N, RiskTable
from extraction.km.errors import KMInputError
from extraction.km.events import event_times, match_events, sse
from extraction.km.preprocess import PreprocessedCurve, densify
from extraction.km.walk import Walk, censor_times, search_censored, walk_points

CASES = {
    (True, True): "risk table + total events",
    (True, False): "risk table only",
    (False, True): "total events only",
    (False, False): "N only",
}


@dataclass(frozen=True)
class Reconstruction:
    """Pseudo-IPD and the per-point bookkeeping of the reconstruction.

    Attributes
    ----------
    time : numpy.ndarray
        Pseudo-IPD times (months), sorted; one per patient, ``len(time) == n``.
    event : numpy.ndarray
        1 event, 0 censored (int).
    case : str
        Which information was used: one of :data:`CASES` values.
    n : int
        Reported number of patients.
    events_reported : int or None
        Reported total events, if given.
    point_time, point_survival : numpy.ndarray
        The points the algorithm walked: the preprocessed curve plus a point at each risk time.
    point_events, point_censored, point_n_risk : numpy.ndarray
        Reconstructed events at, censorings after, and number at risk at each point.
    risk_time, risk_published : numpy.ndarray
        Risk table used (with (0, N) prepended when missing); a single (0, N) row without one.
    curve : PreprocessedCurve
        The preprocessed curve.
    notes : tuple of str
        What was adjusted or could not be met, in words.
    events_range : tuple of int or None
        N only (no risk table, no total events): the event counts the curve allows, from
        follow-up spread evenly from time 0 to no censoring before the end
        (:func:`~extraction.km.censoring.event_range`); ``None`` otherwise.
    """

    time: np.ndarray
    event: np.ndarray
    case: str
    n: int
    events_reported: int | None
    point_time: np.ndarray
    point_survival: np.ndarray
    point_events: np.ndarray
    point_censored: np.ndarray
    point_n_risk: np.ndarray
    risk_time: np.ndarray
    risk_published: np.ndarray
    curve: PreprocessedCurve
    notes: tuple[str, ...] = ()
    events_range: tuple[int, int] | None = None

    @property
    def n_events(self) -> int:
        """Reconstructed total events."""
        return int(self.event.sum())


def _whole(x) -> bool:
    """True for an int or a float with an integer value (not bool, NaN or inf)."""
    if isinstance(x, bool):
        return False
    try:
        return float(x).is_integer()
    except (TypeError, ValueError, OverflowError):
        return False


def _augment(t: np.ndarray, s: np.ndarray, rt: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Add a point at each risk time with the step curve's value there (flat beyond the end)."""
    idx = np.searchsorted(t, rt, side="right") - 1
    missing = t[idx] != rt
    if not missing.any():
        return t, s
    t2 = np.concatenate((t, rt[missing]))
    s2 = np.concatenate((s, s[idx[missing]]))
    order = np.argsort(t2, kind="stable")
    return t2[order], s2[order]


def _risk(risk: RiskTable | None, n: int, notes: list[str]) -> tuple[np.ndarray, np.ndarray]:
    if risk is None or not risk.informative:
        if risk is not None and int(risk.n_risk[0]) != n:
            raise KMInputError(f"expected {n} at risk at time 0 (as --n), got "
                               f"{int(risk.n_risk[0])}", "n_risk", risk.source)
        return np.array([0.0]), np.array([n])
    rt = np.asarray(risk.time, dtype=float)
    rn = np.asarray(risk.n_risk, dtype=float).astype(int)
    if rt[0] > 0:
        if rn[0] > n:
            raise KMInputError(f"expected numbers at risk <= N = {n}, got {rn[0]} at time "
                               f"{rt[0]:g}", "n_risk", risk.source)
        rt, rn = np.concatenate(([0.0], rt)), np.concatenate(([n], rn))
        notes.append(f"risk table has no time 0: ({n} at 0) assumed from N")
    elif rn[0] != n:
        raise KMInputError(f"expected {n} at risk at time 0 (as --n), got {rn[0]}", "n_risk",
                           risk.source)
    zero = np.flatnonzero(rn == 0)
    if zero.size and zero[0] + 1 < rn.size:
        rt, rn = rt[: zero[0] + 1], rn[: zero[0] + 1]
    return rt, rn


def reconstruct(curve: PreprocessedCurve, n: int, risk: RiskTable | None = None,
                events: int | None = None, interpolate: bool = True) -> Reconstruction:
    """Reconstruct pseudo-IPD from a preprocessed curve (Guyot et al. 2012; see module notes).

    Parameters
    ----------
    curve : PreprocessedCurve
        From :func:`extraction.km.preprocess.preprocess`.
    n : int
        Patients in the arm (N >= 1).
    risk : RiskTable, optional
        Published numbers at risk; ``None`` or a single row at time 0 means none.
    events : int, optional
        Reported total events D (0 <= D <= N).
    interpolate : bool
        Read the curve as drawn through the clicks: sloped segments between clicks get points
        every ``max(1.5/N, 0.003)`` of survival (:func:`~extraction.km.preprocess.densify`).
        ``False`` is Guyot's reading (each click's drop happens at the click).

    Returns
    -------
    Reconstruction

    Raises
    ------
    KMInputError
        N < 1 or N > :data:`MAX_N`, D outside [0, N], or a risk table inconsistent with N.
    """
    if not _whole(n) or n < 1:
        raise KMInputError(f"expected a whole number >= 1, got {n}", "n")
    if n > MAX_N:
        raise KMInputError(f"expected at most {MAX_N:,} patients per arm, got {int(n):,}", "n",
                           hint="a larger N is a typing slip (check the zeros); the "
                           "reconstruction's time and memory grow with N")
    n = int(n)
    if events is not None:
        if not _whole(events) or not 0 <= events <= n:
            raise KMInputError(f"expected a whole number of events in 0..{n} (N), got {events}",
                               "events")
        events = int(events)
    notes: list[str] = []
    rt, rn = _risk(risk, n, notes)
    t, s = np.asarray(curve.time), np.asarray(curve.survival)
    top = s if curve.top is None else np.asarray(curve.top)
    if rn[-1] == 0 and t[-1] > rt[-1]:
        notes.append(f"{int((t > rt[-1]).sum())} point(s) after time {rt[-1]:g} dropped: "
                     "nobody is at risk there")
        keep = t <= rt[-1]
        t, s, top = t[keep], s[keep], top[keep]
    if rt[-1] > t[-1]:
        notes.append(f"curve ends at {t[-1]:g} before the last risk time {rt[-1]:g}: "
                     "extended flat")
    orig_t, orig_top = t, top
    if interpolate:
        t, s = densify(t, s, top, max(1.5 / n, 0.003))
    t, s = _augment(t, s, rt)
    m = t.size
    lo = [*np.searchsorted(t, rt, side="left").tolist(), m]
    sl = s.tolist()
    d = np.zeros(m, dtype=int)
    cen = np.zeros(m, dtype=int)
    n_pt = np.zeros(m, dtype=int)
    cen_times: list[np.ndarray] = []
    n_cur, km = n, 1.0
    n_int = rt.size
    # area under the step curve from 0 to each point (survival × months), for censor_times
    area_all = np.concatenate(([0.0], np.cumsum(s[:-1] * np.diff(t))))
    reported, events_range = events, None
    if n_int == 1:  # no risk table: potential follow-up uniform on [a0, end] (censoring.py)
        if events is None:
            events_range = event_range(t, s, n)
            a0 = MIN_FOLLOW_UP_FRACTION * float(t[m - 1])
            events = implied_events(t, s, n, a0)
            notes.append(f"N only: total events unknown; the curve allows {events_range[0]}"
                         f"..{events_range[1]} (follow-up spread evenly from time 0 .. nobody "
                         f"censored before the end); {events} used (minimum follow-up assumed "
                         f"{MIN_FOLLOW_UP_FRACTION:g} of the longest): give --events or --risk")
        else:
            a0 = FOLLOW_UP_SHRINK * follow_up_start(t, s, n, events)
        if a0 > 0:
            area_all = area_from(t, s, a0)
    closed_cens = 0
    extra_c = taken_c = np.zeros(m, dtype=int)

    for j in range(n_int):
        a, b = lo[j], lo[j + 1]
        closed = j + 1 < n_int
        t_a = float(t[a])
        t_b = float(t[b]) if closed else float(t[m - 1])
        pts = t[a:b]
        n0, km0 = n_cur, km

        memo: dict[int, Walk] = {}
        s_seg = sl[a:b]
        end = b + 1 if closed else m  # the knots t[a..end): the interval's points and its end
        knots, area = t[a:end], area_all[a:end]

        def run(c: int, a=a, b=b, t_a=t_a, pts=pts, n0=n0, km0=km0, memo=memo,
                s_seg=s_seg, knots=knots, area=area) -> Walk:
            if c in memo:
                return memo[c]
            if c > 0:
                ct = censor_times(c, knots, area)
                grp = np.searchsorted(pts, ct, side="right") - 1
                counts = np.bincount(grp, minlength=b - a).tolist()
            else:
                ct = np.empty(0)
                counts = [0] * (b - a)
            n_end, km_end, dl, cl, fit = walk_points(s_seg, n0, km0, counts)
            if c > 0 and sum(cl) < c:  # fewer left to censor than scheduled: keep the first ones
                grp = np.searchsorted(pts, ct, side="right") - 1
                rank = np.arange(c) - np.searchsorted(grp, grp, side="left")
                ct = ct[rank < np.asarray(cl)[grp]]
            memo[c] = Walk(n0, n_end, km_end, dl, cl, ct, fit)
            return memo[c]

        if closed:
            target = int(rn[j + 1])
            s_a, s_b = sl[a], sl[b]
            # Guyot's first guess n_j S(T_{j+1})/S(T_j) − n_{j+1} ignores that a patient
            # censored mid-interval would not all have died: one censoring lowers n_{j+1} by
            # about S_b/S_mid only, so the guess and the update are scaled by S_mid/S_b.
            gain = min((s_a + s_b) / (2 * s_b), 10.0) if s_b > 0 else 1.0
            guess = round((n0 * s_b / s_a - target) * gain) if s_a > 0 else 0
            def at_risk_gap(c: int, target: int = target) -> tuple[int, Walk]:
                w = run(c)
                return w.n_end - target, w

            f, walk = search_censored(at_risk_gap, guess, n0 - target, gain)
            if f:
                notes.append(f"at time {rt[j + 1]:g}: {target} at risk published, "
                             f"{walk.n_end} reconstructed (closest the curve allows)")
            closed_cens += sum(walk.c)
        else:
            candidates = [run(0)] if n_int == 1 else []
            if n_int > 1 and rt[-1] > 0:
                # Guyot: the earlier intervals' censorings per month, continued ...
                per_month = closed_cens / rt[-1]
                candidates.append(run(min(round(per_month * (t_b - t_a)), n0)))
                # ... or per person-month at risk (a shrinking risk set censors fewer).
                person_time = float(np.sum(np.diff(t[:a + 1]) * n_pt[:a]))
                if person_time > 0:
                    probe = run(0)
                    exposure = float(np.sum(np.diff(t[a:b], append=t_b) * np.asarray(probe.n)))
                    candidates.append(run(min(round(closed_cens / person_time * exposure), n0)))
            if events is not None:  # Guyot: censorings that make the events add up to D
                target_d = events - int(d[:a].sum())
                start = sum(candidates[0].c) if n_int > 1 else 0
                # one more censoring removes about half an event (censored mid-interval)
                def events_gap(c: int, td: int = target_d) -> tuple[int, Walk]:
                    w = run(c)
                    return int(sum(w.d)) - td, w

                candidates.append(search_censored(events_gap, start, n0, 2.0)[1])
            best = None
            for walk in {id(w): w for w in candidates}.values():  # memo: same c, same walk
                trial = [d.copy(), cen.copy(), n_pt.copy()]
                trial[0][a:b], trial[1][a:b], trial[2][a:b] = walk.d, walk.c, walk.n
                extra, taken = np.zeros(m, dtype=int), np.zeros(m, dtype=int)
                left = walk.n_end
                if events is not None:
                    left = match_events(events - int(trial[0].sum()), s, trial[0], trial[1],
                                        trial[2], extra, taken, left)
                score = sse(s, trial[0], trial[2])
                if best is None or score < best[0] - 1e-15:
                    best = (score, walk, trial, extra, taken, left)
            assert best is not None
            _, walk, (d, cen, n_pt), extra_c, taken_c, n_cur = best
            cen_times.append(walk.cen_times)
            if reported is not None and int(d.sum()) != events:
                notes.append(f"total events: {events} reported, {int(d.sum())} reconstructed "
                             "(closest the curve allows)")
            break
        d[a:b] = walk.d
        cen[a:b] = walk.c
        n_pt[a:b] = walk.n
        cen_times.append(walk.cen_times)
        n_cur, km = walk.n_end, walk.km_end

    cens = np.concatenate(cen_times)
    if taken_c.any() and cens.size:
        grp = np.searchsorted(t, cens, side="right") - 1
        rank = np.arange(cens.size) - np.searchsorted(grp, grp, side="left")
        cens = cens[rank >= taken_c[grp]]
    if interpolate:  # date each event where the drawn curve crosses its mid-level
        top_all = s.copy()
        top_all[np.searchsorted(t, orig_t)] = orig_top
        fixed = np.zeros(m, dtype=bool)
        fixed[lo[:-1]] = True
        event_t = event_times(t, s, top_all, d, n_pt, fixed)
    else:
        event_t = np.repeat(t, d)
    cens_t = np.concatenate([cens, np.repeat(t, extra_c), np.full(n_cur, t[m - 1])])
    time = np.concatenate((event_t, cens_t))
    event = np.concatenate((np.ones(event_t.size, dtype=int), np.zeros(cens_t.size, dtype=int)))
    order = np.lexsort((-event, time))
    arrays = (time[order], event[order], t, s, d, cen + extra_c - taken_c, n_pt, rt,
              rn.astype(int))
    for arr in arrays:
        arr.setflags(write=False)
    r_time, r_event, r_t, r_s, r_d, r_cen, r_npt, r_rt, r_rn = arrays
    return Reconstruction(r_time, r_event, CASES[(n_int > 1, reported is not None)], n,
                          reported, r_t, r_s, r_d, r_cen, r_npt, r_rt, r_rn, curve=curve,
                          notes=tuple(notes), events_range=events_range)
