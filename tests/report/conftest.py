"""Shared fixtures of the report tests: the bundled report, built at most once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

STUDIES = Path(__file__).parents[2] / "studies"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: drives a real browser or builds large outputs")


@pytest.fixture(scope="session")
def bundled_report(tmp_path_factory: pytest.TempPathFactory):
    """The report of the bundled library and default plan (PDF, HTML, figures), built once per
    test session into a temporary folder; a :class:`reports.build.BuildResult`."""
    from reports.build import build_report

    out = tmp_path_factory.mktemp("bundled_report") / "report"
    return build_report(STUDIES, None, out, argv=["hccmeta", "report"])
