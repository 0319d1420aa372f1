"""Printed precision: what range of true values a number printed as ``53.7`` stands for.

A value printed with ``d`` decimals stands for any true value within half a unit of the last
digit, ``± 0.5·10^-d``. Percents are tested GRIM-style (Brown & Heathers 2017, "The GRIM test",
Soc Psychol Personal Sci 8:363): a percent printed with ``d`` decimals is consistent with
``count/n`` when ``100·count/n`` rounds to it. Both rounding rules in use are accepted: half-up
(school rounding, SPSS/SAS/Excel) and half-even (R's ``round``, Python's ``round``).
"""

from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from extraction.loader import StudyRecord

Path_ = tuple[str | int, ...]


def decimals(raw: str | None, value: float | str | None = None) -> int:
    """Number of printed decimals of ``raw`` (``'75.0' -> 1``, ``'108' -> 0``, ``'1e-3' -> 3``).

    Falls back to ``repr(value)`` when the raw text is unknown; NE and text give 0.
    """
    text = raw if raw is not None else (repr(value) if value is not None else "0")
    try:
        exponent = Decimal(text.strip()).as_tuple().exponent
    except InvalidOperation:
        return 0
    return max(0, -exponent) if isinstance(exponent, int) else 0


def half_unit(record: StudyRecord, path: Path_, value: float | str | None = None) -> float:
    """Half a unit of the last printed digit of the number at ``path`` (0.05 for ``'75.0'``)."""
    return 0.5 * 10.0 ** -decimals(record.raw_text(*path), value)


def _round_half_up(x: Fraction, digits: int) -> Fraction:
    scale = Fraction(10) ** digits
    return Fraction(math.floor(x * scale + Fraction(1, 2))) / scale


def _round_half_even(x: Fraction, digits: int) -> Fraction:
    scale = Fraction(10) ** digits
    return Fraction(round(x * scale)) / scale


def printed(raw: str) -> tuple[Fraction, int]:
    """The exact value and decimals of a printed number: ``'53.7' -> (537/10, 1)``."""
    return Fraction(Decimal(raw.strip())), decimals(raw)


def rounds_to(exact: Fraction, raw: str) -> bool:
    """True when ``exact`` prints as ``raw`` under half-up or half-even rounding.

    >>> rounds_to(Fraction(100 * 81, 108), "75.0")
    True
    >>> rounds_to(Fraction(100 * 80, 108), "75.0")
    False
    """
    target, digits = printed(raw)
    return _round_half_up(exact, digits) == target or _round_half_even(exact, digits) == target


def truncates_to(exact: Fraction, raw: str) -> bool:
    """True when ``exact`` cut (not rounded) to the printed decimals gives ``raw``.

    Some papers truncate (3/14 = 21.428...% printed as 21.42%); Brown & Heathers (2017) advise
    considering it. The audit accepts it with a warning only.

    >>> truncates_to(Fraction(300, 14), "21.42")
    True
    """
    target, digits = printed(raw)
    scale = Fraction(10) ** digits
    return Fraction(math.floor(exact * scale)) / scale == target


def counts_printing(raw_percent: str, n: int, truncated: bool = False) -> list[int]:
    """Every integer count ``k`` in ``0..n`` for which ``100·k/n`` prints as ``raw_percent``.

    >>> counts_printing("75.0", 108)
    [81]
    >>> counts_printing("53.7", 108)
    [58]
    """
    target, digits = printed(raw_percent)
    centre = float(target) * n / 100
    width = n / 100 * 10.0 ** -digits + 1
    lo, hi = max(0, math.floor(centre - width)), min(n, math.ceil(centre + width))
    test = truncates_to if truncated else rounds_to
    return [k for k in range(lo, hi + 1) if test(Fraction(100 * k, n), raw_percent)]


def raw_or_repr(record: StudyRecord, path: Path_, value: float | int) -> str:
    """The number as printed in the file, or its repr when the file has no raw text for it."""
    raw = record.raw_text(*path)
    return raw if raw is not None else repr(value)


def fmt(value: float | int | str | None) -> str:
    """Short display of a number in messages (``75.0``, ``0.58``, ``NE``)."""
    if value is None:
        return "none"
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)
