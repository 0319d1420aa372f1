"""The confidence-level convention of the survival estimators: ``level`` in percent, as metafor.

``level=95`` gives 95% intervals. A proportion such as ``0.95`` is refused with a message rather
than read as 0.95% (the old ``kaplan_meier(conf_level=95)`` silently gave all-NaN intervals).
The quantile is the same special function as :func:`meta.distributions.z_crit` (``ndtri``);
``extraction`` cannot import ``meta`` (dependencies point ``reports -> meta -> extraction``).
"""

from __future__ import annotations

import math

from scipy import special


def check_level(level: float) -> float:
    """``level`` as a float in (1, 100), else ``ValueError`` naming the argument.

    Parameters
    ----------
    level : float
        Confidence level in percent, e.g. 95.
    """
    try:
        value = float(level)
    except (TypeError, ValueError):
        raise ValueError(f"level: expected a percent between 1 and 100 (e.g. 95), got {level!r}"
                         ) from None
    if not math.isfinite(value) or not 1 < value < 100:
        hint = f" (did you mean {100 * value:g}?)" if 0 < value <= 1 else ""
        raise ValueError(f"level: expected a percent between 1 and 100 (e.g. 95), got {level!r}"
                         + hint)
    return value


def z_crit(level: float) -> float:
    """Two-sided standard normal critical value of a ``level`` % interval (95 -> 1.959964)."""
    return float(special.ndtri(1 - (1 - check_level(level) / 100) / 2))
