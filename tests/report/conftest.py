"""Shared fixtures of the report tests: the bundled report, built at most once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

STUDIES = Path(__file__).parents[2] / "studies"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: drives a real browser or builds large outputs")


@pytest.fixture(scope="session")
def bundled_report(tmp_path_factory: pytest.TempPathFactory):
    """``(BuildResult, pdf text, html)`` of ``hccmeta report`` on the bundled library and default
    plan, built once per test session into a temporary folder (the same shape as the root
    conftest's fixture of the same name, so either can serve these tests)."""
    import io

    import pypdf

    from reports.build import build_report

    out = tmp_path_factory.mktemp("bundled_report") / "report"
    result = build_report(STUDIES, None, out, argv=["hccmeta", "report"])
    reader = pypdf.PdfReader(io.BytesIO(result.pdf.read_bytes()))
    text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    return result, text, result.html.read_text(encoding="utf-8")
