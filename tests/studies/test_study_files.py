"""Study files: the library validates, the scaffold and the JSON Schema work, the loader keeps
positions and printed precision, and validation never modifies a file."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml
from typer.testing import CliRunner

from extraction import StudyFileError, load_paths, load_study
from extraction.schema_common import as_float, parse_p
from extraction.schema_entries import to_months
from reports.cli import app

ROOT = Path(__file__).resolve().parents[2]
STUDIES = ROOT / "studies"
SEED = STUDIES / "zhai2025.yaml"


def test_every_study_file_validates():
    records, issues = load_paths([STUDIES])
    assert [i.format() for i in issues] == []
    assert len(records) == len(list(STUDIES.glob("*.yaml"))) >= 1


def test_validate_cli_on_library_exits_0_and_leaves_files_untouched(monkeypatch):
    monkeypatch.chdir(ROOT)
    before = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in STUDIES.rglob("*") if
              p.is_file()}
    result = CliRunner().invoke(app, ["validate", "studies"])
    assert result.exit_code == 0, result.output
    after = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in STUDIES.rglob("*") if
             p.is_file()}
    assert before == after


def test_seed_study_numbers_and_provenance():
    record = load_study(SEED)
    study = record.study
    assert study.arms[0].n == 108 and study.arms[0].treatment_class == "rt+ici"
    orr = study.outcomes.binary[0]
    assert (orr.endpoint, orr.events, orr.total, orr.percent) == ("orr", 81, 108, 75.0)
    assert orr.criteria == "not_reported"
    assert set(orr.derived) == {"events", "total"}  # 81 is derived from 75.0% of 108
    assert orr.source.location == "abstract" and "75.0%" in orr.source.quote
    os_, pfs = study.outcomes.time_to_event
    assert (os_.median, pfs.median) == (17.0, 12.6)
    assert study.outcomes.adverse_events[0].percent == 30.6
    assert study.arms[0].source_of("rt_dose_gy").quote.startswith("A median radiation dose")


def test_every_number_in_the_seed_study_has_a_quote_from_the_abstract():
    abstract = (ROOT / "studies" / "sources" / "seed-abstract.txt").read_text()
    record = load_study(SEED)
    quotes = [q for q in re.findall(r'quote: "(.*)"', SEED.read_text())]
    assert quotes
    for quote in quotes:
        if "published 2025-08-01" in quote:
            continue  # the citation line of the evidence file, not the abstract body
        assert quote in abstract, quote
    assert record.study.citation.doi == "10.3389/fimmu.2025.1594577"


def test_loader_keeps_positions_and_printed_precision():
    record = load_study(SEED)
    line = record.line_of("outcomes", "binary", 0, "percent")
    assert SEED.read_text().splitlines()[line - 1].strip() == "percent: 75.0"
    assert record.raw_text("outcomes", "binary", 0, "percent") == "75.0"
    assert record.raw_text("population", 0, "percent") == "53.7"


def test_units_ne_and_p_values():
    assert to_months(52.1775, "weeks") == pytest.approx(12.0)
    assert to_months(365.25, "days") == pytest.approx(12.0)
    assert to_months("NE", "months") is None
    assert as_float("NE") is None and as_float(3.0) == 3.0
    assert parse_p("<0.001") == ("<", 0.001)
    assert parse_p("0.014") == ("=", 0.014)


def _fill(text: str) -> str:
    values = {"year": "2021", "design": "rct", "treatment_class": "ici", "n": "40",
              "location": "abstract", "id": "arm_a"}
    out = []
    for line in text.splitlines():
        match = re.match(r"^(\s*-?\s*)(\w+): (\"?)FILL(\"?)(.*)$", line)
        if match and not line.lstrip().startswith("#"):
            indent, key, quote, _, rest = match.groups()
            value = values.get(key, "filled in")
            line = f"{indent}{key}: {quote}{value}{quote}{rest}"
        elif "FILL" in line and not line.lstrip().startswith("#"):
            line = line.replace("FILL", "Filled In")
        out.append(line)
    return "\n".join(out) + "\n"


def test_scaffold_fails_until_filled_then_validates(tmp_path: Path):
    runner = CliRunner()
    result = runner.invoke(app, ["new", "doe2021_trial", "--dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    target = tmp_path / "doe2021_trial.yaml"
    text = target.read_text()
    placeholders = [i for i, line in enumerate(text.splitlines(), 1)
                    if "FILL" in line.split("#")[0]]
    result = runner.invoke(app, ["validate", str(target)])
    assert result.exit_code == 2
    lines = {int(line.split(":")[1]) for line in result.stdout.splitlines()}
    assert lines == set(placeholders)
    target.write_text(_fill(text))
    result = runner.invoke(app, ["validate", str(target)])
    assert result.exit_code == 0, result.output


def test_scaffold_mentions_every_top_level_field():
    from extraction.scaffold import scaffold
    from extraction.schema import Study

    text = scaffold("x2020")
    for name in Study.model_fields:
        assert re.search(rf"^#? ?{name}:", text, re.M), name


def test_new_refuses_to_overwrite_and_bad_ids(tmp_path: Path):
    runner = CliRunner()
    existing = tmp_path / "x2020.yaml"
    existing.write_text("keep me")
    result = runner.invoke(app, ["new", "x2020", "--dir", str(tmp_path)])
    assert result.exit_code == 2 and existing.read_text() == "keep me"
    result = runner.invoke(app, ["new", "Bad-Id", "--dir", str(tmp_path)])
    assert result.exit_code == 2 and "expected an id" in result.output


def test_json_schema_accepts_library_and_rejects_unknown_keys(tmp_path: Path):
    result = CliRunner().invoke(app, ["schema", "--out", str(tmp_path / "s.json")])
    assert result.exit_code == 0
    schema = json.loads((tmp_path / "s.json").read_text())
    validator = jsonschema.Draft202012Validator(schema)
    for path in STUDIES.glob("*.yaml"):
        data = yaml.safe_load(path.read_text())
        data = json.loads(json.dumps(data, default=str))  # dates as text, as the loader keeps them
        errors = list(validator.iter_errors(data))
        assert not errors, (path.name, errors[0].message if errors else "")
    data["unexpected_key"] = 1
    assert list(validator.iter_errors(data))


def test_study_file_error_carries_all_issues(tmp_path: Path):
    bad = tmp_path / "x.yaml"
    bad.write_text("schema_version: 1\nid: x\n")
    with pytest.raises(StudyFileError) as info:
        load_study(bad)
    fields = {i.field for i in info.value.issues}
    assert {"citation", "design", "arms", "curation"} <= fields


def _study_with_curve(folder: Path, curve_path: str) -> Path:
    text = SEED.read_text().replace("id: zhai2025", "id: curvy")
    text = text.replace("curation:\n", "curves:\n  - endpoint: os\n    arm: rt_ici\n"
                        f"    file: {curve_path}\n    risk_table: [[0, 108], [12, 60]]\n"
                        "    source:\n      location: figure\n      label: Figure 2A\n"
                        "curation:\n", 1)
    target = folder / "curvy.yaml"
    target.write_text(text)
    return target


def test_curve_inside_studies_validates(tmp_path: Path):
    (tmp_path / "km").mkdir()
    (tmp_path / "km" / "curvy_os.csv").write_text("time,survival\n0,1\n12,0.6\n")
    record = load_study(_study_with_curve(tmp_path, "km/curvy_os.csv"))
    assert record.study.curves[0].risk_table == [[0, 108], [12, 60]]


def test_symlink_out_of_studies_is_refused(tmp_path: Path):
    (tmp_path / "km").mkdir()
    outside = tmp_path.parent / f"{tmp_path.name}_outside.csv"
    outside.write_text("time,survival\n0,1\n")
    (tmp_path / "km" / "link.csv").symlink_to(outside)
    with pytest.raises(StudyFileError) as info:
        load_study(_study_with_curve(tmp_path, "km/link.csv"))
    (issue,) = info.value.issues
    assert issue.field == "curves[0].file" and "expected a path inside" in issue.message
