"""Reading documents into titles, section paths and plain-text paragraphs."""

from __future__ import annotations

import sys

import pytest

from ragft.data.documents import DOCUMENT_SUFFIXES, Document, Section
from ragft.data.reading import document_files, read_document
from ragft.errors import RagftError


def write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def sections(doc: Document) -> dict[tuple[str, ...], tuple[str, ...]]:
    return {s.path: s.paragraphs for s in doc.sections}


MARKDOWN = """---
title: Staff guide
---
# Employee handbook

Welcome to **ACME**: see [our site](https://acme.example), `ragft index` and _this_ snake_case_name.
<!-- a comment that must not be read -->

## Products

### Lumen X2

It costs 640 euros.

- First item
- Second item
  wraps here

| Model | Price |
|-------|------:|
| Lumen X2 | 640 |

Returns
-------

```
keep = "code"
```
"""


def test_markdown_headings_build_paths_from_the_title(tmp_path):
    doc = read_document(write(tmp_path, "handbook.md", MARKDOWN.replace("---\ntitle", "---\nx", 1)))
    assert doc.title == "Employee handbook"
    got = sections(doc)
    assert list(got) == [
        ("Employee handbook",),
        ("Employee handbook", "Products", "Lumen X2"),
        ("Employee handbook", "Returns"),
    ]  # setext "Returns" is level 2: it closes Products
    assert got[("Employee handbook",)] == ("Welcome to ACME: see our site, `ragft index` and this snake_case_name.",)
    assert got[("Employee handbook", "Products", "Lumen X2")] == (
        "It costs 640 euros.",
        "First item",
        "Second item wraps here",
        "Model: Lumen X2; Price: 640.",
    )
    assert got[("Employee handbook", "Returns")] == ('keep = "code"',)
    assert "comment" not in str(doc)


def test_markdown_front_matter_title_and_stem_fallback(tmp_path):
    doc = read_document(write(tmp_path, "handbook.md", MARKDOWN))
    assert doc.title == "Staff guide"
    assert doc.sections[0].path == (doc.title, "Employee handbook")
    doc = read_document(write(tmp_path, "team-notes_2024.md", "## Setup\n\nInstall it.\n"))
    assert doc.title == "team notes 2024" and doc.sections[0].path == ("team notes 2024", "Setup")
    doc = read_document(write(tmp_path, "setext.markdown", "Guide\n=====\n\nIntro.\n\nPart\n----\n\nBody.\n"))
    assert sections(doc) == {("Guide",): ("Intro.",), ("Guide", "Part"): ("Body.",)}
    doc = read_document(write(tmp_path, "readme.md", "# Install\n\nRun it.\n\n# Usage\n\nCall it.\n"))
    assert doc.title == "readme"  # two top headings are sections, not the title
    assert sections(doc) == {("readme", "Install"): ("Run it.",), ("readme", "Usage"): ("Call it.",)}


def test_rst_sections_directives_and_overlines(tmp_path):
    text = """=========
RST Title
=========

Intro with ``code``, **bold** and `a link <https://x.example>`_.

Chapter
=======

.. note:: Keep this note.

   And its body.

.. image:: picture.png
   :alt: a picture

.. a comment
   on two lines

Detail
------

- bullet one
- bullet two

Other chapter
=============

Example::

    literal text
"""
    doc = read_document(write(tmp_path, "guide.rst", text))
    assert doc.title == "RST Title"
    assert sections(doc) == {
        ("RST Title",): ("Intro with `code`, bold and a link.",),
        ("RST Title", "Chapter"): ("Keep this note.", "And its body."),
        ("RST Title", "Chapter", "Detail"): ("bullet one", "bullet two"),
        ("RST Title", "Other chapter"): ("Example:", "literal text"),
    }


def test_txt_title_rule_and_wrapped_lines(tmp_path):
    doc = read_document(
        write(
            tmp_path,
            "notes.txt",
            "Travel policy\n\nTrains are booked\nby the office. Taxis too.\n\n- first rule\n- second rule\n",
        )
    )
    assert doc.title == "Travel policy"
    assert sections(doc) == {
        ("Travel policy",): ("Trains are booked by the office. Taxis too.", "first rule", "second rule")
    }
    long_first = "A" * 85 + "\n\nBody.\n"
    assert read_document(write(tmp_path, "long_first-line.txt", long_first)).title == "long first line"
    no_blank = read_document(write(tmp_path, "no-blank.text", "Heading\nBody line.\n"))
    assert no_blank.title == "Heading" and no_blank.sections[0].paragraphs == ("Body line.",)
    wrapped = read_document(write(tmp_path, "wrapped.txt", "Trains are booked\nby the office.\n"))
    assert wrapped.title == "wrapped" and wrapped.sections[0].paragraphs == ("Trains are booked by the office.",)
    sentence = read_document(write(tmp_path, "facts.txt", "Oulu is in Finland.\n\nThe sky is blue.\n"))
    assert sentence.title == "facts"  # a first line that is a sentence is not a title


def test_txt_faq_questions_and_short_lines_head_their_paragraphs(tmp_path):
    text = (
        "THE PLAYERS - FREQUENTLY ASKED QUESTIONS\nOld Tannery, Fuller Street, Kestlow\n\n"
        "Where can I park?\nThe nearest car park is on Bridge Street.\n\n"
        "Do you offer group discounts?\n\nGroups of 12 or more get 10% off.\n\n"
        "The committee\n\nThe committee has nine members.\n\n"
        "Box office: 01632 960417\n\n"  # a fact, not a heading: it has a number and a colon
        "The club moved to its boathouse on\nWharf Lane in 1987, and it was extended twice.\n"
    )
    doc = read_document(write(tmp_path, "faq.txt", text))
    title = "THE PLAYERS - FREQUENTLY ASKED QUESTIONS"
    assert doc.title == title
    assert sections(doc) == {
        (title,): ("Old Tannery, Fuller Street, Kestlow",),
        (title, "Where can I park?"): ("The nearest car park is on Bridge Street.",),
        (title, "Do you offer group discounts?"): ("Groups of 12 or more get 10% off.",),
        (title, "The committee"): (
            "The committee has nine members.",
            "Box office: 01632 960417",
            "The club moved to its boathouse on Wharf Lane in 1987, and it was extended twice.",
        ),
    }


def test_txt_lines_in_capitals_head_sections_and_rules_are_dropped(tmp_path):
    text = (
        "LIBRARIES\nWHAT'S ON - SPRING 2026\n=======================\n\nEvents are free.\n\n"
        "CRIME WRITERS: FELIX MORROW\nThe talk is on 26 March 2026 at 7.30pm.\n"
    )
    doc = read_document(write(tmp_path, "events.txt", text))
    assert doc.title == "LIBRARIES"
    assert sections(doc) == {
        ("LIBRARIES", "WHAT'S ON - SPRING 2026"): ("Events are free.",),
        ("LIBRARIES", "CRIME WRITERS: FELIX MORROW"): ("The talk is on 26 March 2026 at 7.30pm.",),
    }


HTML = """<!doctype html><html><head><title>Lumen shop</title><style>p { color: red }</style>
<script>var secret = "script text";</script></head>
<body><header><a href="/">Site banner</a></header>
<nav><ul><li>Menu entry</li></ul></nav>
<main><article><header><h1>Lumen guide</h1></header>
<p>Intro &amp; welcome.</p>
<h2>Prices</h2><p>It costs 640 euros.<br>Delivery is free.</p>
<table><tr><th>Model</th><th>Price</th></tr><tr><td>X2</td><td><p>640</p></td></tr></table>
<ul><li>One<ul><li>Nested</li></ul></li><li>Two</li></ul>
<form><label>Search the form</label></form>
</article></main><aside>Advert</aside><footer>Copyright footer</footer></body></html>"""


def test_html_skips_page_chrome_and_builds_paths(tmp_path):
    doc = read_document(write(tmp_path, "page.html", HTML))
    assert doc.title == "Lumen shop"
    assert sections(doc) == {
        ("Lumen shop", "Lumen guide"): ("Intro & welcome.",),
        ("Lumen shop", "Lumen guide", "Prices"): (
            "It costs 640 euros. Delivery is free.",
            "Model: X2; Price: 640.",
            "One",
            "Nested",
            "Two",
        ),
    }
    for chrome in ("Site banner", "Menu entry", "script text", "color", "Search the form", "Advert", "Copyright"):
        assert chrome not in str(doc)


def test_html_title_falls_back_to_first_h1(tmp_path):
    doc = read_document(write(tmp_path, "page.htm", "<h1>Guide</h1><p>Intro.</p><h2>Part</h2><p>Body.</p>"))
    assert doc.title == "Guide"
    assert sections(doc) == {("Guide",): ("Intro.",), ("Guide", "Part"): ("Body.",)}


def test_empty_documents_have_no_sections(tmp_path):
    for name, text in [("a.md", ""), ("b.txt", "\n  \n"), ("c.html", "<script>x()</script>"), ("d.rst", "----\n")]:
        doc = read_document(write(tmp_path, name, text))
        assert doc.sections == () and doc.title


def test_unreadable_files_are_one_line_errors_naming_the_file(tmp_path):
    binary = tmp_path / "blob.txt"
    binary.write_bytes(b"abc\x00def")
    with pytest.raises(RagftError, match=r"blob\.txt: binary file"):
        read_document(binary)
    latin = tmp_path / "latin.md"
    latin.write_bytes("caf\u00e9".encode("latin-1"))
    with pytest.raises(RagftError, match=r"latin\.md: not valid UTF-8 text \(byte offset 3\)"):
        read_document(latin)
    with pytest.raises(RagftError, match=r"data\.csv: unsupported document type '\.csv'"):
        read_document(write(tmp_path, "data.csv", "a,b\n"))
    with pytest.raises(RagftError, match=r"missing\.md: no such file"):
        read_document(tmp_path / "missing.md")


def test_pdf_without_pypdf_says_how_to_install_it(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "pypdf", None)  # makes `import pypdf` fail
    pdf = tmp_path / "manual.pdf"
    pdf.write_bytes(b"%PDF-1.4\n")
    with pytest.raises(RagftError, match=r"manual\.pdf: reading PDF needs pypdf: pip install 'ragft\[pdf\]'"):
        read_document(pdf)


def test_document_files_walks_folders(tmp_path):
    for name in [
        "b.md",
        "a.txt",
        "sub/c.html",
        "sub/d.rst",
        "e.pdf",
        "questions.jsonl",
        "chat.jsonl",
        "x.csv",
        ".hidden.md",
        ".git/config.txt",
    ]:
        write(tmp_path, name, "x")
    assert [p.relative_to(tmp_path).as_posix() for p in document_files(tmp_path)] == [
        "a.txt",
        "b.md",
        "e.pdf",
        "sub/c.html",
        "sub/d.rst",
    ]
    assert document_files(tmp_path / "b.md") == [tmp_path / "b.md"]
    assert {".md", ".markdown", ".rst", ".txt", ".text", ".html", ".htm", ".pdf"} == DOCUMENT_SUFFIXES


def test_document_files_errors_name_the_folder(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(RagftError, match=r"empty: no documents in this folder \(supported: .*\.md.*\.txt"):
        document_files(empty)
    write(tmp_path, "data/questions.jsonl", "{}\n")
    with pytest.raises(RagftError, match=r"data: no documents"):
        document_files(tmp_path / "data")
    with pytest.raises(RagftError, match="no such file or directory"):
        document_files(tmp_path / "nothing")


def test_sections_are_frozen_values(tmp_path):
    a = read_document(write(tmp_path, "a.md", "# T\n\nOne.\n"))
    assert a == read_document(tmp_path / "a.md")
    assert a.sections == (Section(("T",), ("One.",)),)
    with pytest.raises(AttributeError):
        a.sections[0].path = ()  # type: ignore[misc]
