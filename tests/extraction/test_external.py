"""External reference lines (published pooled results): the bundled copy equals the evidence
file, each value matches the words of its published abstract, scales are natural (proportions for
rates, months for medians), records are frozen, the schema rejects unknown keys and impossible
values with their line, and the study loader never reads the file as a study."""

from __future__ import annotations

import dataclasses
import hashlib
import re
from pathlib import Path

import pytest
import yaml

from extraction.external import (
    DEFAULT_PATH,
    ReferenceFileError,
    ReferenceLine,
    load_reference_file,
    load_reference_lines,
)

ROOT = Path(__file__).resolve().parents[2]
EVIDENCE = ROOT / "studies" / "sources" / "evidence" / "published-pooled.yaml"


@pytest.fixture(scope="module")
def lines() -> tuple[ReferenceLine, ...]:
    return load_reference_lines()


def test_bundled_copy_lives_outside_the_study_files(bundled_records):
    assert DEFAULT_PATH.parent.name == "external"
    assert DEFAULT_PATH.parent.parent == ROOT / "studies"
    # the library loads without issues (asserted by the session fixture, tests/conftest.py)
    assert all(r.path.parent == ROOT / "studies" for r in bundled_records)


def test_bundled_copy_equals_the_evidence_file():
    raw = EVIDENCE.read_bytes()
    copy = load_reference_file()
    assert copy.copied_sha256 == hashlib.sha256(raw).hexdigest()
    original = yaml.safe_load(raw)
    bundled = yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))["references"]
    assert bundled == original


def test_published_values_as_printed_in_the_abstracts(lines):
    # (id, outcome) -> (value, CI) read in each meta-analysis' abstract
    # (Cui 2025 Oncol Lett; Tang 2019 Hepatoma Res; PMC8021909)
    expected = {
        ("cui2025_rt_ici", "orr"): (0.544, (0.468, 0.620)),
        ("cui2025_rt_ici", "median_pfs"): (10.1, (7.2, 12.9)),
        ("cui2025_rt_ici", "median_os"): (18.3, None),
        ("tang2019_ici", "orr"): (0.198, (0.164, 0.237)),
        ("ici_hcc_12studies_2021", "orr"): (0.17, (0.15, 0.19)),
        ("ici_hcc_12studies_2021", "dcr"): (0.58, (0.55, 0.61)),
        ("ici_hcc_12studies_2021", "median_pfs"): (3.27, (2.99, 3.55)),
        ("ici_hcc_12studies_2021", "median_os"): (11.73, (10.79, 12.67)),
    }
    got = {(r.id, r.outcome): (r.value, r.ci) for r in lines}
    assert got == expected


def _printed_forms(line: ReferenceLine) -> set[str]:
    if line.scale == "proportion":
        return {f"{100 * line.value:.1f}%", f"{line.value:.2f}"}
    return {f"{line.value:g}"}


def test_each_value_appears_in_its_own_quote(lines):
    quoted = [r for r in lines if r.quote]
    assert len(quoted) >= 7
    for r in quoted:
        assert any(form in r.quote for form in _printed_forms(r)), (r.id, r.outcome, r.quote)


def test_scales_are_natural_and_intervals_contain_the_value(lines):
    for r in lines:
        assert r.scale == ("proportion" if r.outcome in {"orr", "dcr"} else "months")
        if r.scale == "proportion":
            assert 0 <= r.value <= 1
        else:
            assert r.value > 0
        if r.ci is not None:
            assert r.ci[0] <= r.value <= r.ci[1]
        assert r.source_url.startswith("https://")


def test_one_line_per_meta_analysis_and_outcome(lines):
    keys = [(r.id, r.outcome) for r in lines]
    assert len(keys) == len(set(keys)) == 8


def test_i2_falls_back_to_the_overall_heterogeneity(lines):
    by_key = {(r.id, r.outcome): r for r in lines}
    assert by_key[("tang2019_ici", "orr")].i2 == 0.0
    assert by_key[("ici_hcc_12studies_2021", "median_os")].i2 == 90.3
    assert by_key[("cui2025_rt_ici", "orr")].i2 is None


def test_reference_lines_are_frozen(lines):
    with pytest.raises(dataclasses.FrozenInstanceError):
        lines[0].value = 0.9  # type: ignore[misc]


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "pooled.yaml"
    path.write_text(text, encoding="utf-8")
    return path


GOOD = """\
schema_version: 1
copied_from: somewhere
copied_on: 2026-11-26
copied_sha256: {sha}
references:
  - id: x2020
    citation: "X et al. 2020"
    pooled:
      orr: {{value: {orr}, ci95: [0.1, 0.3]}}
    source: "https://example.org/x"
{extra}"""


def _good(**kw: str) -> str:
    values = {"sha": "a" * 64, "orr": "0.2", "extra": ""} | kw
    return GOOD.format(**values)


def test_minimal_file_loads(tmp_path):
    (line,) = load_reference_lines(_write(tmp_path, _good()))
    assert (line.id, line.outcome, line.value, line.ci, line.quote) == ("x2020", "orr", 0.2,
                                                                       (0.1, 0.3), None)


def test_unknown_key_is_rejected_with_its_line(tmp_path):
    path = _write(tmp_path, _good(extra="    pooled_by: nobody\n"))
    with pytest.raises(ReferenceFileError) as exc:
        load_reference_lines(path)
    text = str(exc.value)
    assert re.search(r"pooled\.yaml:11:\d+: references\[0\]\.pooled_by", text), text


def test_percent_instead_of_proportion_is_rejected(tmp_path):
    path = _write(tmp_path, _good(orr="20", extra=""))
    with pytest.raises(ReferenceFileError, match=r"ci95|proportion"):
        load_reference_lines(path)


def test_interval_not_around_the_value_is_rejected(tmp_path):
    path = _write(tmp_path, _good(orr="0.5"))
    with pytest.raises(ReferenceFileError, match=r"pooled\.yaml:9:\d+: .*ci95.*around the value"):
        load_reference_lines(path)


def test_unknown_outcome_and_bad_hash_are_rejected(tmp_path):
    path = _write(tmp_path, _good(sha="abc").replace("orr:", "response:"))
    with pytest.raises(ReferenceFileError) as exc:
        load_reference_lines(path)
    assert "copied_sha256" in str(exc.value) and "response" in str(exc.value)


def test_duplicate_ids_are_rejected(tmp_path):
    entry = _good().split("references:\n")[1]
    path = _write(tmp_path, _good() + entry)
    with pytest.raises(ReferenceFileError, match="unique ids, got x2020"):
        load_reference_lines(path)
