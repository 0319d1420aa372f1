"""End-to-end: `hccmeta report` on the bundled library, small and hostile libraries."""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

import pytest
from pdf_reading import pdf_text
from typer.testing import CliRunner

from reports import render
from reports.build import build_report
from reports.cli import app

ROOT = Path(__file__).parents[2]
STUDIES = ROOT / "studies"


@pytest.fixture
def bundled(bundled_report):
    return bundled_report


def _html_text(page: str) -> str:
    """The HTML page's text: tags dropped (numbers are links to the audit), entities decoded."""
    import html as html_lib

    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", "", page)).split())


def test_bundled_library_builds_pdf_and_html(bundled):
    result, text, html = bundled
    assert result.pdf.stat().st_size > 10_000
    assert "Audit appendix" in text and "Reproducibility" in text
    assert "more favorable results compared with historical ones" in text
    assert html.startswith("<!DOCTYPE html>") and "Audit appendix" in html
    assert not list(result.out.parent.glob(".report.*"))  # no staging folder left behind


def test_key_numbers_appear_in_pdf_and_html(bundled):
    result, text, html = bundled
    assert "75.0" in text and "81/108" in text and "17.0 months" in text
    shown = 0
    for a in result.analyses:
        c = a.comparison
        if c is None:
            continue
        factor, unit = (1, " months") if a.outcome.kind == "median" else (100, "%")
        bench = f"{factor * c.benchmark_bt[0]:.1f}{unit} [{factor * c.benchmark_bt[1]:.1f}, "
        assert bench in text, (a.outcome.id, a.group.id, bench)
        assert bench in _html_text(html)  # its numbers are links to the audit
        if c.difference is not None:
            p = c.difference.pval
            assert ("p < 0.001" if p < 0.001 else f"p = {p:.3f}") in text
        shown += 1
    assert shown >= 3


def test_audit_appendix_links_numbers_to_lines(bundled):
    result, text, _ = bundled
    block = result.context["audit"]["studies"][0]
    assert block["file"].endswith("zhai2025.yaml")  # the index study first
    row = next(r for r in block["rows"] if any(n["line"] == "84" for n in r["numbers"]))
    orr = next(n for n in row["numbers"] if n["line"] == "84")
    assert orr["value"] == "81" and "75.0%" in row["quote"]
    assert orr["href"].endswith("zhai2025.yaml#L84")
    assert "= 81 (l. 84)" in text.replace("\n", " ")


def test_stamp_hashes_every_input(bundled):
    result, text, _ = bundled
    st = result.context["stamp"]
    names = {Path(f).name: h for f, h in st["files"]}
    assert {"default.yaml", "zhai2025.yaml"} <= set(names)
    assert names["zhai2025.yaml"] == hashlib.sha256(
        (STUDIES / "zhai2025.yaml").read_bytes()).hexdigest()
    assert len(st["digest"]) == 64 and st["digest"][:16] in text
    assert st["command"] == "hccmeta report"


def test_survival_section_says_how_the_curves_were_obtained(bundled):
    result, text, _ = bundled
    surv = result.context["survival"]
    if any(STUDIES.glob("km/*.csv")):
        assert "reconstructed" in surv["text"] or surv["rows"]
    else:
        assert "No digitized Kaplan–Meier curve of the index study" in text
        assert surv["figures"] and all("APPROXIMATE" in f["caption"] for f in surv["figures"])
        assert not surv["rows"]
    # groups whose arms have reconstructed IPD: real KM overlays, methods stated
    assert {b["figure"] for b in surv["benchmarks"]} >= {"figures/km_os_sorafenib.svg",
                                                         "figures/km_os_tki.svg"}
    assert "Pooled curve: pointwise random-effects" in surv["text"]


def _library(tmp_path: Path, ids: list[str]) -> Path:
    lib = tmp_path / "studies"
    lib.mkdir()
    for sid in ids:
        shutil.copy(STUDIES / f"{sid}.yaml", lib / f"{sid}.yaml")
    return lib


def test_empty_library_exits_2_with_a_message(tmp_path):
    (tmp_path / "studies").mkdir()
    res = CliRunner().invoke(app, ["report", "--studies", str(tmp_path / "studies"),
                                   "--out", str(tmp_path / "out")])
    assert res.exit_code == 2
    assert "no study files" in res.output and "Traceback" not in res.output
    assert not (tmp_path / "out").exists()


def test_one_study_library_exits_2_with_a_message(tmp_path):
    lib = _library(tmp_path, ["zhai2025"])
    res = CliRunner().invoke(app, ["report", "--studies", str(lib), "--out",
                                   str(tmp_path / "out")])
    assert res.exit_code == 2
    assert "only one study file" in res.output


def test_bad_plan_exits_2_with_located_message(tmp_path):
    plan = tmp_path / "plan.yaml"
    plan.write_text("title: x\nindex:\n  study: zhai2025\n  claim: c\n  colour: red\n")
    res = CliRunner().invoke(app, ["report", "--plan", str(plan), "--out",
                                   str(tmp_path / "out")])
    assert res.exit_code == 2
    assert f"{plan}:5:3: index.colour:" in res.output
    assert f"{plan}:1:1: groups:" in res.output or "groups" in res.output


def test_hostile_strings_render_as_text_in_both_outputs(tmp_path):
    lib = _library(tmp_path, ["zhai2025", "kim2024", "chen2023"])
    path = lib / "zhai2025.yaml"
    text = path.read_text()
    evil_title = '#read("/etc/passwd") <script>alert(1)</script> $x$ *b* _i_ @r [l]'
    text = re.sub(r"(?m)^  title: .*$", f"  title: '{evil_title}'", text, count=1)
    text = text.replace(
        "label: Radiotherapy + immune checkpoint inhibitor (sequential or concurrent)",
        "label: '<img src=x onerror=alert(2)> #raw(\"x\")'", 1)
    assert evil_title in text
    path.write_text(text)
    result = build_report(lib, None, tmp_path / "out")
    text = pdf_text(result.pdf)
    assert evil_title.split(" <")[0] in text
    assert "<script>alert(1)</script>" in text
    assert "root:" not in text
    html = result.html.read_text()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(2)&gt;" in html


def test_failed_build_leaves_previous_report_untouched(tmp_path, monkeypatch):
    lib = _library(tmp_path, ["zhai2025", "kim2024"])
    out = tmp_path / "out"
    out.mkdir()
    (out / "report.pdf").write_bytes(b"previous")
    (out / ".hccmeta-report").write_text("")  # an earlier report (only such a folder is replaced)

    def boom(source, root):
        raise RuntimeError("typst failed")

    monkeypatch.setattr(render, "compile_pdf", boom)
    with pytest.raises(RuntimeError):
        build_report(lib, None, out)
    assert (out / "report.pdf").read_bytes() == b"previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "studies"]


def test_html_and_pdf_carry_the_same_summary(bundled):
    result, text, html = bundled

    def squeeze(t: str) -> str:  # line breaks and hyphenation differ between PDF and HTML
        return "".join(t.replace("\u00ad", "").split())

    # a bullet may run across a page break: drop the page footer and running header
    text = re.sub(r"\d+ / \d+\s+\S+ vs historical benchmarks\s+hccmeta \S+ \S+ UTC", " ",
                  text)

    for line in result.context["summary"]:
        assert squeeze(line)[:80] in squeeze(text), line  # a page break may split the rest
        assert " ".join(line.split()) in _html_text(html), line
    for caveat in result.context["caveats"]:
        assert " ".join(caveat.split())[:60] in text


def test_unknown_index_arm_exits_2(tmp_path):
    from reports.plan import DEFAULT_PLAN

    plan = tmp_path / "plan.yaml"
    plan.write_text(DEFAULT_PLAN.read_text().replace("  arm: rt_ici", "  arm: rt_icx", 1))
    res = CliRunner().invoke(app, ["report", "--plan", str(plan), "--out",
                                   str(tmp_path / "out")])
    assert res.exit_code == 2
    assert "index.arm: expected an arm of zhai2025 (rt_ici), got 'rt_icx'" in res.output


def test_case_mix_rows_name_the_covariate_by_its_label_not_its_id(bundled):
    """The regression's reason says "2 arm(s) report ehs"; the row, headed by the moderator's
    label, says "report it" (PVTT with its fallback: "have a value")."""
    _, pdf, html = bundled
    for text in (pdf, html):
        assert "report ehs" not in text and "report pvtt" not in text
        assert "report enrolment_mid_year" not in text
        assert "arm(s) report it (at least" in text
