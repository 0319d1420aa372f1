"""Validation issues: one problem found in a study file, located at ``file:line:col``.

Every error hccmeta reports about user input is an :class:`Issue`, formatted on one line as
``path:line:col: field: expected …, got …`` with an optional hint, so an editor can jump to it.
"""

from __future__ import annotations

from dataclasses import dataclass

from extraction.printable import printable


@dataclass(frozen=True, order=True)
class Issue:
    """A problem in a study file.

    Parameters
    ----------
    path : str
        The file as the user named it (relative paths stay relative).
    line, col : int
        1-based position of the offending YAML node; 0 when no position applies (the whole file).
    field : str
        The field path, e.g. ``outcomes.binary[2].events``; empty for file-level problems.
    message : str
        ``expected …, got …`` wording.
    hint : str
        How to fix it, where that is knowable; empty otherwise.
    """

    path: str
    line: int
    col: int
    field: str
    message: str
    hint: str = ""

    def format(self) -> str:
        """Render as ``path:line:col: field: message (hint)``, printable on one line."""
        where = f"{self.path}:{self.line}:{self.col}"
        text = f"{where}: {self.field}: {self.message}" if self.field else (
            f"{where}: {self.message}")
        return printable(f"{text} (hint: {self.hint})" if self.hint else text)


class StudyFileError(Exception):
    """Raised when a study file cannot be loaded; carries every issue found in it."""

    def __init__(self, issues: list[Issue]):
        self.issues = sorted(issues)
        super().__init__("\n".join(i.format() for i in self.issues))


def field_path(parts: tuple[object, ...]) -> str:
    """Format a location tuple as ``a.b[2].c``.

    >>> field_path(("outcomes", "binary", 2, "events"))
    'outcomes.binary[2].events'
    """
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out
