"""The reference data sets inside the pinned metafor fixtures cannot change silently (metadat's
habit: each data set's hash pinned in a test). If a fixture is regenerated on purpose with other
data, update the digest here in the same change and say why in the CHANGELOG."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "reference" / "fixtures"
PINNED = {
    "metafor_rma": "8aa27cfdedfe4f7f63625816e1333cb215f2ad62fd6288fd06eaf30c8fdfbe38",
    "metafor_rma_subgroups": "0d888ab573f1322056eb6fc2e75a25a70d4e031cb4fc2ae46df0909fdfd39b2f",
    "metafor_rma_simulated": "343a903c21fdae3cec7c6ff66f22771341a24cdd3d8a3a1310413dfb200e7c73",
}


@pytest.mark.parametrize("name", sorted(PINNED))
def test_fixture_data_sets_are_pinned(name):
    data = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    digest = hashlib.sha256(json.dumps(data["datasets"], sort_keys=True).encode()).hexdigest()
    assert digest == PINNED[name], f"{name}.json data sets changed"
    for key in ("script", "r_version", "metafor_version", "settings", "packages"):
        assert key in data, f"{name}.json lacks {key!r}"
    assert (FIXTURES.parent / "r" / Path(data["script"]).name).exists()
