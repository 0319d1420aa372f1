"""The exceptions and warnings of :mod:`meta`.

Input errors raise :class:`MetaInputError`, a ``ValueError`` (so ``except ValueError`` keeps
working) whose message names the argument and says what to do. Conditions that do not stop a
computation but qualify its result are warnings (``warnings.warn(..., category=...)``) of the
classes below, so callers can filter, record or escalate them by class instead of matching text.

Per-study and per-fit notes (:attr:`meta.effects.EffectTable.notes`, the ``note`` column of
:func:`meta.sensitivity.cumulative`, :attr:`meta.glmm.GLMMResult.message`) are :class:`Note`
strings: they print exactly as before and carry their warning class in ``.category``;
:meth:`Note.warning` gives the warning instance to ``warnings.warn`` or to collect.
"""

from __future__ import annotations

__all__ = [
    "ApproximationWarning",
    "ContinuityCorrectionWarning",
    "ConvergenceError",
    "ConvergenceWarning",
    "MetaError",
    "MetaInputError",
    "MetaWarning",
    "NotComputedWarning",
    "Note",
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
    """Zero cells: a continuity correction was added (or, with none, the variance is infinite
    or zero)."""


class ApproximationWarning(MetaWarning):
    """A value was derived by an approximation (an SE from a p-value, from an asymmetric CI, or
    from an event count under an exponential model)."""


class NotComputedWarning(MetaWarning):
    """An optional analysis could not be computed for these data (the reason is the message)."""


class Note(str):
    """A note that is text (printed, joined and compared as the ``str`` it is) and carries the
    :class:`MetaWarning` subclass it belongs to.

    >>> n = Note("tau2 at the boundary 0", ConvergenceWarning)
    >>> n == "tau2 at the boundary 0", n.category.__name__
    (True, 'ConvergenceWarning')
    """

    category: type[MetaWarning]

    def __new__(cls, text: str, category: type[MetaWarning] = MetaWarning) -> Note:
        note = super().__new__(cls, text)
        note.category = category
        return note

    def __reduce__(self) -> tuple[type[Note], tuple[str, type[MetaWarning]]]:
        return Note, (str(self), self.category)

    def warning(self) -> MetaWarning:
        """The note as an instance of its warning class (for ``warnings.warn`` or a log)."""
        return self.category(str(self))
