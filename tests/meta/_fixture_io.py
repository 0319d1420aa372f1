"""Load pinned R reference fixtures (tests/reference/fixtures/*.json); tests never run R."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parents[1] / "reference" / "fixtures"


def load_fixture(name: str) -> dict[str, Any]:
    """The JSON fixture ``name`` (without .json), checked to carry its provenance."""
    data = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    for key in ("script", "r_version", "metafor_version", "settings"):
        assert key in data, f"fixture {name}.json lacks {key!r}"
    assert (FIXTURES.parents[0] / "r" / Path(data["script"]).name).exists()
    return data
