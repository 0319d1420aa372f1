"""Load pinned R reference fixtures (tests/reference/fixtures/*.json); tests never run R."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

FIXTURES = Path(__file__).resolve().parents[1] / "reference" / "fixtures"


def load_fixture(name: str) -> dict[str, Any]:
    """The JSON fixture ``name`` (without .json), checked to carry its provenance."""
    data = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    for key in ("script", "r_version", "metafor_version", "settings"):
        assert key in data, f"fixture {name}.json lacks {key!r}"
    assert (FIXTURES.parents[0] / "r" / Path(data["script"]).name).exists()
    return data


def assert_close(actual: Any, expected: Any, what: str = "", rtol: float = 1e-6,
                 atol: float = 1e-10) -> None:
    """``actual`` equals the R value to ``rtol`` (1e-6: the fixtures' metafor fits converged to
    1e-12) or ``atol`` near zero."""
    np.testing.assert_allclose(np.atleast_1d(actual), np.atleast_1d(np.asarray(expected, float)),
                               rtol=rtol, atol=atol, err_msg=what)
