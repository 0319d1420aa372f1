"""Study files -> validated records: YAML with line numbers, schema, reference checks.

Public API: :func:`load_study`, :func:`load_paths`, :class:`StudyRecord`, :class:`Issue`,
:class:`StudyFileError`, :class:`Study` and :func:`json_schema`.
"""

from extraction.issues import Issue, StudyFileError
from extraction.loader import StudyRecord, load_paths, load_study
from extraction.schema import Study, json_schema

__all__ = ["Issue", "Study", "StudyFileError", "StudyRecord", "json_schema", "load_paths",
           "load_study"]
