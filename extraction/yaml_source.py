"""Safe YAML reading that keeps the line and column of every node.

PyYAML's ``safe_load`` silently keeps the last of duplicate keys, expands aliases without limit,
reads ``010`` as 8 and loses positions. Study files are read here instead: the document is composed
into nodes (nothing is constructed or executed), checked, and turned into plain Python values with
a map from each field path to its ``(line, col)``.

Fatal (nothing else can be checked): files over :data:`MAX_BYTES`, anything but a regular file,
bytes that are not UTF-8, control characters, syntax errors, anchors/aliases (alias bombs), more
than one document, a top level that is not a mapping.

Reported while the rest of the file is still validated (:attr:`YamlDocument.issues`): tab
indentation, duplicate mapping keys (the first is kept), non-text keys, merge keys, tags outside
the YAML core schema (``!!python/object``), numbers not written in plain decimal (YAML 1.1 reads
``010`` as octal 8, ``1:48`` as base-60 108, ``1_000`` as 1000), and nesting deeper than
:data:`MAX_DEPTH`. Nodes dropped for these reasons are listed in :attr:`YamlDocument.poisoned`, so
that follow-on schema errors about them are not reported twice.

Lines and columns count ``\\n``, ``\\r\\n`` and a lone ``\\r`` (old Mac files), as editors do
(YAML itself also breaks lines at U+0085, U+2028 and U+2029).
"""

from __future__ import annotations

import bisect
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from extraction.issues import Issue, StudyFileError, field_path

MAX_BYTES = 2 * 1024 * 1024
"""Largest study file accepted (2 MiB; the largest real study file is a few KiB)."""

MAX_DEPTH = 64
"""Deepest nesting accepted (a study file needs about 6 levels)."""

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's parser when PyYAML was built with it (about 10x faster), else the pure-Python one;
both only parse and compose here, neither constructs objects."""

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
_DECIMAL = re.compile(r"^[-+]?(0|[1-9][0-9]*)?(\.[0-9]*)?([eE][-+]?[0-9]+)?$")
_EXPONENT = re.compile(r"^[-+]?[0-9]+(\.[0-9]*)?[eE][-+]?[0-9]+$")
"""Plain scalars YAML 1.1 reads as text (``1e5``, ``0.5e2``: no exponent sign or no dot) but
YAML 1.2 and every reader read as numbers; read here as numbers."""
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
"""Bidirectional embedding/override/isolate controls: they reorder the text displayed around
them (in a report, the report's own words), so study files may not contain them."""
_SPECIAL_FLOAT = re.compile(r"^[-+]?\.(inf|Inf|INF|nan|NaN|NAN)$")
_NUMBER_HINT = ("YAML reads leading zeros, '_', ':' and 0x/0o/0b as octal, base-60 or hex "
                "numbers; write the number in plain decimal")

Path_ = tuple[str | int, ...]


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
    issues : tuple of Issue
        Non-fatal YAML-level problems (see the module docstring).
    poisoned : frozenset of str
        Formatted field paths whose value was dropped because of one of ``issues``.
    """

    data: Any
    marks: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    key_marks: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    raw: dict[Path_, str] = field(default_factory=dict)
    issues: tuple[Issue, ...] = ()
    poisoned: frozenset[str] = frozenset()

    def locate(self, path: Path_) -> tuple[int, int]:
        """Position of ``path``, falling back to the nearest enclosing node that has one."""
        probe = tuple(path)
        while probe:
            if probe in self.marks:
                return self.marks[probe]
            probe = probe[:-1]
        return self.marks.get((), (1, 1))

    def is_poisoned(self, field_text: str) -> bool:
        """Whether ``field_text`` (``a.b[2]``) lies at or below a dropped node."""
        return any(field_text == p or field_text.startswith((p + ".", p + "["))
                   for p in self.poisoned)


LINE_BREAK = re.compile(r"\r\n|\r|\n")
"""What ends a line for positions: LF, CRLF or a lone CR (a CR-only file was one long line)."""


class _Positions:
    """Character index -> (line, col), 1-based, counting LF, CRLF and lone CR line breaks."""

    def __init__(self, text: str):
        self._breaks = [m.end() - 1 for m in LINE_BREAK.finditer(text)]

    def of(self, node_or_mark: Any) -> tuple[int, int]:
        mark = getattr(node_or_mark, "start_mark", node_or_mark)
        return self.at(mark.index)

    def at(self, index: int) -> tuple[int, int]:
        line = bisect.bisect_left(self._breaks, index)
        start = self._breaks[line - 1] + 1 if line else 0
        return line + 1, index - start + 1


def read_text(path: Path, shown: str) -> str:
    """Read a regular file as UTF-8 within the size limit, or raise :class:`StudyFileError`."""
    info = path.stat()
    if not stat.S_ISREG(info.st_mode):
        kind = "folder" if stat.S_ISDIR(info.st_mode) else "special file (pipe, socket, device)"
        raise StudyFileError([Issue(shown, 1, 1, "", f"expected a regular file, got a {kind}")])
    if info.st_size > MAX_BYTES:
        raise StudyFileError([Issue(shown, 1, 1, "", f"expected a study file of at most "
                                    f"{MAX_BYTES} bytes, got {info.st_size} bytes",
                                    "split the file or move digitized curves to studies/km/*.csv")])
    with path.open("rb") as handle:
        blob = handle.read(MAX_BYTES + 1)
    try:
        return blob.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = blob[: exc.start].decode("utf-8", errors="replace")
        line, col = _Positions(before + " ").at(len(before))
        message = f"expected UTF-8 text, got byte 0x{blob[exc.start]:02x}"
        raise StudyFileError([Issue(shown, line, col, "", message, "save the file as UTF-8")]
                             ) from None


def _tab_issues(text: str, shown: str) -> list[Issue]:
    issues = []
    for number, line in enumerate(LINE_BREAK.split(text), start=1):
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        if "\t" in indent and line.strip():
            issues.append(Issue(shown, number, indent.index("\t") + 1, "",
                                "expected spaces for indentation, got a tab",
                                "YAML forbids tabs in indentation; replace them with spaces"))
    return issues


def _code(character: int | str) -> int:
    return character if isinstance(character, int) else ord(character[0])


def _syntax_issue(exc: yaml.YAMLError, shown: str, pos: _Positions) -> Issue:
    if isinstance(exc, yaml.reader.ReaderError):
        line, col = pos.at(exc.position)
        return Issue(shown, line, col, "", f"expected text without control characters, got "
                     f"U+{_code(exc.character):04X}" if exc.character else
                     "expected readable text, got a character YAML does not accept",
                     "delete it (often pasted from a PDF)")
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line, col = pos.of(mark) if mark is not None else (1, 1)
    problem = " ".join(str(getattr(exc, "problem", None) or exc).split())
    message = f"expected valid YAML, got a syntax error: {problem}"
    context, context_mark = getattr(exc, "context", None), getattr(exc, "context_mark", None)
    if context:
        opened = ""
        if context_mark is not None and pos.of(context_mark) != (line, col):
            opened = " at line {}, col {}".format(*pos.of(context_mark))
        message += f" ({context}{opened})"
    hint = ""
    if "mapping values are not allowed" in problem:
        hint = "a value containing ': ' must be quoted"
    elif "could not find expected ':'" in problem:
        hint = "check the indentation and the ':' after each key"
    elif "found unexpected end of stream" in problem or "flow" in str(context):
        hint = "a quote or bracket opened earlier is not closed"
    return Issue(shown, line, col, "", message, hint)


def _alias_issues(text: str, shown: str, pos: _Positions) -> list[Issue]:
    aliases = [e for e in yaml.parse(text, Loader=_LOADER) if isinstance(e, yaml.AliasEvent)]
    if not aliases:
        return []
    line, col = pos.of(aliases[0])
    more = f" (and {len(aliases) - 1} more)" if len(aliases) > 1 else ""
    return [Issue(shown, line, col, "", f"expected plain values, got the alias "
                  f"*{aliases[0].anchor}{more}", "anchors and aliases are not allowed in study "
                  "files; write the value out")]


def _kind(node: Node) -> str:
    return {MappingNode: "a mapping", SequenceNode: "a list"}.get(type(node), "a value")


class _Converter:
    """Turn a composed node tree into plain values while recording positions and problems."""

    def __init__(self, shown: str, pos: _Positions):
        self.shown, self.pos = shown, pos
        self.marks: dict[Path_, tuple[int, int]] = {}
        self.key_marks: dict[Path_, tuple[int, int]] = {}
        self.raw: dict[Path_, str] = {}
        self.issues: list[Issue] = []
        self.poisoned: set[str] = set()
        self._scalars = SafeConstructor()

    def _drop(self, node: Node, path: Path_, message: str, hint: str = "",
              at: Node | None = None) -> None:
        line, col = self.pos.of(at or node)
        self.issues.append(Issue(self.shown, line, col, field_path(path), message, hint))
        self.poisoned.add(field_path(path))

    def convert(self, node: Node, path: Path_) -> Any:
        self.marks[path] = self.pos.of(node)
        if node.tag not in _CORE_TAGS:
            self._drop(node, path, "expected a plain YAML value, got the tag "
                       + node.tag.replace("tag:yaml.org,2002:", "!!"),
                       "remove the tag; study files hold data only")
            return None
        if len(path) > MAX_DEPTH:
            self._drop(node, path, f"expected at most {MAX_DEPTH} levels of nesting, got more",
                       "study files need about 6 levels; check the brackets")
            return None
        if isinstance(node, MappingNode):
            return self._mapping(node, path)
        if isinstance(node, SequenceNode):
            return [self.convert(item, (*path, i)) for i, item in enumerate(node.value)]
        return self._scalar(node, path)

    def _scalar(self, node: Node, path: Path_) -> Any:
        text = str(node.value)
        self.raw[path] = text
        bidi = _BIDI.search(text)
        if bidi:
            self._drop(node, path, f"expected text without bidirectional control characters, "
                       f"got U+{ord(bidi.group()):04X}", "it reverses the text displayed "
                       "around it; delete it (often pasted from a web page)")
            return None
        if node.tag == "tag:yaml.org,2002:timestamp":
            return text
        if node.tag == "tag:yaml.org,2002:str" and not node.style and _EXPONENT.match(text):
            return float(text)
        if node.tag in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float") and not (
                _DECIMAL.match(text) or _SPECIAL_FLOAT.match(text)):
            self._drop(node, path, f"expected a decimal number, got {text!r}", _NUMBER_HINT)
            return None
        if node.tag == "tag:yaml.org,2002:int" and len(text.lstrip("+-")) > 30:
            self._drop(node, path, f"expected a number of at most 30 digits, got "
                       f"{len(text.lstrip('+-'))} digits")
            return None
        try:
            return self._scalars.construct_object(node, deep=True)
        except (ConstructorError, ValueError):
            shown = text if len(text) <= 40 else text[:37] + "..."
            self._drop(node, path, f"expected a valid value, got {shown!r}")
            return None

    def _mapping(self, node: MappingNode, path: Path_) -> dict[str, Any]:
        out: dict[str, Any] = {}
        first_seen: dict[str, tuple[int, int]] = {}
        for key_node, value_node in node.value:
            kline, kcol = self.pos.of(key_node)
            if key_node.tag == "tag:yaml.org,2002:merge":
                self._drop(node, path, "expected plain keys, got a merge key '<<'",
                           "write the merged fields out", at=key_node)
                continue
            if not isinstance(key_node, ScalarNode) or key_node.tag != "tag:yaml.org,2002:str":
                got = _kind(key_node) if not isinstance(key_node, ScalarNode) else repr(
                    str(key_node.value))
                self.issues.append(Issue(self.shown, kline, kcol, field_path(path),
                                         f"expected a field name as key, got {got}",
                                         "keys are plain names such as 'n' or 'source'; quote "
                                         "a key that YAML reads as a number or true/false"))
                continue
            key = key_node.value
            if key in first_seen:
                self.issues.append(Issue(self.shown, kline, kcol, field_path((*path, key)),
                                         f"expected each key once, got a duplicate of line "
                                         f"{first_seen[key][0]}",
                                         "delete or rename one of the two (the first is used)"))
                continue
            first_seen[key] = (kline, kcol)
            self.key_marks[(*path, key)] = (kline, kcol)
            out[key] = self.convert(value_node, (*path, key))
        return out


STUDY_KIND = ("study", "run `hccmeta new ID` for a scaffold")
"""What a study file holds and how to start one (:func:`load_yaml`'s default ``kind``)."""


def _article(noun: str) -> str:
    return ("an " if noun[:1] in "aeiou" else "a ") + noun


def load_yaml(path: Path, shown: str | None = None,
              kind: tuple[str, str] = STUDY_KIND) -> YamlDocument:
    """Read ``path`` as a single YAML document with positions.

    Parameters
    ----------
    path : Path
        The file to read.
    shown : str, optional
        How the path appears in messages (defaults to ``str(path)``).
    kind : (str, str)
        What the file holds and how to start one, for the messages about a file that is not a
        mapping (a plan said "expected a study" and pointed to ``hccmeta new ID``).

    Returns
    -------
    YamlDocument
        With the non-fatal problems in ``issues`` (the caller reports them with its own).

    Raises
    ------
    StudyFileError
        On a fatal problem (see the module docstring); nothing in the file is constructed or
        executed.
    """
    shown = shown or str(path)
    text = read_text(path, shown)
    pos = _Positions(text)
    tabs = _tab_issues(text, shown)
    try:
        aliases = _alias_issues(text, shown, pos)
        if aliases:
            raise StudyFileError(tabs + aliases)
        nodes = list(yaml.compose_all(text, Loader=_LOADER))
    except yaml.YAMLError as exc:
        raise StudyFileError(tabs or [_syntax_issue(exc, shown, pos)]) from None
    if not nodes:
        raise StudyFileError([Issue(shown, 1, 1, "", f"expected {_article(kind[0])} (a YAML "
                                    "mapping), got an empty file", kind[1])])
    if len(nodes) > 1:
        line, col = pos.of(nodes[1])
        raise StudyFileError([Issue(shown, line, col, "", "expected one YAML document, got "
                                    f"{len(nodes)}", "remove the extra '---' separators")])
    if not isinstance(nodes[0], MappingNode):
        got = {SequenceNode: "a list"}.get(type(nodes[0]), "")
        if not got:
            value = str(nodes[0].value)
            got = "nothing (null)" if nodes[0].tag.endswith(":null") else f"text {value[:40]!r}"
        line, col = pos.of(nodes[0])
        raise StudyFileError([Issue(shown, line, col, "", f"expected a mapping of {kind[0]} "
                                    f"fields, got {got}", kind[1])])
    converter = _Converter(shown, pos)
    data = converter.convert(nodes[0], ())
    return YamlDocument(data=data, marks=converter.marks, key_marks=converter.key_marks,
                        raw=converter.raw, issues=tuple(tabs + converter.issues),
                        poisoned=frozenset(converter.poisoned))
