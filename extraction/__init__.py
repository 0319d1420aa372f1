"""Study files -> validated records: YAML with line numbers, schema, reference checks.

Public API: :func:`load_study`, :func:`load_paths`, :class:`StudyRecord`, :class:`Issue`,
:class:`StudyFileError`, :class:`Study`, :func:`json_schema`, and :func:`load_ipd` (an arm's
patient-level data as arrays) with its :class:`IpdInputError`.

The names are loaded on first use (PEP 562), so that importing a light submodule
(``extraction.printable``, ``extraction.vocabulary``) does not pull in pydantic: the command
line answers ``--help`` without loading the schema.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from extraction.ipd import IpdInputError, load_ipd
    from extraction.issues import Issue, StudyFileError
    from extraction.loader import StudyRecord, load_paths, load_study
    from extraction.schema import Study, json_schema

_EXPORTS = {
    "IpdInputError": "extraction.ipd", "load_ipd": "extraction.ipd",
    "Issue": "extraction.issues", "StudyFileError": "extraction.issues",
    "StudyRecord": "extraction.loader", "load_paths": "extraction.loader",
    "load_study": "extraction.loader",
    "Study": "extraction.schema", "json_schema": "extraction.schema",
}

__all__ = ["IpdInputError", "Issue", "Study", "StudyFileError", "StudyRecord", "json_schema",
           "load_ipd", "load_paths", "load_study"]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'extraction' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
