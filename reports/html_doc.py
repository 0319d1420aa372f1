"""The HTML report as a document: inline SVG figures, a table of contents, an anchor for every
heading, numbers linked to their audit entries, sortable tables; one file, nothing fetched.

Everything here is applied by :func:`reports.render.render_html`; the template only marks where
things go (``<!-- toc -->``, ``| figure_svg``, ``| cite``, ``class="sortable"``), so
it survives changes of the report context. Numbers are linked only where their provenance is
known (:mod:`reports.tables.cite`), never by matching values.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
from pathlib import Path
from typing import Any

import markupsafe

SORT_SCRIPT = """\
document.querySelectorAll("table.sortable").forEach(function (table) {
  table.querySelectorAll("th").forEach(function (th, col) {
    th.tabIndex = 0;
    th.title = "sort by this column";
    var sort = function () {
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows).filter(function (r) {
        return r.querySelector("td");
      });
      var up = th.getAttribute("aria-sort") !== "ascending";
      var key = function (r) {
        var t = r.cells[col] ? r.cells[col].textContent.trim() : "";
        var m = t.match(/^[+-]?[0-9]+([.][0-9]+)?/);
        return m ? parseFloat(m[0]) : t.toLowerCase();
      };
      rows.sort(function (a, b) {
        var x = key(a), y = key(b);
        if (typeof x !== typeof y) { x = String(x); y = String(y); }
        return (x < y ? -1 : x > y ? 1 : 0) * (up ? 1 : -1);
      });
      table.querySelectorAll("th").forEach(function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", up ? "ascending" : "descending");
      rows.forEach(function (r) { body.appendChild(r); });
    };
    th.addEventListener("click", sort);
    th.addEventListener("keydown", function (e) { if (e.key === "Enter") { sort(); } });
  });
});
"""
"""Click (or Enter on) a header of a ``table.sortable`` to sort by that column (numbers as
numbers); the only script of the page, allowed by its hash in the Content-Security-Policy."""


def script_hash(script: str = SORT_SCRIPT) -> str:
    """CSP source of an inline script: ``'sha256-<base64>'``."""
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def csp() -> str:
    """The page's Content-Security-Policy: nothing from the network, only the sort script."""
    return (f"default-src 'none'; img-src data:; font-src data:; style-src 'unsafe-inline'; "
            f"script-src {script_hash()}")


def slug(text: Any) -> str:
    """An id fragment: lower-case ASCII letters, digits and hyphens."""
    s = re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-")
    return s or "x"


_XML_HEAD = re.compile(r"<\?xml[^>]*\?>\s*|<!DOCTYPE[^>]*>\s*", re.S)


def inline_svg(path: Path, prefix: str, alt: str = "") -> markupsafe.Markup:
    """The SVG file (written by matplotlib, never user markup: its text is XML-escaped) as inline
    markup: XML head dropped, every id prefixed so that several figures share a page, scaled to
    the column width, labelled for screen readers."""
    svg = _XML_HEAD.sub("", path.read_text(encoding="utf-8"))
    svg = re.sub(r'\bid="([^"]+)"', rf'id="{prefix}-\1"', svg)
    svg = re.sub(r'href="#([^"]+)"', rf'href="#{prefix}-\1"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", rf"url(#{prefix}-\1)", svg)
    label = html.escape(alt, quote=True)
    svg = svg.replace("<svg ", f'<svg role="img" aria-label="{label}" class="fig" ', 1)
    return markupsafe.Markup(svg)


_HEADING = re.compile(r"<h([2-4])(?P<attrs>[^>]*)>(?P<body>.*?)</h\1>", re.S)
_TAG = re.compile(r"<[^>]+>")


def _toc_nav(items: list[tuple[int, str, str]]) -> str:
    """The nested contents list of ``(level, id, text)`` headings. Each top-level section with
    subsections is a ``<details>`` element, closed, whose summary is the section's link: the
    list shows the sections only until one is opened (no script). A child's text drops its
    parent's ``"Parent: "`` prefix."""
    Node = tuple[str, str, list[Any]]
    root: list[Node] = []
    stack: list[tuple[int, list[Node]]] = []
    parents: dict[int, str] = {}
    for level, ident, full in items:
        parents[level] = full
        parent = parents.get(level - 1, "")
        text = full[len(parent) + 2:] if parent and full.startswith(parent + ": ") else full
        node: Node = (ident, text, [])
        while stack and stack[-1][0] >= level:
            stack.pop()
        (stack[-1][1] if stack else root).append(node)
        stack.append((level, node[2]))

    def render(nodes: list[Node], top: bool) -> str:
        out = ["<ol>"]
        for ident, text, kids in nodes:
            link = f'<a href="#{ident}">{html.escape(text, quote=False)}</a>'
            if top and kids:
                out.append(f"<li><details><summary>{link}</summary>{render(kids, False)}"
                           "</details></li>")
            else:
                out.append(f"<li>{link}{render(kids, False) if kids else ''}</li>")
        out.append("</ol>")
        return "".join(out)

    return ('<nav id="toc" aria-label="Contents"><p class="toc-title">Contents</p>'
            + (render(root, True) if root else "") + "</nav>")


def add_toc(page: str, marker: str = "<!-- toc -->") -> str:
    """Give every h2-h4 an anchor (its own id when present, else an empty ``span`` with an id
    from its text, unique, just before it) and put a nested table of contents at ``marker`` (or
    before the first h2): sections collapsible (:func:`_toc_nav`)."""
    used: set[str] = set(re.findall(r'\bid="([^"]+)"', page))
    items: list[tuple[int, str, str]] = []

    def name(m: re.Match[str]) -> str:
        attrs, body = m.group("attrs"), m.group("body")
        found = re.search(r'\bid="([^"]+)"', attrs)
        text = html.unescape(_TAG.sub("", body)).strip()
        if found:
            ident = found.group(1)
        else:
            base = ident = slug(text)
            n = 2
            while ident in used:
                ident, n = f"{base}-{n}", n + 1
            used.add(ident)
            items.append((int(m.group(1)), ident, text))
            # the anchor goes before the heading, which stays as the template wrote it
            return f'<span class="anchor" id="{ident}"></span>{m.group(0)}'
        items.append((int(m.group(1)), ident, text))
        return m.group(0)

    page = _HEADING.sub(name, page)
    toc = _toc_nav(items)
    if marker in page:
        return page.replace(marker, toc, 1)
    first = page.find("<h2")
    return page if first < 0 else page[:first] + toc + page[first:]


FACES = (("DejaVuSans.ttf", "normal", "normal"), ("DejaVuSans-Bold.ttf", "bold", "normal"),
         ("DejaVuSans-Oblique.ttf", "normal", "italic"),
         ("DejaVuSans-BoldOblique.ttf", "bold", "italic"))
_SVG_TEXT = re.compile(r"<text\b([^>]*)>(.*?)</text>", re.S)
_BOLD = re.compile(r"font-weight:\s*(bold|[6-9]00)")
_ITALIC = re.compile(r"font-style:\s*(italic|oblique)")


def face_texts(page: str) -> dict[tuple[str, str], set[str]]:
    """The characters of the page's SVG ``<text>`` per face ``(weight, style)``, read from
    each element's style (matplotlib writes ``font-weight: 700``, ``font-style: italic``)."""
    faces: dict[tuple[str, str], set[str]] = {}
    for attributes, body in _SVG_TEXT.findall(page):
        face = ("bold" if _BOLD.search(attributes) else "normal",
                "italic" if _ITALIC.search(attributes) else "normal")
        faces.setdefault(face, set()).update(html.unescape(_TAG.sub("", body)))
    return faces


def font_faces_of_files(paths: list[Path]) -> str:
    """:func:`font_faces` for a page that will inline the SVG files ``paths`` (their text is
    the page's SVG text), so the subset can be made before the page is."""
    return font_faces("".join(p.read_text(encoding="utf-8") for p in paths))


def font_faces(page: str) -> str:
    """``@font-face`` rules embedding DejaVu Sans (the figures' font, as matplotlib measured it)
    subset to the characters of the page's SVG text, as WOFF data URIs: figures look the same
    on every machine, offline (DejaVu fonts: Bitstream Vera licence, free to embed). Each face
    (regular, bold, italic, bold italic) holds only the characters set in it; a face no text
    uses is left out."""
    from reports.fonts import subset_woff

    used = face_texts(page)
    rules = []
    for name, weight, style in FACES:
        chars = used.get((weight, style))
        if not chars:
            continue
        data = base64.b64encode(subset_woff(name, chars)).decode("ascii")
        rules.append(f"@font-face {{ font-family: 'DejaVu Sans'; font-weight: {weight}; "
                     f"font-style: {style}; src: url(data:font/woff;base64,{data}) "
                     "format('woff'); }")
    return "\n".join(rules)
