"""Pseudo-IPD from digitized Kaplan–Meier curves (Guyot et al. 2012, BMC Med Res Methodol 12:9).

Public API: :func:`read_curve_csv`, :func:`read_risk_csv`, :func:`make_curve`,
:func:`make_risk_table`, :func:`preprocess`, :func:`reconstruct`, :func:`reconstruct_km`,
:func:`diagnose`, :func:`km_step`, and the result classes.
"""

from __future__ import annotations

from extraction.km.data import DigitizedCurve, RiskTable, make_curve, make_risk_table
from extraction.km.diagnostics import KMDiagnostics, KMStep, diagnose, km_step
from extraction.km.errors import KMInputError
from extraction.km.guyot import Reconstruction, reconstruct
from extraction.km.io import read_curve_csv, read_risk_csv
from extraction.km.preprocess import PreprocessedCurve, pava_nonincreasing, preprocess


def reconstruct_km(curve: DigitizedCurve | PreprocessedCurve, n: int,
                   risk: RiskTable | None = None, events: int | None = None) -> Reconstruction:
    """Preprocess (if needed) and reconstruct: the one-call entry point.

    Parameters
    ----------
    curve : DigitizedCurve or PreprocessedCurve
        Digitized points (from :func:`read_curve_csv` or :func:`make_curve`).
    n : int
        Patients in the arm.
    risk : RiskTable, optional
        Published numbers at risk.
    events : int, optional
        Reported total events.
    """
    if isinstance(curve, DigitizedCurve):
        curve = preprocess(curve)
    return reconstruct(curve, n, risk, events)


__all__ = ["DigitizedCurve", "KMDiagnostics", "KMInputError", "KMStep", "PreprocessedCurve",
           "Reconstruction", "RiskTable", "diagnose", "km_step", "make_curve", "make_risk_table",
           "pava_nonincreasing", "preprocess", "read_curve_csv", "read_risk_csv", "reconstruct",
           "reconstruct_km"]
