"""Strings from study files print as literal text in Typst and HTML; nothing is executed."""

from __future__ import annotations

import io

import pypdf
import pytest

from reports.render import Raw, compile_pdf, typst_escape, typst_string

EVIL = ['#read("/etc/passwd")', "<script>alert(1)</script>", "$x^2$ *bold* _it_ `code`",
        "@ref [link] \\ // comment /* c */ = heading", "- item + item 1. item ~ ' \""]


@pytest.mark.parametrize("text", EVIL)
def test_escaped_text_compiles_to_itself(tmp_path, text):
    pdf = compile_pdf(f"= Title\n{typst_escape(text)}\n\n{typst_escape(text)}. after\n", tmp_path)
    words = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    flat = " ".join(words.split())
    assert " ".join(text.split()) in flat


def test_read_outside_root_is_not_executed(tmp_path):
    pdf = compile_pdf("#raw(" + typst_string('#read("/etc/passwd")') + ")\n"
                      + typst_escape('#read("/etc/passwd")'), tmp_path)
    text = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "root:" not in text
    assert '#read("/etc/passwd")' in text


def test_newlines_cannot_start_markup():
    assert "\n" not in typst_escape("a\n= heading\n- list")
    assert typst_escape("a_b") == "a\\_b"


def test_raw_passes_through_and_none_is_empty():
    assert typst_escape(Raw("#x")) == "#x"
    assert typst_escape(None) == ""
