"""The one confidence convention of :mod:`meta`: ``level`` in percent (95), as metafor.

:func:`check_level` and :func:`critical_value` are those of :mod:`extraction.levels` (the one
implementation, shared with the survival estimators and the audit), raising
:class:`meta.errors.MetaInputError` (a ``ValueError``) instead of a plain ``ValueError``.
"""

from __future__ import annotations

from functools import partial

from extraction import levels
from meta.errors import MetaInputError

__all__ = ["check_level", "critical_value"]

check_level = partial(levels.check_level, error=MetaInputError)
check_level.__doc__ = levels.check_level.__doc__
critical_value = partial(levels.critical_value, error=MetaInputError)
critical_value.__doc__ = levels.critical_value.__doc__
