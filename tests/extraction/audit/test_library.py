"""Cross-file checks (duplicates, overlaps), provenance findings, pooling filter and the trail;
and the shipped library (studies/) audits without errors."""

from __future__ import annotations

import time
from pathlib import Path

from audit_helpers import CASES, CLEAN, audit_file, line_of, mutate

from extraction import load_paths, load_study
from extraction.audit import (
    audit_paths,
    audit_records,
    build_trail,
    exclude_unverified,
    usable_for_pooling,
)

LIBRARY = CASES / "library"
STUDIES = Path(__file__).resolve().parents[3] / "studies"


def _found(findings, check):
    return {(Path(f.file).name, f.line, f.severity) for f in findings if f.check == check}


def _line(name, anchor):
    return line_of((LIBRARY / name).read_text(encoding="utf-8"), anchor)


def test_duplicate_doi_trial_and_institution_between_unlinked_files():
    findings = audit_paths([LIBRARY]).findings
    doi = _line("lib2020.yaml", "# doi")
    assert _found(findings, "duplicate-doi") == {("lib2020.yaml", doi, "error"),
                                                 ("lib2021.yaml", doi, "error")}
    trial = _line("lib2020.yaml", "# trial")
    # lib2022 updates lib2020 (linked): only the pairs with lib2021 are reported
    assert _found(findings, "duplicate-trial") == {
        ("lib2020.yaml", trial, "warning"), ("lib2021.yaml", trial, "warning"),
        ("lib2022.yaml", trial, "warning")}
    assert "lib2022.yaml" not in next(f.message for f in findings if f.check ==
                                      "duplicate-trial" and f.file.endswith("lib2020.yaml"))
    inst = _line("lib2020.yaml", "# institution")
    assert _found(findings, "same-institution") == {("lib2020.yaml", inst, "warning"),
                                                    ("lib2021.yaml", inst, "warning")}


def test_declared_links_are_listed_as_info_and_missing_links_noted():
    findings = audit_paths([LIBRARY]).findings
    assert _found(findings, "overlapping-cohort") == {
        ("lib2022.yaml", _line("lib2022.yaml", "# updates"), "info")}
    assert _found(findings, "related-missing") == {
        ("lib2022.yaml", _line("lib2022.yaml", "# related-missing"), "info")}


def test_distinct_files_have_no_cross_file_findings():
    records, _ = load_paths([LIBRARY / "lib2022.yaml", CLEAN])
    findings = audit_records(records)
    assert {f.check for f in findings} <= {"derived", "related-missing", "overlapping-cohort",
                                           "single-extraction"}


def test_derived_numbers_are_listed_as_info_at_their_derived_line():
    findings = audit_file(CLEAN)
    text = CLEAN.read_text(encoding="utf-8")
    assert _found(findings, "derived") == {("clean2020.yaml", line_of(text, "# neutro-total"),
                                            "info")}


def test_recorded_conflict_turns_an_error_into_a_warning(tmp_path):
    conflict = ('conflicts:\n  - about: "outcomes.binary[1] (CR) and outcomes.binary[0]"\n'
                '    values: ["10", "11"]\n    sources: [{location: abstract}]\n'
                'curation:')
    path, text = mutate(tmp_path, "events: 10  # cr-a", "events: 11  # cr-a")
    plain = [f for f in audit_file(path) if f.check == "subgroup-sum"]
    assert {f.severity for f in plain} == {"error"}
    path.write_text(text.replace("curation:", conflict), encoding="utf-8")
    acknowledged = audit_file(path)
    sums = [f for f in acknowledged if f.check == "subgroup-sum"]
    assert len(sums) == len(plain) and {f.severity for f in sums} == {"warning"}
    assert all("recorded as conflicts[0]" in f.message for f in sums)
    assert _found(acknowledged, "conflict") == {
        ("clean2020.yaml", line_of(path.read_text(), "- about:"), "info")}


def test_unverified_numbers_are_excluded_from_pooling_by_default(tmp_path):
    path, _ = mutate(tmp_path, "verified: true}  # thrombo", "verified: false}  # thrombo")
    study = load_study(path).study
    thrombo = study.outcomes.adverse_events[2]
    assert not usable_for_pooling(thrombo)
    assert usable_for_pooling(thrombo, include_unverified=True)
    kept = exclude_unverified(study.outcomes.adverse_events)
    assert thrombo not in kept and len(kept) == 3
    rows = [(i, ae) for i, ae in enumerate(study.outcomes.adverse_events)]
    assert [i for i, _ in exclude_unverified(rows, ("count",), entry=lambda r: r[1])] == [0, 1, 3]


def test_audit_trail_lists_every_number_with_source_and_worst_status(tmp_path):
    path, text = mutate(tmp_path, "percent: 30.0  # orr-a-percent",
                        "percent: 31.0  # orr-a-percent")
    record = load_study(path)
    findings = audit_records([record])
    trail = build_trail([record], findings)
    rows = {r.field: r for r in trail.rows}
    percent = rows["outcomes.binary[0].percent"]
    assert (percent.value, percent.raw, percent.line, percent.status) == (
        31.0, "31.0", line_of(text, "# orr-a-percent"), "error")
    assert (percent.location, percent.label) == ("table", "Table 2")
    # the count and the denominator are involved in the failed check too
    assert rows["outcomes.binary[0].events"].status == "error"
    assert rows["outcomes.binary[0].ci_upper"].status == "ok"
    assert rows["outcomes.adverse_events[3].total"].derived == "the arm size (100)"
    assert rows["outcomes.time_to_event[1].ci_upper"].value == "NE"
    assert rows["contrasts[0].p_value"].raw == "0.004"
    assert "ci_level" not in {r.field.rsplit(".", 1)[-1] for r in trail.rows}  # defaults skipped
    frame = trail.to_frame()
    assert len(frame) == len(trail.rows)
    assert {"study", "field", "value", "raw", "where", "status", "quote", "verified"} <= set(
        frame.columns)
    assert frame.loc[frame.field == "outcomes.binary[0].percent", "where"].item() == (
        f"{path}:{line_of(text, '# orr-a-percent')}")


def test_landmark_numbers_in_trail_take_the_entry_source():
    record = load_study(CLEAN)
    rows = {r.field: r for r in build_trail([record], []).rows}
    lm = rows["outcomes.time_to_event[0].landmarks[1].percent"]
    assert (lm.value, lm.label, lm.status) == (40.0, "Figure 2", "ok")


def test_shipped_library_audits_without_errors_and_fast():
    files = sorted(STUDIES.glob("*.yaml"))
    assert files, "no study files shipped"
    start = time.process_time()  # CPU time: waiting for a CPU on a loaded machine is not counted
    result = audit_paths([STUDIES])
    elapsed = time.process_time() - start
    assert [i.format() for i in result.issues] == []
    assert len(result.records) == len(files)
    errors = [f.format() for f in result.findings if f.severity == "error"]
    assert errors == [], "\n".join(errors)
    # ~0.3 s of CPU; generous bound for a slow CPU; benchmarks/bench_audit.py prints the figure
    assert elapsed < 5.0
