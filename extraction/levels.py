"""The one confidence convention of the package: ``level`` in percent (95), as metafor.

:func:`check_level` validates a level (a proportion such as 0.95 is refused with a hint rather
than read as 0.95%, the ``conf_level`` slip of other libraries that once gave all-NaN
Kaplan–Meier intervals); :func:`critical_value` is the two-sided quantile every interval of
``extraction``, ``meta`` and ``reports`` uses (normal, or Student's t with ``df`` degrees of
freedom). It lives in ``extraction`` because dependencies point ``reports -> meta ->
extraction``; :mod:`meta.level` re-exports both, raising :class:`meta.errors.MetaInputError`.
"""

from __future__ import annotations

from typing import Any

__all__ = ["check_level", "critical_value"]


def check_level(level: Any, name: str = "level", *,
                error: type[ValueError] = ValueError) -> float:
    """``level`` as a float percentage in (1, 100).

    Parameters
    ----------
    level : float
        Confidence level in percent, e.g. 95.
    name : str
        The argument's name in the message (``"--level"`` for a command-line option).
    error : type of ValueError
        The exception class to raise (:mod:`meta` passes its ``MetaInputError``).

    Raises
    ------
    ValueError
        (or ``error``) naming ``name``: not a number, or outside (1, 100) (e.g. 0.95 for 95%).
    """
    try:
        lev = float(level)
    except (TypeError, ValueError):
        raise error(f"{name}: expected a percentage such as 95, got {level!r}") from None
    if not 1.0 < lev < 100.0:  # also refuses NaN
        hint = (f" (for {lev * 100:g}% write {lev * 100:g}; did you mean {lev * 100:g}?)"
                if 0.0 < lev <= 1.0 else "")
        raise error(f"{name}: expected a percentage in (1, 100) such as 95, got {level!r}{hint}")
    return lev


def critical_value(level: float, df: float | None = None, *,
                   error: type[ValueError] = ValueError) -> float:
    """Two-sided quantile for a ``level`` % interval: ``z_{1-a/2}`` when ``df`` is None, else
    ``t_{df, 1-a/2}`` with ``a = 1 - level/100`` (95 -> 1.959964; df = 10 -> 2.228139).

    ``level`` is checked by :func:`check_level` (``error`` is passed on)."""
    from scipy.special import ndtri, stdtrit  # deferred: the CLI starts without SciPy

    upper = 1.0 - (1.0 - check_level(level, error=error) / 100.0) / 2.0
    if df is None:
        return float(ndtri(upper))
    return float(stdtrit(df, upper))
