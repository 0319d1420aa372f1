"""Regression tests for the adversarial review of the study-file foundation (defect ids A2-D28 of
the review report): each test reproduces the reviewer's input and checks the fixed behaviour.
"""

from __future__ import annotations

import datetime
import os
import re
import stat
import types
from pathlib import Path

import jsonschema
import pytest
from minimal_study import MINIMAL_STUDY
from typer.testing import CliRunner

from extraction.loader import expand
from extraction.schema import Study, json_schema
from reports.atomic import write_text_atomic
from reports.cli import app

BASE = MINIMAL_STUDY
LINE = re.compile(r"^(?P<path>[^\n]+?):(?P<line>\d+):(?P<col>\d+): (?:(?P<field>[\w.\[\]]+): )?"
                  r"(?P<message>expected .+, got .+)$")


def study(folder: Path, extra: str = "", name: str = "s", **replace: str) -> Path:
    """The reviewer's base file B with ``replace`` (old=new line text) and ``extra`` appended."""
    text = BASE.format(id=name)
    for old, new in replace.items():
        old = old.replace("__", " ")
        assert old in text, old
        text = text.replace(old, new, 1)
    path = folder / f"{name}.yaml"
    path.write_text(text + extra, encoding="utf-8")
    return path


def validate(*paths: Path) -> tuple[int, list[str], str]:
    result = CliRunner().invoke(app, ["validate", *map(str, paths)])
    assert "Traceback" not in result.output
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    for line in lines:
        assert LINE.match(line.split(" (hint: ")[0]), line
    return result.exit_code, lines, result.stderr


def by_field(lines: list[str]) -> dict[str, str]:
    return {line.split(": ")[1]: line for line in lines}


CURVE = "curves:\n  - {{endpoint: os, arm: a, file: {file}, source: {{location: abstract}}}}\n"


# --- A: tracebacks and security ---------------------------------------------------------------

def test_a2_nul_byte_in_curve_path_is_a_schema_error_not_a_traceback(tmp_path):
    code, lines, _ = validate(study(tmp_path, CURVE.format(file='"km/\\0.csv"')))
    assert code == 2
    assert len(lines) == 1
    assert lines[0].endswith("curves[0].file: expected a path to a .csv file, got 'km/\\x00.csv'")


def test_a3_new_and_schema_report_filesystem_errors_in_one_line(tmp_path, monkeypatch):
    runner = CliRunner()
    blocker = tmp_path / "file"
    blocker.write_text("x")
    (tmp_path / "isdir" / "x2020.yaml").mkdir(parents=True)
    (tmp_path / "x2020.yaml").symlink_to(tmp_path / "nowhere")
    cases = {
        ("new", "x2020", "--dir", str(blocker / "sub")): "expected a writable folder, got",
        ("new", "x2020", "--dir", str(tmp_path / "isdir")): "exists; not overwritten",
        ("new", "x2020", "--dir", str(tmp_path)): "exists; not overwritten",  # dangling link
        ("new", "x2020", "--dir", str(tmp_path / ("d" * 300))):
            "expected a writable folder, got File name too long",
        ("schema", "--out", str(tmp_path / "isdir")): "expected a writable file path, got Is a",
        ("schema", "--out", str(blocker / "x.json")): "is a file, not a folder",
    }
    for args, expected in cases.items():
        result = runner.invoke(app, list(args))
        assert result.exit_code == 2, (args, result.output)
        assert "Traceback" not in result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)
        assert expected in result.stderr and len(result.stderr.splitlines()) == 1, result.stderr
    assert not (tmp_path / "nowhere").exists(), "wrote through a dangling symlink"

    def refuse(*_args, **_kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("reports.cli.study_files.write_text_atomic", refuse)
    result = runner.invoke(app, ["new", "y2020", "--dir", str(tmp_path / "ro")])
    assert result.exit_code == 2
    assert result.stderr.strip() == (f"hccmeta new: {tmp_path / 'ro'}: expected a writable "
                                      "folder, got Permission denied")


def test_a4_new_refuses_trailing_newline_and_ids_longer_than_the_schema_allows(tmp_path):
    runner = CliRunner()
    result = runner.invoke(app, ["new", "foo\n", "--dir", str(tmp_path)])
    assert result.exit_code == 2 and "got 'foo\\n'" in result.stderr
    result = runner.invoke(app, ["new", "a" * 61, "--dir", str(tmp_path)])
    assert result.exit_code == 2 and "at most 60 characters, got 61" in result.stderr
    assert not list(tmp_path.iterdir())
    result = runner.invoke(app, ["new", "a" * 60, "--dir", str(tmp_path)])
    assert result.exit_code == 0


def test_a6_booleans_and_quoted_numbers_are_refused_in_number_fields(tmp_path):
    extra = ("population:\n  - {characteristic: pvtt, percent: on, median: \"12\", "
             "source: {location: abstract}}\n"
             "contrasts:\n  - {endpoint: os, measure: hr, arm: a, reference: b, estimate: true, "
             "ci_lower: \"0.5\", ci_upper: \" 2 \", source: {location: abstract}}\n")
    path = study(tmp_path, extra, **{"    n: 108": "    n: 108\n    rt_dose_gy: yes",
                                     "arms:": "arms:\n  - {id: b, label: B, treatment_class: rt, "
                                              "n: 5, source: {location: abstract}}"})
    code, lines, _ = validate(path)
    fields = by_field(lines)
    assert code == 2
    assert set(fields) == {"arms[1].rt_dose_gy", "population[0].percent", "population[0].median",
                           "contrasts[0].estimate", "contrasts[0].ci_lower",
                           "contrasts[0].ci_upper"}
    assert "expected a number, got True (hint: yes is a boolean in YAML" in fields[
        "arms[1].rt_dose_gy"]
    assert "got ' 2 ' (hint: write the number without quotes)" in fields["contrasts[0].ci_upper"]
    # a whole number is still a number where a float is expected
    ok = study(tmp_path, "population:\n  - {characteristic: pvtt, percent: 75, median: 12, "
               "source: {location: abstract}}\n", name="ints")
    assert validate(ok)[0] == 0


def test_a7_followup_range_must_be_ordered_and_hold_the_median(tmp_path):
    extra = ("followup:\n  - {median: 18.8, range_lower: 30, range_upper: 2, source: {location: "
             "abstract}}\n  - {median: 1.5, range_lower: 2, range_upper: 40, source: {location: "
             "abstract}}\n  - {median: 18.8, range_lower: 2, range_upper: 40, source: {location: "
             "abstract}}\n  - {median: 41, range_lower: 2, range_upper: 40, source: {location: "
             "abstract}}\n")
    code, lines, _ = validate(study(tmp_path, extra))
    assert code == 2
    assert [line.split(": ", 1)[1] for line in lines] == [
        "followup[0].range_upper: expected a number >= 30 (range_lower), got 2 (hint: check the "
        "order of range_lower and range_upper)",
        "followup[1].median: expected a number >= 2 (range_lower), got 1.5 (hint: check the order "
        "of range_lower and median)",
        "followup[3].range_upper: expected a number >= 41 (median), got 40 (hint: check the order "
        "of median and range_upper)"]


def test_a8_impossible_years_dates_periods_and_doses_are_refused(tmp_path, monkeypatch):
    today = datetime.date.today()
    tomorrow = today + datetime.timedelta(days=1)
    # the validators' today stays the test's today: a run across midnight (or New Year) made
    # the test's "tomorrow" (or "next year + 1") the validators' today (next year) and failed
    frozen = type("Today", (datetime.date,), {"today": classmethod(lambda cls: today)})
    monkeypatch.setattr("extraction.schema.datetime",
                        types.SimpleNamespace(**{**vars(datetime), "date": frozen}))
    path = study(tmp_path, f"enrolment: {{start: 2021-12, end: 2018-01, source: {{location: "
                 f"abstract}}}}\nanalysis: {{data_cutoff: {tomorrow.isoformat()}}}\n",
                 **{"  year: 2025": f"  year: {today.year + 2}\n  published: 2025-13-45",
                    "    n: 108": "    n: 108\n    rt_dose_gy: 5500",
                    "  extracted_by: me": "  extracted_by: me\n  extracted_on: 2025-02-30"})
    code, lines, _ = validate(path)
    fields = by_field(lines)
    assert code == 2
    assert f"expected a year <= {today.year + 1} (next year), got {today.year + 2}" in fields[
        "citation.year"]
    assert "expected a calendar date, got '2025-13-45'" in fields["citation.published"]
    assert "expected a calendar date, got '2025-02-30'" in fields["curation.extracted_on"]
    assert "expected a date not in the future" in fields["analysis.data_cutoff"]
    assert "expected an end on or after the start '2021-12', got '2018-01'" in fields[
        "enrolment.end"]
    assert "expected a number <= 150, got 5500 (hint: is it in cGy? 5500 cGy = 55 Gy)" in fields[
        "arms[0].rt_dose_gy"]
    assert len(lines) == 6
    fine = study(tmp_path, f"enrolment: {{start: 2021-12, end: 2021, source: {{location: "
                 f"abstract}}}}\nanalysis: {{data_cutoff: {today.isoformat()}}}\n", name="fine",
                 **{"  year: 2025": f"  year: {today.year + 1}\n  published: {today:%Y-%m}"})
    assert validate(fine)[0] == 0


def test_a9_unreadable_curve_paths_are_located_and_other_errors_kept(tmp_path, monkeypatch):
    (tmp_path / "km").mkdir()
    long_name = "km/" + "a" * 300 + ".csv"
    path = study(tmp_path, CURVE.format(file=long_name) + "  - {endpoint: os, arm: a, file: "
                 "km/locked.csv, source: {location: abstract}}\n",
                 **{"    n: 108": "    n: -1"})
    real_stat = os.stat

    def stat_refusing_locked(target, *args, **kwargs):
        if str(target).endswith("locked.csv"):
            raise PermissionError(13, "Permission denied")
        return real_stat(target, *args, **kwargs)

    monkeypatch.setattr("extraction.references.os.stat", stat_refusing_locked)
    code, lines, _ = validate(path)
    fields = by_field(lines)
    assert code == 2
    assert set(fields) == {"arms[0].n", "curves[0].file", "curves[1].file"}
    assert ":19:" in fields["curves[0].file"] and "(File name too long)" in fields[
        "curves[0].file"]
    assert "expected an existing file, got 'km/aaaa" in fields["curves[0].file"]
    assert "got 'km/locked.csv' (Permission denied)" in fields["curves[1].file"]


def test_a10_user_values_cannot_break_or_forge_output_lines(tmp_path):
    extra = ("outcomes:\n  binary:\n    - {endpoint: dcr, criteria: not_reported, arm: "
             "\"zz\\n/x.yaml:1:1: fake\", events: 1, source: {location: abstract}}\n"
             "conflicts:\n  - {about: x, fields: [\"a\\nb.yaml:1:1: expected x, got y\"], "
             "values: [\"1\", \"2\"], sources: [{location: abstract}]}\n"
             + CURVE.format(file='"km/x\\n.csv"'))
    path = study(tmp_path, extra, **{"  - id: a": '  - id: "a\\nb"'})
    code, lines, _ = validate(path)
    assert code == 2
    assert all(line.startswith(f"{path}:") for line in lines)
    assert sorted(by_field(lines)) == ["arms[0].id", "conflicts[0].fields[0]", "curves[0].arm",
                                       "curves[0].file", "outcomes.binary[0].arm"]
    assert "got 'zz\\n/x.yaml:1:1: fake'" in by_field(lines)["outcomes.binary[0].arm"]


# --- B: completeness and duplicates ------------------------------------------------------------

def test_b13_every_entry_level_problem_is_reported_at_once(tmp_path):
    extra = ("outcomes:\n  binary:\n    - {endpoint: orr, arm: a, events: 500, total: 100, "
             "ci_lower: 90, ci_upper: 10, source: {location: abstract}, derived: {foo: x, bar: "
             "y}}\n  time_to_event:\n    - {endpoint: os, arm: a, ci_lower: 9, ci_upper: 3, "
             "source: {location: table}}\n")
    code, lines, _ = validate(study(tmp_path, extra))
    assert code == 2
    assert sorted(by_field(lines)) == [
        "outcomes.binary[0].ci_upper", "outcomes.binary[0].criteria",
        "outcomes.binary[0].derived.bar", "outcomes.binary[0].derived.foo",
        "outcomes.binary[0].events", "outcomes.time_to_event[0].ci_upper",
        "outcomes.time_to_event[0].median", "outcomes.time_to_event[0].source.label"]


def test_b16_string_lengths_are_translated(tmp_path):
    path = study(tmp_path, f"notes: \"{'x' * 2001}\"\n",
                 **{"[Zhai Y]": '[""]', "    label: A": '    label: ""'})
    _, lines, _ = validate(path)
    fields = by_field(lines)
    assert fields["citation.authors[0]"].endswith("expected at least 1 character, got 0")
    assert fields["arms[0].label"].endswith("expected at least 1 character, got 0")
    assert fields["notes"].endswith("expected at most 2000 characters, got 2001")


def test_b17_scaffold_gives_one_line_per_placeholder(tmp_path):
    runner = CliRunner()
    assert runner.invoke(app, ["new", "doe2021", "--dir", str(tmp_path)]).exit_code == 0
    target = tmp_path / "doe2021.yaml"
    placeholders = [n for n, line in enumerate(target.read_text().splitlines(), 1)
                    if "FILL" in line.split("#")[0]]
    code, lines, _ = validate(target)
    assert code == 2
    assert [int(line.split(":")[1]) for line in lines] == placeholders
    assert all("placeholder FILL" in line for line in lines)


def test_b17_bad_paths_and_arm_ids_are_reported_once(tmp_path):
    extra = ("curves:\n  - {endpoint: os, arm: a, file: '.csv', source: {location: abstract}}\n"
             "  - {endpoint: os, arm: a, file: km/a.CSV, source: {location: abstract}}\n"
             "  - {endpoint: os, arm: \"zz\\n\", file: km/a.csv, source: {location: abstract}}\n")
    (tmp_path / "km").mkdir()
    (tmp_path / "km" / "a.csv").write_text("time,survival\n0,1\n")
    code, lines, _ = validate(study(tmp_path, extra))
    assert code == 2
    assert sorted(by_field(lines)) == ["curves[0].file", "curves[1].file", "curves[2].arm"]
    assert len(lines) == 3


def test_b17_a_file_named_twice_is_validated_once(tmp_path):
    path = study(tmp_path, **{"    n: 108": "    n: -1"})
    code, lines, stderr = validate(path, path, tmp_path, tmp_path / "." / "s.yaml")
    assert code == 2 and len(lines) == 1
    assert "1 error(s) in 1 of 1 file(s)" in stderr
    assert expand([path, tmp_path]) == [path]


def test_b18_curve_path_blanks_are_stripped_as_the_schema_does(tmp_path):
    (tmp_path / "km").mkdir()
    (tmp_path / "km" / "a.csv").write_text("time,survival\n0,1\n")
    code, lines, _ = validate(study(tmp_path, CURVE.format(file="'  km/a.csv  '")))
    assert (code, lines) == (0, [])


# --- C: wording and hints ----------------------------------------------------------------------

def test_c19_literal_options_are_listed_and_suggested_exactly(tmp_path):
    extra = ("arms2: x\n" if False else "") + (
        "contrasts:\n  - {endpoint: os, measure: OR, arm: a, reference: b, estimate: 1, "
        "source: {location: abstract}}\n")
    path = study(tmp_path, extra, **{"arms:": "arms:\n  - {id: b, label: B, treatment_class: "
                                              "rt, n: 5, source: {location: abstract}}"})
    _, lines, _ = validate(path)
    assert lines[0].endswith("contrasts[0].measure: expected one of hr, or, rr, got 'OR' "
                             "(hint: did you mean 'or'?)")


def test_c20_placeholder_hint_offers_deletion_only_for_optional_fields(tmp_path):
    path = study(tmp_path, **{"  journal: J": "  journal: FILL",
                              "    n: 108": "    n: 108\n    regimen: FILL"})
    _, lines, _ = validate(path)
    fields = by_field(lines)
    assert fields["citation.journal"].endswith("(hint: replace it with what the paper reports)")
    assert fields["arms[0].regimen"].endswith("(hint: replace it with what the paper reports, or "
                                              "delete the field)")


def test_c21_id_mismatch_hint_suggests_only_valid_ids(tmp_path):
    _, lines, _ = validate(study(tmp_path, name="Zhai2025", **{"id: Zhai2025": "id: zhai2025"}))
    assert lines[0].endswith("(hint: rename the file to zhai2025.yaml)")
    _, lines, _ = validate(study(tmp_path, name="doe2020", **{"id: doe2020": "id: doe2021"}))
    assert lines[0].endswith("(hint: rename the file to doe2021.yaml or set id: doe2020)")


def test_c24_hints_for_common_yaml_mistakes(tmp_path):
    extra = ("phase: 2\nsetting: {region: NO}\noutcomes:\n  binary:\n    - {endpoint: dcr, "
             "criteria: not_reported, arm: a, percent: \"75%\", source: {location: abstract}, "
             "derived: {event: x}}\n  time_to_event:\n    - {endpoint: os, arm: a, median: 5, "
             "ci_level: 0.95, source: {location: abstract}, sources: {median: {location: "
             "abstract, qoute: x}}}\ncontrasts:\n  - {endpoint: os, measure: hr, arm: a, "
             "reference: b, estimate: 1, p_value: \"p<0.05\", source: {location: abstract}}\n")
    path = study(tmp_path, extra, **{"  year: 2025": "  year: 2025\n  pmid: 123",
                                     "arms:": "arms:\n  - {id: b, label: B, treatment_class: rt, "
                                              "n: 5, source: {location: abstract}}"})
    _, lines, _ = validate(path)
    hints = {field: line.split(" (hint: ")[1][:-1] for field, line in by_field(lines).items()}
    assert hints == {
        "citation.pmid": 'quote it: "123"',
        "phase": 'quote it: "2"',
        "setting.region": 'NO is a boolean in YAML (so are yes, no, on, off); quote it: "NO"',
        "outcomes.binary[0].percent": "drop the %: write '75' without quotes",
        "outcomes.binary[0].derived.event": "did you mean 'events'?",
        "outcomes.time_to_event[0].ci_level": "write 95 for a 95% CI",
        "outcomes.time_to_event[0].sources.median.qoute": "did you mean 'quote'?",
        "contrasts[0].p_value": "drop the p: write '<0.05'",
    }


def test_c25_wording_items_figure_labels_numeric_provenance_keys_and_numbers(tmp_path):
    extra = ("outcomes:\n  time_to_event:\n    - endpoint: os\n      arm: a\n      median: 17\n"
             "      landmarks:\n        - {time: 12, percent: 67, ci_lower: 70, ci_upper: 60}\n"
             "      source: {location: figure}\n      derived: {arm: computed}\n")
    path = study(tmp_path, extra, **{"[Zhai Y]": "[]"})
    _, lines, _ = validate(path)
    fields = by_field(lines)
    assert fields["citation.authors"].endswith("expected at least 1 item, got 0")
    assert "expected a label for a figure source (e.g. 'Figure 2'), got none" in fields[
        "outcomes.time_to_event[0].source.label"]
    assert ("expected a numeric field of this entry (median, ci_lower, ci_upper, ci_level, "
            "events, landmarks), got 'arm'") in fields["outcomes.time_to_event[0].derived.arm"]
    assert "expected a number >= 70 (ci_lower), got 60 " in fields[
        "outcomes.time_to_event[0].landmarks[0].ci_upper"]


# --- D: outputs, JSON Schema, minor --------------------------------------------------------------

def test_d26_atomic_writes_respect_the_umask_and_an_existing_mode(tmp_path):
    old = os.umask(0o027)
    try:
        fresh = tmp_path / "fresh.txt"
        write_text_atomic(fresh, "x")
        assert stat.S_IMODE(fresh.stat().st_mode) == 0o640
    finally:
        os.umask(old)
    kept = tmp_path / "kept.txt"
    kept.write_text("old")
    kept.chmod(0o644)
    write_text_atomic(kept, "new")
    assert stat.S_IMODE(kept.stat().st_mode) == 0o644 and kept.read_text() == "new"


def test_d27_json_schema_accepts_what_validation_accepts():
    data = {
        "schema_version": 1, "id": "x", "design": "rct", "curation": {"extracted_by": "me"},
        "citation": {"title": "T", "authors": ["Zhai Y"], "journal": "J", "year": 2025},
        "arms": [{"id": "a", "label": "A", "treatment_class": "rt", "n": 5,
                  "source": {"location": "abstract", "page": 3}},
                 {"id": "b", "label": "B", "treatment_class": "rt", "n": 5,
                  "source": {"location": "abstract"}}],
        "outcomes": {"time_to_event": [{"endpoint": "os", "arm": "a", "median": "NR",
                                        "ci_upper": "not reached",
                                        "source": {"location": "abstract"}}]},
        "contrasts": [{"endpoint": "os", "measure": "hr", "arm": "a", "reference": "b",
                       "estimate": 0.5, "p_value": "0.03", "source": {"location": "abstract"}}],
        "conflicts": [{"about": "x", "values": [27, 30.0], "sources": [{"location": "abstract"}]}],
    }
    Study.model_validate(data)
    validator = jsonschema.Draft202012Validator(json_schema())
    assert [e.message for e in validator.iter_errors(data)] == []


def test_d28_backslash_paths_get_a_hint(tmp_path):
    _, lines, _ = validate(study(tmp_path, CURVE.format(file="'km\\a.csv'")))
    assert lines[0].endswith("(not found) (hint: use / in paths)")


@pytest.mark.parametrize("value", ["2", "2/3"])
def test_c24_quoted_phase_still_validates(tmp_path, value):
    assert validate(study(tmp_path, f'phase: "{value}"\n'))[0] == 0
