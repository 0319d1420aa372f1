"""Safe YAML reading that keeps the line and column of every node.

PyYAML's ``safe_load`` silently keeps the last of duplicate keys, expands aliases without limit and
loses positions. Study files are read here instead: the document is composed into nodes (nothing is
constructed or executed), checked, and turned into plain Python values together with a map from each
field path to its ``(line, col)``. Rejected, each with its position:

* files over :data:`MAX_BYTES`, bytes that are not UTF-8, tab indentation;
* duplicate mapping keys, non-string keys, anchors/aliases (alias bombs) and any tag outside the
  YAML core schema (``!!python/object``);
* more than one document per file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from extraction.issues import Issue, StudyFileError, field_path

MAX_BYTES = 2 * 1024 * 1024
"""Largest study file accepted (2 MiB; the largest real study file is a few KiB)."""

_CORE_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
}

Path_ = tuple[str | int, ...]

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's parser when PyYAML was built with it (about 10x faster), else the pure-Python one;
both only parse and compose here, neither constructs objects."""


@dataclass(frozen=True)
class YamlDocument:
    """A study file as plain values plus the position of every node.

    Attributes
    ----------
    data : Any
        Plain Python values (dict, list, str, int, float, bool, None); timestamps stay strings.
    marks : dict
        Field path tuple -> (line, col), 1-based, of the value node.
    key_marks : dict
        Field path tuple -> (line, col) of the mapping key that introduced it.
    raw : dict
        Field path tuple -> scalar text as written (keeps ``75.0`` vs ``75``: printed precision).
    """

    data: Any
    marks: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    key_marks: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    raw: dict[Path_, str] = field(default_factory=dict)

    def locate(self, path: Path_) -> tuple[int, int]:
        """Position of ``path``, falling back to the nearest enclosing node that has one."""
        probe = tuple(path)
        while probe:
            if probe in self.marks:
                return self.marks[probe]
            probe = probe[:-1]
        return self.marks.get((), (1, 1))


def _pos(node_or_mark: Any) -> tuple[int, int]:
    mark = getattr(node_or_mark, "start_mark", node_or_mark)
    return mark.line + 1, mark.column + 1


def read_text(path: Path, shown: str) -> str:
    """Read a file as UTF-8 within the size limit, or raise :class:`StudyFileError`."""
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise StudyFileError([Issue(shown, 1, 1, "", f"expected a study file of at most "
                                    f"{MAX_BYTES} bytes, got {size} bytes",
                                    "split the file or move digitized curves to studies/km/*.csv")])
    with path.open("rb") as handle:
        blob = handle.read(MAX_BYTES + 1)
    try:
        return blob.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = blob[: exc.start]
        line = before.count(b"\n") + 1
        col = exc.start - (before.rfind(b"\n") + 1) + 1
        message = f"expected UTF-8 text, got byte 0x{blob[exc.start]:02x}"
        raise StudyFileError([Issue(shown, line, col, "", message, "save the file as UTF-8")]
                             ) from None


def _tab_issues(text: str, shown: str) -> list[Issue]:
    issues = []
    for number, line in enumerate(text.splitlines(), start=1):
        indent = re.match(r"[ \t]*", line).group(0)  # type: ignore[union-attr]
        if "\t" in indent and line.strip():
            issues.append(Issue(shown, number, indent.index("\t") + 1, "",
                                "expected spaces for indentation, got a tab",
                                "YAML forbids tabs in indentation; replace them with spaces"))
    return issues


def _syntax_issue(exc: yaml.YAMLError, shown: str) -> Issue:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line, col = _pos(mark) if mark is not None else (1, 1)
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    message = f"expected valid YAML, got a syntax error: {problem}"
    if context:
        message += f" ({context})"
    hint = ""
    if "mapping values are not allowed" in problem:
        hint = "a value containing ': ' must be quoted"
    elif "could not find expected ':'" in problem:
        hint = "check the indentation and the ':' after each key"
    return Issue(shown, line, col, "", message, hint)


def _alias_issues(text: str, shown: str) -> list[Issue]:
    aliases = [e for e in yaml.parse(text, Loader=_LOADER)
               if isinstance(e, yaml.AliasEvent)]
    if not aliases:
        return []
    line, col = _pos(aliases[0])
    more = f" (and {len(aliases) - 1} more)" if len(aliases) > 1 else ""
    return [Issue(shown, line, col, "", f"expected plain values, got the alias "
                  f"*{aliases[0].anchor}{more}", "anchors and aliases are not allowed in study "
                  "files; write the value out")]


class _Converter:
    """Turn a composed node tree into plain values while recording positions and problems."""

    def __init__(self, shown: str):
        self.shown = shown
        self.doc = YamlDocument(data=None)
        self.issues: list[Issue] = []
        self._scalars = SafeConstructor()

    def convert(self, node: Node, path: Path_) -> Any:
        self.doc.marks[path] = _pos(node)
        if node.tag not in _CORE_TAGS:
            line, col = _pos(node)
            self.issues.append(Issue(self.shown, line, col, field_path(path),
                                     "expected a plain YAML value, got the tag "
                                     + node.tag.replace("tag:yaml.org,2002:", "!!"),
                                     "remove the tag; study files hold data only"))
            return None
        if isinstance(node, MappingNode):
            return self._mapping(node, path)
        if isinstance(node, SequenceNode):
            return [self.convert(item, (*path, i)) for i, item in enumerate(node.value)]
        assert isinstance(node, ScalarNode)
        self.doc.raw[path] = node.value
        if node.tag == "tag:yaml.org,2002:timestamp":
            return node.value
        try:
            return self._scalars.construct_object(node, deep=True)
        except (ConstructorError, ValueError) as exc:
            line, col = _pos(node)
            self.issues.append(Issue(self.shown, line, col, field_path(path),
                                     f"expected a valid scalar, got {node.value!r} ({exc})"))
            return None

    def _mapping(self, node: MappingNode, path: Path_) -> dict[str, Any]:
        out: dict[str, Any] = {}
        first_seen: dict[str, tuple[int, int]] = {}
        for key_node, value_node in node.value:
            kline, kcol = _pos(key_node)
            if key_node.tag == "tag:yaml.org,2002:merge":
                self.issues.append(Issue(self.shown, kline, kcol, field_path(path),
                                         "expected plain keys, got a merge key '<<'",
                                         "write the merged fields out"))
                continue
            if not isinstance(key_node, ScalarNode) or key_node.tag != "tag:yaml.org,2002:str":
                self.issues.append(Issue(self.shown, kline, kcol, field_path(path),
                                         f"expected a text key, got {key_node.value!r}",
                                         "quote the key"))
                continue
            key = key_node.value
            if key in first_seen:
                fline, _ = first_seen[key]
                self.issues.append(Issue(self.shown, kline, kcol, field_path((*path, key)),
                                         f"expected each key once, got a duplicate of line {fline}",
                                         "delete or rename one of the two"))
                continue
            first_seen[key] = (kline, kcol)
            self.doc.key_marks[(*path, key)] = (kline, kcol)
            out[key] = self.convert(value_node, (*path, key))
        return out


def load_yaml(path: Path, shown: str | None = None) -> YamlDocument:
    """Read ``path`` as a single YAML document with positions.

    Parameters
    ----------
    path : Path
        The file to read.
    shown : str, optional
        How the path appears in messages (defaults to ``str(path)``).

    Returns
    -------
    YamlDocument

    Raises
    ------
    StudyFileError
        With every problem found; nothing in the file is constructed or executed.
    """
    shown = shown or str(path)
    text = read_text(path, shown)
    tabs = _tab_issues(text, shown)
    try:
        aliases = _alias_issues(text, shown)
        if aliases:
            raise StudyFileError(tabs + aliases)
        nodes = list(yaml.compose_all(text, Loader=_LOADER))
    except yaml.YAMLError as exc:
        issue = _syntax_issue(exc, shown)
        raise StudyFileError(tabs or [issue]) from None
    if not nodes:
        raise StudyFileError([Issue(shown, 1, 1, "", "expected a study (a YAML mapping), "
                                    "got an empty file", "run `hccmeta new ID` for a scaffold")])
    if len(nodes) > 1:
        line, col = _pos(nodes[1])
        raise StudyFileError([Issue(shown, line, col, "", "expected one YAML document, got "
                                    f"{len(nodes)}", "remove the extra '---' separators")])
    converter = _Converter(shown)
    data = converter.convert(nodes[0], ())
    if converter.issues or tabs:
        raise StudyFileError(tabs + converter.issues)
    if not isinstance(data, dict):
        raise StudyFileError([Issue(shown, 1, 1, "", f"expected a mapping of study fields, got "
                                    f"{type(data).__name__}")])
    return YamlDocument(data=data, marks=converter.doc.marks, key_marks=converter.doc.key_marks,
                        raw=converter.doc.raw)
