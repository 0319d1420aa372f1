"""Input checking shared by the effect-size and sensitivity modules: errors name the argument
(and the index of the offending study) so a user can find the value to fix."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from meta.errors import MetaInputError


def labels(study: Sequence[Any] | None, k: int) -> tuple[str, ...]:
    """Study labels as strings; ``study 1 .. study k`` when None. Raises on a length mismatch."""
    if study is None:
        return tuple(f"study {i + 1}" for i in range(k))
    out = tuple(str(s) for s in study)
    if len(out) != k:
        raise MetaInputError(f"study: expected {k} labels, got {len(out)}")
    return out


def vector(name: str, values: Any, k: int | None = None, *, allow_nan: bool = False
           ) -> np.ndarray:
    """A 1-D float array from ``values`` (``None`` -> NaN when ``allow_nan``).

    Raises ``ValueError`` naming ``name`` for non-numbers, a wrong length (when ``k`` is given),
    infinite values, or NaN/None unless ``allow_nan``.
    """
    try:
        raw = [np.nan if v is None else v for v in np.atleast_1d(np.asarray(values, dtype=object))]
        arr = np.array(raw, dtype=float)
    except (TypeError, ValueError) as exc:
        raise MetaInputError(f"{name}: expected numbers, got {values!r}") from exc
    if arr.ndim != 1:
        raise MetaInputError(f"{name}: expected a one-dimensional sequence, got shape {arr.shape}")
    if k is not None and len(arr) != k:
        raise MetaInputError(f"{name}: expected {k} values, got {len(arr)}")
    bad = np.isinf(arr) if allow_nan else ~np.isfinite(arr)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise MetaInputError(f"{name}[{i}]: expected a finite number, got {arr[i]}")
    return arr

