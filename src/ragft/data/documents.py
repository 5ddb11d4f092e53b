"""A document's structure: a title and sections of plain-text paragraphs, and the formats ragft reads.

A section's path names where its prose sits (title › chapter › heading) so that a chunk cut from
it can still say what it is about. Every parser (data/markup.py, data/html_text.py,
data/plain_text.py) builds an `Outline`; data/reading.py reads files and picks the parser.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

MARKDOWN_SUFFIXES = {".md", ".markdown"}
RST_SUFFIXES = {".rst"}
PLAIN_SUFFIXES = {".txt", ".text"}
HTML_SUFFIXES = {".html", ".htm"}
PDF_SUFFIXES = {".pdf"}
DOCUMENT_SUFFIXES = MARKDOWN_SUFFIXES | RST_SUFFIXES | PLAIN_SUFFIXES | HTML_SUFFIXES | PDF_SUFFIXES
TITLE_MAX = 80  # a plain-text first line longer than this is prose, not a title


@dataclass(frozen=True)
class Section:
    path: tuple[str, ...]  # heading texts from the document title down
    paragraphs: tuple[str, ...]  # plain text, whitespace-normalised, one list item or table row each


@dataclass(frozen=True)
class Document:
    path: Path
    title: str
    sections: tuple[Section, ...]


def normalise(text: str) -> str:
    return " ".join(text.split())


class Unit(str):
    """A list item or table row: chunked whole, however many sentences it has, because its first words
    often label the rest ("Red flag: above 1.65 m. No boating of any kind.")."""


def labelled_row(columns: list[str], cells: list[str]) -> str:
    """A table row that says what each cell is ("Boat: Marigold; Length: 17.6 m; Built: 2015."): a row
    read alone, as a chunk is, means nothing without its header. Rows that do not fit the header are
    kept as cells joined by " | "."""
    if columns and len(columns) == len(cells):
        return "; ".join(f"{c}: {v}" for c, v in zip(columns, cells) if v) + "."
    return " | ".join(c for c in cells if c)


def stem_title(path: Path) -> str:
    return normalise(path.stem.replace("-", " ").replace("_", " "))


class Outline:
    """Collects paragraphs under the current heading path while a parser walks a document.

    A heading closes every open heading at its level or deeper. Paths are fixed only in
    `document()`, once the title is known (an HTML <title> may come after text, for instance).
    """

    def __init__(self) -> None:
        self.title = ""  # the first top-level heading
        self._tops = 0  # how many top-level headings there are
        self._stack: list[tuple[int, str]] = []
        self._paragraphs: list[str] = []
        self._sections: list[tuple[tuple[str, ...], tuple[str, ...]]] = []

    def heading(self, level: int, text: str) -> None:
        text = normalise(text).rstrip(":").strip()
        if not text:
            return
        self.flush()
        while self._stack and self._stack[-1][0] >= level:
            self._stack.pop()
        self._stack.append((level, text))
        if level == 1:
            self._tops += 1
            self.title = self.title or text

    def paragraph(self, text: str) -> None:
        if text := normalise(text):
            self._paragraphs.append(text)

    def unit(self, text: str) -> None:
        """A list item or table row (see Unit)."""
        if text := normalise(text):
            self._paragraphs.append(Unit(text))

    def flush(self) -> None:
        if self._paragraphs:
            self._sections.append((tuple(t for _, t in self._stack), tuple(self._paragraphs)))
            self._paragraphs = []

    def document(self, path: Path, title: str = "") -> Document:
        self.flush()
        # Like docutils: a top heading is the title only when it is the only one; siblings are sections.
        title = normalise(title) or (self.title if self._tops == 1 else "") or stem_title(path)
        sections = []
        for names, paragraphs in self._sections:
            # Every path starts at the title, which is named once even when it is also the top heading.
            full = names if (names and names[0] == title) or not title else (title, *names)
            sections.append(Section(full, paragraphs))
        return Document(path, title, tuple(sections))
