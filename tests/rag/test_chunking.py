"""Sentence splitting, header+sentence chunks, and the knowledge commands' file -> passages."""

from __future__ import annotations

from pathlib import Path

import pytest

from ragft.data.documents import Document, Section
from ragft.data.questions import passage_id
from ragft.errors import RagftError
from ragft.rag.chunking import (
    TEXT_SUFFIXES,
    Chunk,
    ChunkSettings,
    chunk_document,
    document_passages,
    file_passages,
    is_fact_list,
    limit_length,
    split_mode,
    split_sentences,
    split_text,
    text_files,
)

HANDBOOK = """# Handbook

Welcome to the company.

## Products

### Lumen X2

The Lumen X2 is a desk lamp. It costs 640 euros.

### Lumen S

The Lumen S is a floor lamp. It costs 210 euros.
"""


@pytest.mark.parametrize(
    "text",
    [
        "It weighs 2.5 kg and costs 3.99 euros.",
        "See e.g. the manual, i.e. the blue book.",
        "Dr. Smith met Mr. Jones, Ms. Lee and Mrs. Park on St. Mary's Road.",
        "Room No. 5 seats approx. 12 people.",
        "Bring pens, paper etc. for the meeting.",
        "It is Lumen vs. Nova in the final.",
        "J. R. R. Tolkien wrote it.",
        "The train leaves at 08.45 sharp.",
        "Version 2.10.3 fixed it.",
        "He waited... Then nothing happened.",
        "The U.S. Army bought some.",
    ],
)
def test_sentences_not_split_inside(text):
    assert split_sentences(text) == [text]


def test_sentences_split_at_ends_list_items_and_paragraphs():
    assert split_sentences('It costs 640 euros. Delivery is free! Is it? "Yes," he said. 12 came. (Really.)') == [
        "It costs 640 euros.",
        "Delivery is free!",
        "Is it?",
        '"Yes," he said.',
        "12 came.",
        "(Really.)",
    ]
    assert split_sentences("Steps:\n- unpack the lamp\n- plug it in\n1. switch on\n2. enjoy") == [
        "Steps:",
        "- unpack the lamp",
        "- plug it in",
        "1. switch on",
        "2. enjoy",
    ]
    assert split_sentences("One line\nwrapped here. Next.\n\nNew paragraph") == [
        "One line wrapped here.",
        "Next.",
        "New paragraph",
    ]
    assert split_sentences("The answer is no. Then we left.") == ["The answer is no.", "Then we left."]
    assert split_sentences("ends in lower case. no split here") == ["ends in lower case. no split here"]
    assert split_sentences("") == []


def test_long_sentences_split_at_commas_then_wrapped():
    sentence = "First part here, second part here; third part here and a bit more."
    assert limit_length(sentence, 40) == ["First part here, second part here;", "third part here and a bit more."]
    assert all(len(p) <= 20 for p in limit_length("word " * 30, 20))
    assert limit_length("short.", 20) == ["short."]


def test_headers_carry_title_and_section_path(tmp_path):
    (tmp_path / "handbook.md").write_text(HANDBOOK)
    chunks = list(document_passages(tmp_path / "handbook.md", ChunkSettings(sentences=2)).values())
    assert [c.text for c in chunks] == [
        "Handbook: Welcome to the company.",
        "Handbook › Products › Lumen X2: The Lumen X2 is a desk lamp. It costs 640 euros.",
        "Handbook › Products › Lumen S: The Lumen S is a floor lamp. It costs 210 euros.",
    ]
    doc = Document(
        tmp_path / "handbook.md",
        "Handbook",
        (Section(("Handbook", "Products", "Lumen X2"), ("The Lumen X2 is a desk lamp. It costs 640 euros.",)),),
    )
    single = chunk_document(doc, ChunkSettings(sentences=1, lead_in=False))
    price = [c for c in single if "640" in c.body]
    assert price == [
        Chunk(
            text="Handbook › Products › Lumen X2: It costs 640 euros.",
            body="It costs 640 euros.",
            header="Handbook › Products › Lumen X2",
            source=str(tmp_path / "handbook.md"),
            section=("Handbook", "Products", "Lumen X2"),
        )
    ]


@pytest.mark.parametrize(
    "second, led_in",
    [
        ("It costs 640 euros.", True),
        ("Its shade is green.", True),
        ("She designed it in 2019.", True),
        ("“They sold out,” says Ana.", True),
        ("Lumen costs 640 euros.", False),
        ("Item 4 is green.", False),
    ],
)
def test_a_sentence_opening_with_a_pronoun_carries_the_one_before(second, led_in):
    doc = doc_of((("D", "Lamps"), (f"The Lumen X2 is a desk lamp. {second}",)), (("D", "Other"), (second,)))
    bodies = [c.body for c in chunk_document(doc, ChunkSettings(sentences=1))]
    assert bodies[0] == "The Lumen X2 is a desk lamp."
    assert bodies[1] == (f"The Lumen X2 is a desk lamp. {second}" if led_in else second)
    assert bodies[2] == second  # the first sentence of a section has none before it: never another section's


def doc_of(*sections: tuple[tuple[str, ...], tuple[str, ...]]) -> Document:
    return Document(Path("d.md"), "D", tuple(Section(path, paragraphs) for path, paragraphs in sections))


SIX = " ".join(f"Fact {n} holds." for n in range(1, 7))


def test_a_chunk_never_spans_sections():
    doc = doc_of((("D", "A"), ("Only A.",)), (("D", "B"), ("Only B.", "More B.")))
    chunks = chunk_document(doc, ChunkSettings(sentences=10))
    assert [(c.section, c.body) for c in chunks] == [(("D", "A"), "Only A."), (("D", "B"), "Only B. More B.")]


@pytest.mark.parametrize(
    "settings, count",
    [
        (ChunkSettings(sentences=1), 6),
        (ChunkSettings(sentences=2), 3),
        (ChunkSettings(sentences=4), 2),
        (ChunkSettings(sentences=6), 1),
        (ChunkSettings(sentences=2, overlap=1), 5),
        (ChunkSettings(sentences=3, overlap=1), 3),
        (ChunkSettings(sentences=3, overlap=2), 4),
    ],
)
def test_sentences_and_overlap_set_the_chunk_count(settings, count):
    chunks = chunk_document(doc_of((("D",), (SIX,))), settings)
    assert len(chunks) == count
    assert chunks[0].body.startswith("Fact 1 ") and chunks[-1].body.endswith("Fact 6 holds.")
    if settings.overlap:
        shared = chunks[0].body.split(". ")[-settings.overlap :]
        assert chunks[1].body.startswith(shared[0])


def test_header_can_be_left_out_and_paragraph_ends_are_kept_apart():
    doc = doc_of((("D", "List"), ("first item", "second (2nd) item (keep)", "Done.")))
    [chunk] = chunk_document(doc, ChunkSettings(sentences=3, header=False))
    assert chunk.text == chunk.body == "first item; second (2nd) item (keep); Done." and chunk.header == "D › List"
    [chunk] = chunk_document(doc_of((("FAQ: Lamps", "Price"), ("It costs 5 euros.",))))
    assert chunk.text.split(": ", 1) == ["FAQ - Lamps › Price", "It costs 5 euros."]  # one ": " ends the header
    assert chunk_document(Document(Path("x.txt"), "", (Section((), ("Bare.",)),)))[0].text == "Bare."


def test_settings_are_checked():
    for bad in [dict(sentences=0), dict(sentences=2, overlap=2), dict(overlap=-1), dict(max_chars=5)]:
        with pytest.raises(RagftError, match="chunk"):
            ChunkSettings(**bad)


def test_chunking_is_deterministic_and_duplicates_collapse(tmp_path):
    (tmp_path / "a.md").write_text("# T\n\nSame. Same.\n\nSame. Same.\n\nOther.\n")
    first, second = document_passages(tmp_path / "a.md"), document_passages(tmp_path / "a.md")
    assert first == second and list(first) == list(second)
    assert [c.text for c in first.values()] == ["T: Same.", "T: Other."]
    assert all(pid == passage_id(c.text) for pid, c in first.items())


def test_file_passages_keeps_fact_files_as_lines(tmp_path):
    facts = tmp_path / "facts.txt"
    facts.write_text("Oulu is in Finland.\n\nThe sky is blue.\nOulu is in Finland.\n")
    assert file_passages(facts) == {passage_id(t): t for t in ["Oulu is in Finland.", "The sky is blue."]}
    assert split_mode(facts) == "lines" and split_mode(facts, "chunks") == "chunks"
    assert list(file_passages(facts, "chunks").values()) == ["facts: Oulu is in Finland.", "facts: The sky is blue."]


def test_file_passages_chunks_prose(tmp_path):
    prose = tmp_path / "policy.txt"
    prose.write_text("Travel policy\n\nTrains are booked by\nthe office. Taxis need approval. Hotels are paid.\n")
    assert not is_fact_list(prose.read_text())
    assert list(file_passages(prose).values()) == [
        "Travel policy: Trains are booked by the office.",
        "Travel policy: Taxis need approval.",
        "Travel policy: Hotels are paid.",
    ]
    md = tmp_path / "handbook.md"
    md.write_text(HANDBOOK)
    assert split_mode(md) == "chunks" and "Handbook › Products › Lumen S: The Lumen S" in str(file_passages(md))
    assert "# Handbook" in file_passages(md, "lines").values()  # lines stay raw lines, as before
    page = tmp_path / "page.html"
    page.write_text("<title>Shop</title><nav>Menu</nav><h2>Prices</h2><p>It costs 5 euros.</p><p>Free delivery.</p>")
    assert list(file_passages(page).values()) == ["Shop › Prices: It costs 5 euros.", "Shop › Prices: Free delivery."]
    assert list(file_passages(page, "lines").values()) == ["It costs 5 euros.", "Free delivery."]
    with pytest.raises(RagftError, match="--split must be auto, lines or chunks"):
        file_passages(md, "words")


def test_is_fact_list():
    assert is_fact_list("Oulu is in Finland.\nHelsinki is the capital.\n")
    assert is_fact_list("Oulu: Finland\nLyon: France\n")
    assert not is_fact_list("This line wraps\nonto the next one.\n")
    assert not is_fact_list("Two sentences. On one line.\n")
    assert not is_fact_list("x" * 201 + ".\n")
    assert not is_fact_list("\n\n")


def test_older_entry_points_still_work(tmp_path):
    assert split_text(" a \n\n b\n", "lines") == ["a", "b"]
    assert split_text("# T\n\nA b. C d. E f.\n\n## S\n\nG h.", "markdown") == [
        "T: A b.",
        "T: C d.",
        "T: E f.",
        "T › S: G h.",
    ]
    assert split_text("A b. C d. E f.", "chunks") == ["A b.", "C d.", "E f."]
    (tmp_path / "a.md").write_text("x")
    (tmp_path / "questions.jsonl").write_text("{}")
    assert text_files(tmp_path) == [tmp_path / "a.md"] and ".md" in TEXT_SUFFIXES
    (tmp_path / "bad.txt").write_bytes(b"\xff\xfe")
    with pytest.raises(RagftError, match=r"bad\.txt: not valid UTF-8"):
        file_passages(tmp_path / "bad.txt")


def test_list_items_and_table_rows_are_chunked_whole_with_their_labels(tmp_path):
    md = tmp_path / "club.md"
    md.write_text(
        "# Club\n\n## Levels\n\n- Red flag: above 1.65 m. No boating of any kind.\n"
        "- Green flag: below 1.20 m.\n\n"
        "## Fleet\n\n| Boat | Length | Built |\n|---|---|---|\n| Marigold | 17.6 m | 2015 |\n\n"
        "| a | b |\n\nThe river is slow. It loops around the town.\n"
    )
    bodies = [c.body for c in document_passages(md).values()]
    assert "Red flag: above 1.65 m. No boating of any kind." in bodies  # one item, two sentences, one chunk
    assert "Boat: Marigold; Length: 17.6 m; Built: 2015." in bodies  # the row says what its cells are
    assert "Boat | Length | Built" not in " ".join(bodies)  # the header row lives in its rows
    assert "a | b" in bodies  # pipes with no rule under them: cells, no header
    assert "The river is slow." in bodies  # prose is still split into sentences


def test_html_list_items_and_header_rows(tmp_path):
    page = tmp_path / "page.html"
    page.write_text(
        "<h1>Club</h1><ul><li>Amber flag: 1.20 m to 1.65 m. Coxed crews only.</li></ul>"
        "<table><tr><th>Boat</th><th>Built</th></tr><tr><td>Heron</td><td>2012</td></tr></table>"
    )
    bodies = [c.body for c in document_passages(page).values()]
    assert bodies == ["Amber flag: 1.20 m to 1.65 m. Coxed crews only.", "Boat: Heron; Built: 2012."]


README = """# fastapi

[![Test](https://github.com/x/y/badge.svg)](https://github.com/x/y) ![logo](logo.png)

## Optional dependencies

Used by Starlette:

* [`httpx`](https://www.python-httpx.org) - Required if you want to use the `TestClient`.
* `jinja2` - Required if you want to use the default template configuration.

And to switch between adapters, call `set_adapter`:

```python
model.set_adapter("lora_2")
```

A closing remark.
"""


def test_real_readme_shapes_keep_terms_and_what_they_are_about(tmp_path):
    """Badges go; a list item or code block carries the sentence that introduces it; code spans keep their
    backticks (they mark the terms a reader must copy)."""
    path = tmp_path / "fastapi.md"
    path.write_text(README)
    bodies = [c.body for c in document_passages(path).values()]
    assert not any("badge" in b or "logo" in b for b in bodies)
    assert "Used by Starlette: `httpx` - Required if you want to use the `TestClient`." in bodies
    assert "Used by Starlette: `jinja2` - Required if you want to use the default template configuration." in bodies
    assert 'And to switch between adapters, call `set_adapter`: model.set_adapter("lora_2")' in bodies
    assert "A closing remark." in bodies  # prose after them leads itself


def test_lead_ins_can_be_turned_off(tmp_path):
    path = tmp_path / "fastapi.md"
    path.write_text(README)
    bodies = [c.body for c in document_passages(path, ChunkSettings(lead_in=False)).values()]
    assert "`jinja2` - Required if you want to use the default template configuration." in bodies
