"""Context -> Typst source -> PDF, and context -> HTML, from the Jinja templates.

Escaping is not left to template authors:

* The Typst environment escapes **every** ``{{ ... }}`` output (Jinja ``finalize``): each
  character that is not a letter, digit or space is preceded by a backslash, so ``#read(...)``,
  ``$``, ``*``, ``_``, ``<``, ``@``, ``[``, ``//`` and the like print as themselves, and newlines
  become spaces (no heading or list can start inside a value). Trusted Typst produced by this
  module (string literals for image paths) is wrapped in :class:`Raw`.
* The HTML environment uses Jinja autoescape.
* Both environments pass every output through :func:`plain_text` first (Jinja ``finalize``):
  each run of whitespace, including line and paragraph separators (U+2028, U+2029) and tabs,
  becomes one space, so the PDF and the HTML page print the same text.

Typst compiles with the build folder as its root and without system fonts (bundled fonts only:
the same PDF on every machine), so a template cannot read files outside the build folder.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
import markupsafe

TEMPLATES = Path(__file__).parent / "templates"
_SPECIAL = re.compile(r"([^\w\s]|_)")


class Raw(str):
    """Typst source that is trusted (produced here, never from a study file)."""

    __slots__ = ()


def plain_text(value: Any) -> str:
    """``value`` as one line of text: every whitespace run (``str.split``'s: spaces, tabs, line
    breaks, U+2028/U+2029...) becomes one space; None becomes the empty string. Applied to every
    output of both templates, so PDF and HTML never differ in whitespace."""
    if value is None:
        return ""
    return " ".join(str(value).split())


def typst_escape(value: Any) -> str:
    """Escape ``value`` as literal Typst markup text (see the module docstring)."""
    if isinstance(value, Raw):
        return value
    return _SPECIAL.sub(r"\\\1", plain_text(value))


def typst_string(value: Any) -> Raw:
    """A Typst string literal ``"..."`` holding ``value`` verbatim."""
    text = str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return Raw(f'"{text}"')


def typst_breakable(value: Any) -> Raw:
    """Escaped like :func:`typst_escape`, with a line-break opportunity (zero-width space)
    after each ``_`` and ``/``: for file names and ids in narrow table cells."""
    text = typst_escape(value)
    return Raw(text.replace("\\_", "\\_\\u{200b}").replace("\\/", "\\/\\u{200b}"))


@lru_cache(maxsize=1)
def _env_typst() -> jinja2.Environment:
    """The Typst environment, made once per process: its compiled templates are kept (compiling
    them took ~0.07 s per build)."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=False,
                             finalize=typst_escape, undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["str"] = typst_string
    env.filters["brk"] = typst_breakable
    return env


def _html_finalize(value: Any) -> Any:
    return value if isinstance(value, markupsafe.Markup) else plain_text(value)


class _Figures:
    """What the HTML page's figure filters need from one render: the build folder, and a
    counter that gives every inlined SVG its own id prefix."""

    def __init__(self, root: Path):
        self.root = root
        self.count = 0

    def svg(self, rel: str, alt: str = "") -> markupsafe.Markup:
        from reports import html_doc

        self.count += 1
        return html_doc.inline_svg(self.root / rel, f"fig{self.count}", alt)


@jinja2.pass_context
def _figure_svg(context: Any, rel: str, alt: str = "") -> markupsafe.Markup:
    return context["_figures"].svg(rel, alt)  # type: ignore[no-any-return]


@lru_cache(maxsize=1)
def _env_html() -> jinja2.Environment:
    """The HTML environment, made once per process (compiled templates kept); what depends on
    one render (the build folder) reaches the filters through the render's ``_figures``."""
    from reports import html_doc
    from reports.tables.cite import cite

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             finalize=_html_finalize, undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True)
    env.filters["str"] = str
    env.filters["brk"] = str
    env.filters["figure_svg"] = _figure_svg
    env.filters["cite"] = cite
    env.filters["slug"] = html_doc.slug
    env.globals["csp"] = html_doc.csp()
    env.globals["sort_script"] = markupsafe.Markup(html_doc.SORT_SCRIPT)
    return env


def render_typst(context: dict[str, Any]) -> str:
    """The report as Typst source."""
    return _env_typst().get_template("report.typ.j2").render(**context)


def compile_pdf(source: str, root: Path) -> bytes:
    """Compile Typst ``source`` to PDF bytes with ``root`` as the only readable folder."""
    import typst

    from reports.fonts import font_dir

    fonts = font_dir()  # DejaVu Sans of the figures
    main = root / "report.typ"
    main.write_text(source, encoding="utf-8")
    return typst.compile(str(main), root=str(root), font_paths=[str(fonts)],
                         ignore_system_fonts=True)


def render_html(context: dict[str, Any], root: Path, fonts: str | None = None) -> str:
    """The report as one self-contained HTML document (:mod:`reports.html_doc`): figures as
    inline SVG with their font embedded, a table of contents and an id for every heading,
    numbers linked to their audit entries (``cite``), sortable tables, a Content-Security-Policy
    that allows nothing from the network and no script but the sort script. ``fonts``: the
    ``@font-face`` rules if already made (:func:`reports.html_doc.font_faces_of_files`, run
    beside the PDF compilation by the build), else made here from the page."""
    from reports import html_doc

    page = _env_html().get_template("report.html.j2").render(**context,
                                                             _figures=_Figures(root))
    page = html_doc.add_toc(page)
    return page.replace("/* fonts */", html_doc.font_faces(page) if fonts is None else fonts, 1)
