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
from reports.figures.forest import plot_forest


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


def test_only_numbers_of_known_provenance_are_linked():
    from reports.analysis.data import Provenance
    from reports.tables.cite import Cited, cite, computed_ref, source_anchor, source_ref

    p = Provenance("zhai2025", "studies/zhai2025.yaml", 84, "outcomes.binary[0].events", "81",
                   "abstract", "81 of 108 <x>", arm="rt_ici")
    text = Cited("75.0% (", ("81", source_ref(p)), "/108; k = 5, phase 3) ",
                 ("49.1%", computed_ref("orr", "tki", "ORR, TKI")))
    out = str(cite(text))
    assert source_anchor(p) == "src-zhai2025-outcomes-binary-0-events"
    assert f'<a class="src" href="#{source_anchor(p)}"' in out and ">81</a>" in out
    assert "&lt;x&gt;" in out  # the quote in the tooltip is escaped
    assert '<a class="src derived" href="#inputs-orr-tki"' in out
    assert out.count("<a ") == 2  # 75.0, 108, k = 5 and phase 3 carry no provenance here
    assert str(text) == "75.0% (81/108; k = 5, phase 3) 49.1%"  # the PDF's text
    # a plain string is never linked, whatever numbers it holds (no value matching)
    assert str(cite("Objective response rate 81/108 <b>")) == (
        "Objective response rate 81/108 &lt;b&gt;")


def test_csp_allows_only_the_sort_script_by_its_hash():
    digest = base64.b64encode(hashlib.sha256(html_doc.SORT_SCRIPT.encode()).digest()).decode()
    policy = html_doc.csp()
    assert f"script-src 'sha256-{digest}'" in policy
    assert "default-src 'none'" in policy and "unsafe-eval" not in policy
    assert "connect-src" not in policy  # falls back to 'none'


def test_font_faces_embed_a_dejavu_subset_of_the_figure_text():
    from fontTools.ttLib import TTFont

    css = html_doc.font_faces('<svg><text x="0">Pooled τ²</text>'
                              '<text style="font-weight: 700">Zz</text></svg>')
    rules = css.split("\n")  # regular and bold: no text is italic
    assert len(rules) == 2 and all("font-family: 'DejaVu Sans'" in r for r in rules)
    assert "font-weight: bold" in rules[1] and "italic" not in css
    data = base64.b64decode(re.search(r"base64,([^)]+)\)", rules[0]).group(1))
    font = TTFont(io.BytesIO(data))
    cmap = font.getBestCmap()
    assert {ord(c) for c in "Pooled τ²"} <= set(cmap)
    assert ord("Z") not in cmap  # a subset, not the whole font, and only the regular text
    bold = TTFont(io.BytesIO(base64.b64decode(re.search(r"base64,([^)]+)\)", rules[1])
                                              .group(1)))).getBestCmap()
    assert ord("Z") in bold and ord("τ") not in bold
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
    assert len(sources) >= 20 and all(h.startswith("src-") for h in sources)
    assert {"summary", "results", "audit", "studies-table"} <= ids
    assert any(i.startswith("study-") for i in ids) and any(i.startswith("outcome-") for i in ids)
    assert page.count("<svg ") >= len(list((bundled_report[0].out / "figures").glob("*.svg")))


_LINK = re.compile(r'<a class="(src[^"]*)" href="#([^"]+)"[^>]*>(.*?)</a>', re.S)


def test_bundled_report_links_no_count_or_word_and_each_link_to_its_own_study(bundled_report):
    """No link on "k = N", "phase N" or inside a word; a link to a source entry lands on an
    entry of the same study file as the arm whose number it is (the index's numbers on the
    index study's entries); a computed number lands on its comparison's inputs block."""
    result = bundled_report[0]
    page = Path(result.html).read_text(encoding="utf-8")
    links = _LINK.findall(page)
    assert links
    for m in _LINK.finditer(page):
        before = page[max(0, m.start() - 4):m.start()]
        assert not before.endswith(("k = ", "k=")), before
        assert not re.search(r"[A-Za-z]$", before), before
        assert re.search(r"\d", m.group(3))  # only numbers are linked
    # the audit entry of each source link is an entry of the right study
    blocks = {}
    block = r'<tr class="study" id="audit-([^"]+)">(.*?)(?=<tr class="study"|</tbody>)'
    for m in re.finditer(block, page, re.S):
        for anchor in re.findall(r'<span class="num" id="([^"]+)"', m.group(2)):
            blocks[anchor] = m.group(1)
    analysis = result.analysis
    index_slug = analysis.index_study.replace("_", "-")
    sources = [(c, h) for c, h, _ in links if c == "src"]
    assert sources and all(h in blocks for _, h in sources)
    assert all(h.startswith("src-" + blocks[h] + "-") for _, h in sources)
    # each comparison's "Index study" numbers point into the index study's block
    rows = re.findall(r"<tr><td>Index study</td><td>(.*?)</td></tr>", page, re.S)
    assert rows
    for row in rows:
        targets = [h for c, h, _ in _LINK.findall(row) if c == "src"]
        assert targets and all(blocks[h] == index_slug for h in targets)
    # page 1: the index cell links into the index study's block, the benchmark to its inputs
    table = page[page.index('<table class="summary">'):]
    table = table[:table.index("</table>")]
    first = table[table.index("<tr><td>"):]
    first = first[:first.index("</tr>")]
    cells = re.findall(r"<td>(.*?)</td>", first, re.S)
    index_links = [h for c, h, _ in _LINK.findall(cells[2]) if c == "src"]
    assert index_links and all(blocks[h] == index_slug for h in index_links)
    assert [c for c, _, _ in _LINK.findall(cells[3])] == ["src derived"]
    assert not _LINK.findall(cells[1])  # k is a count, not a sourced number
    computed = {h for c, h, _ in links if c == "src derived"}
    assert computed and all(h.startswith("inputs-") for h in computed)
    for a in analysis.comparisons:
        if a.comparison is not None:
            assert f'id="inputs-{a.outcome.id}-{a.group.id}"'.replace("_", "-") in page


def test_a_subset_from_the_cached_base_equals_one_from_the_whole_font():
    """reports.fonts starts later subsets from a per-process base subset: the same characters,
    advances, outlines and kerning as a subset of the whole font."""
    from fontTools.pens.recordingPen import RecordingPen
    from fontTools.ttLib import TTFont

    from reports import fonts

    chars = "Pooled τ² ≥ 5–9 AVAWAY"
    assert set(chars) <= fonts.BASE_CHARS
    via_base = TTFont(io.BytesIO(fonts.subset_woff("DejaVuSans.ttf", chars)))
    whole = TTFont(io.BytesIO(fonts._subset(TTFont(fonts.font_dir() / "DejaVuSans.ttf"),
                                            set(chars) | {" "}, "woff")))

    def glyphs(font):
        cmap, hmtx, out = font.getBestCmap(), font["hmtx"], {}
        for code, name in cmap.items():
            pen = RecordingPen()
            font.getGlyphSet()[name].draw(pen)
            out[chr(code)] = (hmtx[name], pen.value)
        return out

    assert glyphs(via_base) == glyphs(whole)

    def kerning(font):
        cmap = font.getBestCmap()
        names = {n: chr(c) for c, n in cmap.items()}
        pairs = set()
        for lookup in font["GPOS"].table.LookupList.Lookup:
            for sub in lookup.SubTable:
                sub = getattr(sub, "ExtSubTable", sub)
                if lookup.LookupType not in (2, 9) or not hasattr(sub, "Coverage"):
                    continue
                if sub.Format == 1:
                    for first, ps in zip(sub.Coverage.glyphs, sub.PairSet, strict=True):
                        for rec in ps.PairValueRecord:
                            v = rec.Value1.XAdvance if rec.Value1 else 0
                            pairs.add((names.get(first), names.get(rec.SecondGlyph), v))
                else:  # class pairs
                    c1, c2 = sub.ClassDef1.classDefs, sub.ClassDef2.classDefs
                    for first in sub.Coverage.glyphs:
                        for second in names:
                            rec = sub.Class1Record[c1.get(first, 0)].Class2Record[
                                c2.get(second, 0)]
                            v = rec.Value1.XAdvance if rec.Value1 else 0
                            if v:
                                pairs.add((names.get(first), names[second], v))
        return pairs

    assert kerning(via_base) == kerning(whole) and kerning(whole)
