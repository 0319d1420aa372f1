"""Shared fixtures: the bundled report is built once per test session (``slow``)."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest
from hypothesis import settings
from pdf_reading import pdf_text

from reports.blas import single_threaded_blas

single_threaded_blas()  # as the console script does, before any test imports NumPy

# Property tests draw the same examples on every run (seeded from each test's code), so that a
# pass or a failure does not depend on the run: a random draw failed one CI run in ~100 (EB
# data that does not converge). `pytest --hypothesis-profile=explore` draws new examples each
# run (add --hypothesis-seed=N to repeat one) to search further; a failure found that way
# becomes an explicit test.
settings.register_profile("deterministic", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile("deterministic")

ROOT = Path(__file__).parents[1]
STUDIES = ROOT / "studies"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: builds the bundled report (once per session), "
                            "drives a real browser or runs a Monte Carlo size simulation; "
                            "`make test` and CI run them, `pytest -m 'not slow'` skips them")


def pytest_collection_finish(session: pytest.Session) -> None:
    """Import the figure workers' modules here once when a collected test builds a report.

    ``build_report`` forks its figure workers from this process; unless an earlier test had
    imported them here, each imported matplotlib and the plot modules itself
    (``reports.figure_jobs._warm_up``: ~1 s of CPU per build, two workers; the bundled report
    and the hostile tests' builds run before the figure tests). Forked after this, they find
    them imported. The pool, its workers and the figures are the same; that a *fresh* worker
    imports them by itself is tested in a subprocess (tests/reports/figures/test_figures.py)."""
    if "reports.build" not in sys.modules and not any(  # no collected test can build one
            "bundled_report" in getattr(item, "fixturenames", ()) for item in session.items):
        return
    from reports.figure_jobs import PLOT_MODULES

    for module in (*PLOT_MODULES, "reports.html_doc", "fontTools.subset", "fontTools.ttLib"):
        importlib.import_module(module)


@pytest.fixture(scope="session")
def bundled_records():
    """The bundled library's study records (loaded once per session; records are frozen)."""
    from extraction.loader import load_paths

    records, issues = load_paths([STUDIES])
    assert [i.format() for i in issues] == []
    return records


@pytest.fixture(scope="session")
def bundled_report(tmp_path_factory):
    """``(BuildResult, pdf text, html)`` of ``hccmeta report`` on the bundled library."""
    from reports.build import build_report

    out = tmp_path_factory.mktemp("bundled") / "report"
    result = build_report(STUDIES, None, out, argv=["hccmeta", "report"])
    return result, pdf_text(result.pdf), result.html.read_text()


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the xdist_group markers
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that use the bundled report are ``slow``."""
    for item in items:
        if "bundled_report" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)
            # with pytest-xdist (make test: -n auto --dist loadgroup) they all run in one
            # worker, so that the bundled report is still built once
            item.add_marker(pytest.mark.xdist_group("bundled_report"))
