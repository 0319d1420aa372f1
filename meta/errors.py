"""The exceptions and warnings of :mod:`meta`.

Input errors raise :class:`MetaInputError`, a ``ValueError`` (so ``except ValueError`` keeps
working) whose message names the argument and says what to do. Conditions that do not stop a
computation but qualify its result are warnings (``warnings.warn(..., category=...)``) of the
classes below, so callers can filter, record or escalate them by class instead of matching text.
"""

from __future__ import annotations

__all__ = [
    "ContinuityCorrectionWarning",
    "ConvergenceError",
    "ConvergenceWarning",
    "MetaError",
    "MetaInputError",
    "MetaWarning",
    "NotComputedWarning",
]


class MetaError(Exception):
    """Base class of the exceptions of :mod:`meta`."""


class MetaInputError(MetaError, ValueError):
    """Bad input to a :mod:`meta` function (an argument out of range, too few studies, ...)."""


class ConvergenceError(MetaError, ValueError):
    """An iterative estimator did not converge (the message says which setting to change)."""


class MetaWarning(UserWarning):
    """Base class of the warnings of :mod:`meta`."""


class ConvergenceWarning(MetaWarning):
    """An iterative estimator stopped at a boundary or needed a fallback."""


class ContinuityCorrectionWarning(MetaWarning):
    """A continuity correction was added to zero cells."""


class NotComputedWarning(MetaWarning):
    """An optional analysis could not be computed for these data (the reason is the message)."""
