"""Load study files into validated :class:`StudyRecord` objects, or every error with its line.

>>> from pathlib import Path
>>> records, issues = load_paths([Path("studies")])   # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from extraction.issues import Issue, StudyFileError
from extraction.references import check_references
from extraction.schema import Study
from extraction.schema_errors import translate
from extraction.yaml_source import STUDY_KIND, YamlDocument, load_yaml

STUDY_SUFFIXES = (".yaml", ".yml")
M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class StudyRecord:
    """A validated study file.

    Attributes
    ----------
    study : Study
        The validated content.
    path : Path
        The file.
    shown : str
        The path as the user named it (used in messages and the audit trail).
    document : YamlDocument
        Positions and raw scalar text of every field.
    """

    study: Study
    path: Path
    shown: str
    document: YamlDocument

    @property
    def id(self) -> str:
        """The study id (equals the file name)."""
        return self.study.id

    def line_of(self, *path: str | int) -> int:
        """1-based line of the field at ``path``, e.g. ``line_of('outcomes', 'binary', 0)``."""
        return self.document.locate(tuple(path))[0]

    def raw_text(self, *path: str | int) -> str | None:
        """The scalar at ``path`` as written in the file (keeps printed precision: '75.0')."""
        return self.document.raw.get(tuple(path))


def load_model(path: Path, model: type[M], shown: str | None = None,
               checks: Callable[[YamlDocument], list[Issue]] | None = None,
               kind: tuple[str, str] = STUDY_KIND) -> tuple[M, YamlDocument]:
    """Read a YAML file with positions and validate it against a pydantic ``model``.

    Used for study files, analysis plans and the reference-line file alike, so each reports
    every problem the same way: YAML-level issues, then ``checks(doc)`` (run on the raw data even
    when the schema fails) and the schema's errors, each located at its node.

    Raises
    ------
    StudyFileError
        With every problem found in the file.
    """
    shown = shown or str(path)
    doc = load_yaml(path, shown, kind)
    issues: list[Issue] = checks(doc) if checks else []
    parsed: Any = None
    try:
        parsed = model.model_validate(doc.data)
    except ValidationError as exc:
        issues += translate(exc, doc, shown, model)
    # a node dropped at the YAML level (a tag, a bad number...) is reported once, by the YAML layer
    issues = list(doc.issues) + [i for i in issues if not doc.is_poisoned(i.field)]
    if issues:
        raise StudyFileError(issues)
    return parsed, doc


def load_study(path: Path, shown: str | None = None) -> StudyRecord:
    """Load and validate one study file.

    Raises
    ------
    StudyFileError
        With every problem found in the file (syntax, schema and references).
    """
    shown = shown or str(path)
    study, doc = load_model(path, Study, shown,
                            checks=lambda doc: check_references(doc, path, shown))
    record = StudyRecord(study=study, path=path, shown=shown, document=doc)
    if study.ipd:  # checks that need the validated file (the arm's n)
        from extraction.ipd import excess_patients

        if issues := excess_patients(record):
            raise StudyFileError(issues)
    return record


def expand(paths: Iterable[Path]) -> list[Path]:
    """Study files named by ``paths``: files as given, directories by their ``*.yaml`` files.

    A file named twice (``a.yaml a.yaml``, or ``studies studies/a.yaml``) is listed once, where it
    first appears: the same file is recognised by its resolved path.
    """
    out: list[Path] = []
    seen: set[str] = set()
    for path in paths:
        found = (sorted(p for p in path.iterdir() if p.suffix in STUDY_SUFFIXES and p.is_file())
                 if path.is_dir() else [path])
        for file in found:
            try:
                key = str(file.resolve())
            except (OSError, ValueError, RuntimeError):
                key = str(file.absolute())
            if key not in seen:
                seen.add(key)
                out.append(file)
    return out


def outside_links(paths: Iterable[Path]) -> dict[Path, Issue]:
    """Study files in ``paths`` that are symbolic links to a file outside their folder.

    One policy for files found in a folder and files named on the command line: a link is
    followed only to a file in the same folder as the link (its library); a link to a file
    elsewhere is refused, as a curve outside the study's folder is. The library's content must
    live in the library: a link to a file elsewhere changes the report when that file changes,
    and escapes the library's hash pinning.
    """
    out = {}
    for given in paths:
        if given.is_dir():
            folder, files = given, expand([given])
        elif given.is_symlink():
            folder, files = given.parent, [given]
        else:
            continue
        for file in files:
            if not file.is_symlink():
                continue
            try:
                root, target = folder.resolve(), file.resolve()
            except (OSError, RuntimeError):
                continue  # a loop or broken link: reported by load_paths
            if root not in target.parents:
                out[file] = Issue(str(file), 0, 0, "", "expected a study file inside "
                                  f"{folder}, got a symbolic link to {target} outside it",
                                  "copy the file into the library instead of linking it (a "
                                  "study file must live in its folder: such a link is refused "
                                  "whether named on the command line or found in a folder)")
    return out


def load_paths(paths: Iterable[Path]) -> tuple[list[StudyRecord], list[Issue]]:
    """Load every study file under ``paths``; return the valid records and all issues."""
    paths = list(paths)
    records, issues = [], []
    refused = outside_links(paths)
    for file in expand(paths):
        if file in refused:
            issues.append(refused[file])
            continue
        if not file.exists():
            what = ("a broken or looping symbolic link" if file.is_symlink() else
                    "a path that does not exist")
            issues.append(Issue(str(file), 0, 0, "", f"expected a study file, got {what}"))
            continue
        try:
            records.append(load_study(file))
        except StudyFileError as exc:
            issues += exc.issues
        except OSError as exc:
            issues.append(Issue(str(file), 0, 0, "", f"expected a readable file, got {exc}"))
    return records, issues + duplicate_ids(records)


def duplicate_ids(records: list[StudyRecord]) -> list[Issue]:
    """One issue per file whose id an earlier file already has (``x.yaml`` and ``x.yml``, or a
    copy in another folder): the library would use both, pooling the arms twice."""
    first: dict[str, StudyRecord] = {}
    out = []
    for record in records:
        if record.id in first:
            other = first[record.id]
            line, col = record.document.locate(("id",))
            out.append(Issue(record.shown, line, col, "id",
                             f"expected an id unique in the library, got {record.id!r}, also "
                             f"the id of {other.shown}:{other.line_of('id')}",
                             "keep one file per study (remove the copy or rename it)"))
        else:
            first[record.id] = record
    return out
