"""The one confidence convention of :mod:`meta`: ``level`` in percent (95), as metafor.

:func:`check_level` validates a level (a proportion such as 0.95 is refused with a hint, the
``conf_level`` slip of other libraries); :func:`critical_value` is the two-sided quantile every
interval of the package uses (normal, or Student's t with ``df`` degrees of freedom).
"""

from __future__ import annotations

from typing import Any

from scipy.special import ndtri, stdtrit

from meta.errors import MetaInputError

__all__ = ["check_level", "critical_value"]


def check_level(level: Any, name: str = "level") -> float:
    """``level`` as a float percentage in (1, 100).

    Raises
    ------
    MetaInputError
        Naming ``name``: not a number, or outside (1, 100) (e.g. 0.95 given for 95%).
    """
    try:
        lev = float(level)
    except (TypeError, ValueError):
        raise MetaInputError(
            f"{name}: expected a percentage such as 95, got {level!r}"
        ) from None
    if not 1.0 < lev < 100.0:
        hint = f" (for {lev * 100:g}% write {lev * 100:g})" if 0.0 < lev <= 1.0 else ""
        raise MetaInputError(
            f"{name}: expected a percentage in (1, 100) such as 95, got {level!r}{hint}"
        )
    return lev


def critical_value(level: float, df: float | None = None) -> float:
    """Two-sided quantile for a ``level`` % interval: ``z_{1-a/2}`` when ``df`` is None, else
    ``t_{df, 1-a/2}`` with ``a = 1 - level/100`` (95 -> 1.959964; df = 10 -> 2.228139)."""
    upper = 1.0 - (1.0 - check_level(level) / 100.0) / 2.0
    if df is None:
        return float(ndtri(upper))
    return float(stdtrit(df, upper))
