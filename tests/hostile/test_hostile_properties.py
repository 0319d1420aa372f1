"""Issue 15: a property-based round over study files, plans and curve CSVs. Whatever a careless or
hostile user writes into one value, one line or the line endings, loading, validation, the audit
and plan loading answer with located issues or findings, never a traceback."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from hostile_helpers import STUDIES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extraction import load_paths
from extraction.audit import audit_records
from extraction.audit.curves import check as curve_check
from extraction.curve_units import curve_in_months
from extraction.km import KMInputError
from reports.plan import DEFAULT_PLAN, PlanError, load_plan

HOSTILE = ["0", "-1", "1e308", "-1e308", "1e-320", "10000000000000000000000000000", ".inf",
           "-.inf", ".nan", "nan", "1_0", "0x10", "0o17", "010", "1:48", "٣", "３", "''", "~",
           "null", "[]", "{}", "[1, 2]", "{a: 1}", "yes", "'NE'", "NR", "2025-01-01",
           "'$\\\\foo$'", "\"a\\nb\"", "\"\\e[31mred\"", "\"\\u202e\"", "'x' ", "&a 1", "*a",
           "!!python/name:os.system", "!!binary aGk=", "0.75", "100.0001", "75.0", "1200.1",
           "'0.014'", "'<0.001'", "-0", "1e5", "0.0", "-0.5", "99999999", "x" * 3000]
SAMPLES = ["kim2024", "zhai2025", "finn2020_imbrave150"]
_SCALAR = re.compile(r"^(\s*(?:- )?[A-Za-z_][\w.+-]*:\s+)(\S.*)$")


def _scalar_lines(text: str) -> list[int]:
    return [i for i, line in enumerate(text.split("\n")) if _SCALAR.match(line)]


def _mutate(text: str, data: st.DataObject) -> str:
    lines = text.split("\n")
    kind = data.draw(st.sampled_from(["value", "value", "value", "drop", "dup", "eol", "indent"]))
    targets = _scalar_lines(text)
    i = data.draw(st.sampled_from(targets))
    if kind == "value":
        m = _SCALAR.match(lines[i])
        assert m
        value = data.draw(st.one_of(st.sampled_from(HOSTILE),
                                    st.text(max_size=12).map(lambda s: repr(s))))
        lines[i] = m.group(1) + value
    elif kind == "drop":
        del lines[i]
    elif kind == "dup":
        lines.insert(i, lines[i])
    elif kind == "indent":
        lines[i] = data.draw(st.sampled_from([" ", "\t", "   "])) + lines[i]
    else:
        return text.replace("\n", data.draw(st.sampled_from(["\r", "\r\n", "\n\n"])))
    return "\n".join(lines)


@settings(max_examples=80, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
@given(data=st.data(), sample=st.sampled_from(SAMPLES))
def test_a_mutated_study_file_never_raises(data, sample):
    text = (STUDIES / f"{sample}.yaml").read_text(encoding="utf-8")
    mutated = _mutate(text, data)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{sample}.yaml"
        path.write_text(mutated, encoding="utf-8")
        records, issues = load_paths([path])
        for issue in issues:
            assert "\n" not in issue.format() and issue.path == str(path)
        if records:
            for finding in audit_records(records):
                assert "\n" not in finding.format()


@settings(max_examples=80, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_a_mutated_plan_is_valid_or_a_plan_error(data):
    mutated = _mutate(DEFAULT_PLAN.read_text(encoding="utf-8"), data)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "plan.yaml"
        path.write_text(mutated, encoding="utf-8")
        try:
            plan, _ = load_plan(path)
        except PlanError as exc:
            assert exc.issues and all(i.path == str(path) for i in exc.issues)
        else:
            assert plan.outcomes


CELL = st.one_of(st.floats(allow_nan=True, allow_infinity=True).map(repr),
                 st.sampled_from(HOSTILE), st.integers(-10, 10**30).map(str),
                 st.text(max_size=6))


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
@given(rows=st.lists(st.tuples(CELL, CELL), min_size=0, max_size=8),
       header=st.booleans(), sep=st.sampled_from([",", ";", "\t"]),
       unit=st.sampled_from(["months", "weeks", "years"]),
       scale=st.sampled_from(["auto", "proportion", "percent"]))
def test_a_hostile_curve_csv_is_read_or_a_located_error(rows, header, sep, unit, scale):
    study = (STUDIES / "kim2024.yaml").read_text(encoding="utf-8").replace(
        "\ncuration:", "\ncurves:\n  - endpoint: os\n    arm: nivo_ebrt\n    file: km/c.csv\n"
        f"    time_unit: {unit}\n    survival_scale: {scale}\n    risk_table: [[0, 50], [6, 40]]\n"
        "    source: {location: figure, label: Figure 2}\ncuration:", 1)
    csv = ("time,survival\n" if header else "") + "".join(f"{a}{sep}{b}\n" for a, b in rows)
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "km").mkdir()
        (Path(folder) / "km" / "c.csv").write_text(csv, encoding="utf-8")
        (Path(folder) / "kim2024.yaml").write_text(study, encoding="utf-8")
        records, issues = load_paths([Path(folder)])
        assert not issues, issues
        record = records[0]
        try:
            curve_in_months(record, record.study.curves[0])
        except KMInputError as exc:
            assert "\n" not in str(exc)
        curve_check(record)
        audit_records(records)
