"""Number formatting shared by the figures' frames and the report text (one place, one style)."""

from __future__ import annotations

import math

DESIGN_LABELS = {
    "rct": "Randomised controlled trials",
    "nonrandomized_trial": "Non-randomised trials",
    "single_arm_trial": "Single-arm trials",
    "prospective_cohort": "Prospective cohorts",
    "retrospective_cohort": "Retrospective cohorts",
}


def ok(x: float | None) -> bool:
    """Whether ``x`` is a finite number."""
    return x is not None and isinstance(x, int | float) and math.isfinite(x)


def num(x: float | None, digits: int = 1) -> str:
    """``x`` with ``digits`` decimals, or an en dash when missing."""
    return f"{x:.{digits}f}" if ok(x) else "–"


def interval(lb: float | None, ub: float | None, digits: int = 1) -> str:
    """``[lb, ub]`` or an empty string when the bounds are missing."""
    return f"[{num(lb, digits)}, {num(ub, digits)}]" if ok(lb) and ok(ub) else ""


def est_ci(est: float | None, lb: float | None, ub: float | None, digits: int = 1) -> str:
    """``est [lb, ub]`` (or just ``est`` without bounds)."""
    ci = interval(lb, ub, digits)
    return f"{num(est, digits)} {ci}".strip()


def est_ci_unit(est: float | None, lb: float | None, ub: float | None, unit: str,
                digits: int = 1) -> str:
    """``est<unit> [lb, ub]``, e.g. ``75.0% [66.0, 82.3]`` or ``17.0 months [..]``."""
    return f"{num(est, digits)}{unit} {interval(lb, ub, digits)}".strip()


def pval(p: float | None) -> str:
    """p-value as ``p = 0.034`` / ``p < 0.001``."""
    if not ok(p):
        return "p = –"
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def scale(kind: str) -> tuple[float, str]:
    """Display factor and unit of an outcome kind: months for medians, percent otherwise."""
    return (1.0, "months") if kind == "median" else (100.0, "%")


def unit(kind: str) -> str:
    """Display unit of an outcome kind: ``months`` for medians, ``%`` otherwise (axis labels,
    table headers)."""
    return scale(kind)[1]


def unit_suffix(kind: str) -> str:
    """The unit as written after a number: ``17.0 months`` but ``75.0%``."""
    u = unit(kind)
    return f" {u}" if u[:1].isalpha() else u
