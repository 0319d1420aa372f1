"""A study file's digitized curve in the units every consumer works in: months and proportions.

A ``curves:`` entry says how its CSV was digitized (``time_unit``: months, weeks, days, years;
``survival_scale``: auto, proportion, percent). This is the one place where they are applied, so
that the audit's reconstruction checks and the report's pseudo-IPD see the same curve (the report
used to read a curve digitized in weeks as months, moving a 12-month comparison from p = 0.056 to
p < 0.001).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from extraction import vocabulary as vocab
from extraction.loader import StudyRecord
from extraction.references import resolve_inside
from extraction.schema_common import MAX_MONTHS
from extraction.schema_entries import Curve

if TYPE_CHECKING:  # extraction.km imports numpy: only when a curve is read
    from extraction.km import DigitizedCurve, RiskTable


def curve_in_months(record: StudyRecord, curve: Curve
                    ) -> tuple[DigitizedCurve, RiskTable | None]:
    """The curve (times in months, survival as a proportion) and its risk table (months).

    ``survival_scale: proportion`` or ``percent`` is used as declared (a stray 2.0 in a proportion
    curve is then out of range, not a reason to read the whole curve as percent); ``auto`` is
    detected from the values as ``hccmeta reconstruct`` does.

    Raises
    ------
    extraction.km.KMInputError
        A file outside the study's folder, or any problem of the CSVs, located.
    """
    import numpy as np

    from extraction.km import KMInputError, make_curve, make_risk_table
    from extraction.km.io import RISK_NAMES, SURVIVAL_NAMES, TIME_NAMES, read_table

    factor = vocab.TIME_UNITS[curve.time_unit]
    base = record.path.parent

    def inside(name: str, field: str):
        try:
            target = resolve_inside(base, name)
        except (OSError, ValueError, RuntimeError) as exc:
            raise KMInputError(f"expected a readable path, got {exc}", field, name) from None
        if target is None:
            raise KMInputError("expected a file inside the study's folder, got one outside",
                               field, name)
        return target

    def months(times: list[float], source: Path, lines: list[int]) -> Any:
        with np.errstate(over="ignore", invalid="ignore"):
            out = np.asarray(times, dtype=float) * factor
        bad = np.flatnonzero(~(np.abs(out) <= MAX_MONTHS))
        if bad.size:
            i = int(bad[0])
            raise KMInputError(f"expected a time of at most {MAX_MONTHS:g} months (100 years), "
                               f"got {times[i]:g} {curve.time_unit}", "time", str(source),
                               lines[i] if i < len(lines) else 0)
        return out

    path = inside(curve.file, "file")
    t, s, lines = read_table(path, ("time", "survival"), (TIME_NAMES, SURVIVAL_NAMES))
    scale = None if curve.survival_scale == "auto" else curve.survival_scale
    digitized = make_curve(months(t, path, lines), s, scale=scale, source=str(path),
                           lines=tuple(lines))
    risk = None
    if curve.risk_table:
        risk = make_risk_table([r[0] * factor for r in curve.risk_table],
                               [r[1] for r in curve.risk_table])
    elif curve.risk_file:
        rpath = inside(curve.risk_file, "risk_file")
        rt, rn, rlines = read_table(rpath, ("time", "n_risk"), (TIME_NAMES, RISK_NAMES))
        risk = make_risk_table(months(rt, rpath, rlines), rn, source=str(rpath),
                               lines=tuple(rlines))
    return digitized, risk
