"""Input errors of KM reconstruction: a :class:`ValueError` that knows where the problem is."""

from __future__ import annotations


class KMInputError(ValueError):
    """Invalid reconstruction input (a bad CSV row, N < 1, risk counts that increase, ...).

    Parameters
    ----------
    message : str
        ``expected …, got …`` wording.
    field : str
        The argument or column at fault (``survival``, ``n_risk``, ``--n``, ``events``).
    path : str
        The file, if the problem is in a file; empty otherwise.
    line, col : int
        1-based position in ``path``; 0 when no position applies.
    hint : str
        What to do about it (printed as ``(hint: …)``, as study-file issues print theirs).

    Notes
    -----
    ``str(error)`` is one line, ``path:line:col: field: message`` (positions and path left out when
    unknown; ``(hint: …)`` appended when there is one), the format of every hccmeta input error.
    """

    def __init__(self, message: str, field: str = "", path: str = "", line: int = 0,
                 col: int = 0, hint: str = "") -> None:
        self.message = message
        self.hint = hint
        self.field = field
        self.path = path
        self.line = line
        self.col = col
        super().__init__(self.format())

    def format(self) -> str:
        """Render as ``path:line:col: field: message``."""
        parts = []
        if self.path:
            where = self.path
            if self.line:
                where += f":{self.line}"
                if self.col:
                    where += f":{self.col}"
            parts.append(where)
        if self.field:
            parts.append(self.field)
        parts.append(self.message)
        text = ": ".join(parts)
        return f"{text} (hint: {self.hint})" if self.hint else text
