"""The HTML document's machinery without a browser: table of contents, inline SVG, number links,
the Content-Security-Policy hash of the only script, the embedded font; and the bundled report's
page checked as a parsed document (ids unique, TOC and source links resolve)."""

from __future__ import annotations

import base64
import hashlib
import io
import re
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd

from reports import html_doc
from reports.figures import plot_forest


def test_toc_nests_headings_and_gives_each_a_unique_id():
    page = ('<h1>T</h1><!-- toc --><h2 id="s">1. A &amp; b</h2><h3>Rate</h3>'
            "<h4>Rate: group one</h4><h2>D</h2><h3>Rate</h3>")
    out = html_doc.add_toc(page)
    assert '<span class="anchor" id="rate"></span><h3>Rate</h3>' in out  # unique ids
    assert '<span class="anchor" id="rate-2"></span><h3>Rate</h3>' in out
    assert '<h2 id="s">' in out  # an existing id is kept
    toc = out[out.index("<nav"):out.index("</nav>")]
    assert [m for m in re.findall(r'href="#([^"]+)"', toc)] == ["s", "rate", "rate-group-one",
                                                               "d", "rate-2"]
    assert ">group one</a>" in toc  # the parent's name is not repeated
    assert toc.count("<ol>") == toc.count("</ol>") == 4
    assert toc.count("<li>") == toc.count("</li>") == 5


def test_inline_svg_prefixes_ids_and_references(tmp_path):
    frame = pd.DataFrame([{"kind": "study", "label": "A <b>&", "left": "1/2", "est": 1.0,
                           "lb": 0.5, "ub": 1.5, "right": "1.0 [0.5, 1.5]", "weight": "100%"}])
    plot_forest(frame, tmp_path / "f.svg")
    svg = str(html_doc.inline_svg(tmp_path / "f.svg", "fig7", 'alt "quoted"'))
    assert not svg.startswith("<?xml") and "<!DOCTYPE" not in svg
    ids = re.findall(r'\bid="([^"]+)"', svg)
    assert ids and all(i.startswith("fig7-") for i in ids)
    for ref in re.findall(r'(?:href="#|url\(#)([^")]+)', svg):
        assert ref in ids
    assert 'aria-label="alt &quot;quoted&quot;"' in svg
    assert "A &lt;b&gt;&amp;" in svg  # matplotlib escaped the label: no markup gets in


def test_numbers_link_to_their_audit_entry_or_to_their_outcomes_inputs():
    audit = [{"id": "A1", "outcome": "Objective response rate", "value": "81",
              "where": "zhai2025.yaml:40", "quote": "81 of 108", "derived": ""},
             {"id": "A2", "outcome": "Objective response rate", "value": "108",
              "where": "zhai2025.yaml:30", "quote": "n = 108", "derived": ""}]
    cite = html_doc.NumberLinker(audit)
    out = str(cite("Objective response rate vs RT: index 75.0% (81/108) <x>"))
    assert '<a class="src" href="#A1" title="zhai2025.yaml:40: “81 of 108”">81</a>' in out
    assert 'href="#A2"' in out
    assert '<a class="src derived" href="#audit-objective-response-rate"' in out  # 75.0
    assert "&lt;x&gt;" in out
    assert str(cite("no outcome 12")) == "no outcome 12"


def test_csp_allows_only_the_sort_script_by_its_hash():
    digest = base64.b64encode(hashlib.sha256(html_doc.SORT_SCRIPT.encode()).digest()).decode()
    policy = html_doc.csp()
    assert f"script-src 'sha256-{digest}'" in policy
    assert "default-src 'none'" in policy and "unsafe-eval" not in policy
    assert "connect-src" not in policy  # falls back to 'none'


def test_font_faces_embed_a_dejavu_subset_of_the_figure_text():
    from fontTools.ttLib import TTFont

    css = html_doc.font_faces('<svg><text x="0">Pooled τ²</text></svg>')
    rules = css.split("\n")
    assert len(rules) == 4 and all("font-family: 'DejaVu Sans'" in r for r in rules)
    data = base64.b64decode(re.search(r"base64,([^)]+)\)", rules[0]).group(1))
    font = TTFont(io.BytesIO(data))
    cmap = font.getBestCmap()
    assert {ord(c) for c in "Pooled τ²"} <= set(cmap)
    assert ord("Z") not in cmap  # a subset, not the whole font
    assert html_doc.font_faces("<p>no figures</p>") == ""


class _Doc(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: list[str] = []
        self.links: list[tuple[str, str]] = []
        self._cls = ""

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.append(a["id"])
        if tag == "a" and a.get("href", "").startswith("#"):
            self.links.append((a.get("class") or "", a["href"][1:]))


def test_bundled_report_is_a_navigable_document(bundled_report):
    page = Path(bundled_report[0].html).read_text(encoding="utf-8")
    doc = _Doc()
    doc.feed(page)
    assert len(doc.ids) == len(set(doc.ids))
    ids = set(doc.ids)
    assert all(href in ids for _, href in doc.links)  # TOC, number and figure links resolve
    sources = [h for c, h in doc.links if c == "src"]
    assert len(sources) >= 20 and all(re.fullmatch(r"A\d+", h) for h in sources)
    assert {"summary", "results", "audit", "studies-table"} <= ids
    assert any(i.startswith("study-") for i in ids) and any(i.startswith("outcome-") for i in ids)
    assert page.count("<svg ") >= len(list((bundled_report[0].out / "figures").glob("*.svg")))
