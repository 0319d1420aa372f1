"""Issue 15: the report degrades gracefully: an analysis that cannot be computed (EB that does not
converge, a leave-one-out refit or Egger's test that fails on equal standard errors) is shown as
such with its reason, and the rest of the report is built (it stopped with a traceback)."""

from __future__ import annotations

import shutil
from html import unescape

from hostile_helpers import STUDIES

import reports.analysis.groups as analysis
import reports.analysis.sensitivity as sensitivity
from reports.build import build_report

SUBSET = ("zhai2025", "kim2024", "chen2023", "li2022_rt_pd1", "su2022")


def _library(tmp_path):
    lib = tmp_path / "lib"
    lib.mkdir()
    for sid in SUBSET:
        shutil.copy(STUDIES / f"{sid}.yaml", lib)
    return lib


NOT_CONVERGED = "method='EB': Fisher scoring did not converge in 1000 iterations"


def test_failing_sensitivity_estimator_and_leave_one_out_are_shown_not_fatal(tmp_path,
                                                                             monkeypatch):
    real = analysis.compare

    def compare(*args, **kwargs):
        if "EB" in (kwargs.get("estimators") or ()):
            raise ValueError(NOT_CONVERGED)
        return real(*args, **kwargs)

    def leave1out(*_args, **_kwargs):
        raise ValueError("yi: equal standard errors")

    monkeypatch.setattr(analysis, "compare", compare)
    monkeypatch.setattr(sensitivity, "leave1out", leave1out)
    result = build_report(_library(tmp_path), None, tmp_path / "out")
    html = unescape(result.html.read_text(encoding="utf-8"))
    assert "Analyses that could not be computed" in html
    assert "the EB τ² estimator could not be computed" in html and NOT_CONVERGED in html
    assert "leave-one-out could not be computed (yi: equal standard errors)." in html
    assert result.pdf.is_file() and any(a.comparison for a in result.analyses)


def test_a_benchmark_that_cannot_be_pooled_is_a_reason_not_a_traceback(tmp_path, monkeypatch):
    def compare(*_args, **_kwargs):
        raise ValueError("PM: no tau² up to 1e15 brings Q down to k - p; check yi and vi")

    monkeypatch.setattr(analysis, "compare", compare)
    result = build_report(_library(tmp_path), None, tmp_path / "out")
    assert all(a.comparison is None for a in result.analyses)
    assert any("could not be pooled: PM: no tau²" in a.reason for a in result.analyses)
    assert result.pdf.is_file()


ARMS = [(10, 5), (10, 5), (5, 3), (100000, 58254), (5, 3), (10000000, 5094473)]
"""Response counts for which metafor-style EB Fisher scoring does not converge (found by a random
search; every number within the schema's limits)."""


def test_eb_that_does_not_converge_on_valid_study_files_is_shown_not_fatal(tmp_path):
    from hostile_helpers import ORR, study_text, write_study

    lib = tmp_path / "lib"
    lib.mkdir()
    shutil.copy(STUDIES / "zhai2025.yaml", lib)
    for i, (n, x) in enumerate(ARMS):
        sid = f"t{i}2020"
        text = study_text(sid).replace("rt+ici", "tki").replace("n: 108", f"n: {n}")
        text += "setting:\n  line: first\n"  # the default plan's TKI group is first line
        tail = ORR.format(percent=round(100 * x / n, 1)).replace(
            "      percent:", f"      events: {x}\n      total: {n}\n      percent:")
        write_study(lib, sid, text=text + tail)
    result = build_report(lib, None, tmp_path / "out")
    html = unescape(result.html.read_text(encoding="utf-8"))
    assert "the EB τ² estimator could not be computed" in html
    assert result.pdf.is_file()


def test_reference_lines_the_bundled_plan_asks_for_are_said_missing_not_silently_dropped(
        tmp_path):
    """Issue 15: a library without the reference-line file silently dropped the lines the plan
    asks for; with the bundled plan the report now says which and why (a user's --plan with
    references is refused: tests/hostile/test_plan_vocabulary.py)."""
    lib = tmp_path / "lib"
    lib.mkdir()
    for sid in ("zhai2025", "kim2024", "chen2023", "su2022"):
        shutil.copy(STUDIES / f"{sid}.yaml", lib)
    result = build_report(lib, None, tmp_path / "out")
    html = unescape(result.html.read_text(encoding="utf-8"))
    assert "The plan asks for the published reference lines" in html
    assert "cui2025_rt_ici" in html and "none is drawn" in html
