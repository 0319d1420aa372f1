"""One rule for every user string printed to a terminal: printable, on one line.

Study files, plans, CSVs and file names are user text. Printed raw, a newline in a ``derived:``
text forges an extra audit line and an ESC sequence drives the terminal. :func:`printable`
escapes every C0/C1 control character, DEL, the Unicode line and paragraph separators and the
bidirectional overrides (``\\x1b`` -> ``\\x1b``, newline -> ``\\n``), so one message stays one
line and shows what the file holds.

>>> printable("a\\nb\\x1b[31m")
'a\\\\nb\\\\x1b[31m'
"""

from __future__ import annotations

import re

_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e"
                          "\u2066-\u2069\ufeff]")


def _escape(match: re.Match[str]) -> str:
    char = match.group(0)
    special = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
    if char in special:
        return special[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: object) -> str:
    """``str(text)`` with control, separator and bidi-override characters escaped."""
    return _UNPRINTABLE.sub(_escape, str(text))
