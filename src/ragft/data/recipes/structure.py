"""What a chunk's text says about its own structure, read without a model: a table row written as labelled cells
("Boat: Marigold; Length: 17.6 m; Built: 2015.", data/documents.labelled_row), a key–value line ("Red flag: above
1.65 m."), and the subject a section is about (its last heading), which stands in for a leading pronoun."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ragft.rag.chunking import Chunk, split_sentences

LABEL_WORDS = 5  # a label ("Length", "Red flag", "Opening hours") is short; a longer run before ":" is prose
_PRONOUN = re.compile(r"^(It|He|She|They|This|Its|His|Her|Their)\b(?=\s)")
_POSSESSIVE = {"its", "his", "her", "their"}


@dataclass(frozen=True)
class Row:
    key: str  # the first column's label
    subject: str  # the first cell: what the row is about
    cells: tuple[tuple[str, str], ...]  # (column, value) of the others


def _label(text: str) -> bool:
    return 0 < len(text.split()) <= LABEL_WORDS and not text.rstrip().endswith((".", "?", "!"))


def table_row(body: str) -> Row | None:
    """A labelled table row's subject and cells; None for anything else."""
    parts = [p.strip() for p in body.rstrip(".").split("; ")]
    pairs = [p.split(": ", 1) for p in parts]
    if len(pairs) < 2 or any(len(p) != 2 or not _label(p[0]) or not p[1].strip() for p in pairs):
        return None
    (key, subject), *rest = [(c.strip(), v.strip()) for c, v in pairs]
    return Row(key, subject, tuple(rest))


def key_value(body: str) -> tuple[str, str] | None:
    """("Red flag", "above 1.65 m. No boating of any kind.") for a line that opens with a short label."""
    if table_row(body) or ": " not in body:
        return None
    key, value = body.split(": ", 1)
    return (key.strip(), value.strip()) if _label(key) and value.strip() else None


def subject(chunk: Chunk) -> str:
    """What the chunk's section is about: its last heading (the document's title for text before any heading)."""
    return chunk.section[-1] if chunk.section else chunk.header


def column(name: str) -> str:
    """A column label as it reads inside a sentence: "Length" -> "length", "VAT" stays."""
    return name if name.isupper() or not name[:1].isupper() or name[1:2].isupper() else name[0].lower() + name[1:]


def with_subject(body: str, name: str) -> str:
    """Each sentence that opens with a pronoun opens with the subject's full name instead ("It runs ..." ->
    "The Heron Cargo runs ..."): Allen-Zhu & Li's `fullname`, which makes a fact retrievable by its subject."""
    out = []
    for sentence in split_sentences(body):
        found = _PRONOUN.match(sentence)
        if found:
            replaced = f"{name}'s" if found.group(1).lower() in _POSSESSIVE else name
            sentence = replaced + sentence[found.end() :]
        out.append(sentence)
    return " ".join(out)
