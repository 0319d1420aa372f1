"""Study files -> validated records: YAML with line numbers, schema, reference checks.

Public API: :func:`load_study`, :func:`load_paths`, :class:`StudyRecord`, :class:`Issue`,
:class:`StudyFileError`, :class:`Study`, :func:`json_schema`, and :func:`load_ipd` (an arm's
patient-level data as arrays) with its :class:`IpdInputError`.
"""

from extraction.ipd import IpdInputError, load_ipd
from extraction.issues import Issue, StudyFileError
from extraction.loader import StudyRecord, load_paths, load_study
from extraction.schema import Study, json_schema

__all__ = ["IpdInputError", "Issue", "Study", "StudyFileError", "StudyRecord", "json_schema",
           "load_ipd", "load_paths", "load_study"]
