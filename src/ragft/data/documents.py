"""Documents on disk -> their structure: a title and sections of plain-text paragraphs.

A section's path names where its prose sits (title › chapter › heading) so that a chunk cut from
it can still say what it is about. Markdown, reStructuredText, plain text, HTML and (with pypdf)
PDF are read; the markup parsers live in data/markup.py and data/html_text.py, this module
reads files and picks one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ragft.errors import RagftError

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


def decode(path: Path, data: bytes) -> str:
    if b"\x00" in data:
        raise RagftError(f"{path}: binary file (contains NUL bytes), not a text document")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise RagftError(f"{path}: not valid UTF-8 text (byte offset {e.start})") from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise RagftError(f"{path}: no such file or directory") from None
    except IsADirectoryError:
        raise RagftError(f"{path}: is a folder, not a document") from None
    except OSError as e:
        raise RagftError(f"{path}: cannot read ({e.strerror or e})") from None


def read_document(path: Path) -> Document:
    """The file's structure, by suffix; a document without text has no sections."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in PDF_SUFFIXES:
        return read_pdf(path)
    if suffix not in DOCUMENT_SUFFIXES:
        raise RagftError(f"{path}: unsupported document type {suffix or '(no suffix)'!r} "
                         f"(supported: {', '.join(sorted(DOCUMENT_SUFFIXES))})")
    return parse_document(decode(path, read_bytes(path)), suffix, path)


def parse_document(text: str, suffix: str, path: Path) -> Document:
    """Text already read, parsed by the format its suffix names (plain text for unknown ones)."""
    from ragft.data.html_text import parse_html
    from ragft.data.markup import parse_markdown, parse_rst

    suffix = suffix.lower()
    parse = (parse_markdown if suffix in MARKDOWN_SUFFIXES else parse_rst if suffix in RST_SUFFIXES
             else parse_html if suffix in HTML_SUFFIXES else parse_plain)
    return parse(text, path)


_BULLET = re.compile(r"^\s*(?:[-*+•]|\d+[.)])\s+")


_RULE_LINE = re.compile(r"^[ \t]*[=\-*_~#]{3,}[ \t]*$", re.MULTILINE)


def _heading_line(line: str, following: str | None) -> bool:
    """A line that heads what follows it: a question ("Where can I park?" in a FAQ), a line in capitals,
    or a few words with no number, colon or comma (those state facts) that are not a sentence's end,
    much shorter than the capitalised line after it when one follows in its block (a wrapped
    paragraph's first line is as long as the next)."""
    line = line.strip()
    if not line or len(line) > TITLE_MAX or _BULLET.match(line):
        return False
    if line.endswith("?") or (line.isupper() and sum(c.isalpha() for c in line) > 2 and line[-1] != "."):
        return True  # a FAQ's question, or a line in capitals ("CRIME WRITERS: FELIX MORROW")
    if line[-1] in ".,;:!-–—" or any(c in ":," or c.isdigit() for c in line) or len(line.split()) > 10:
        return False
    if following is None:
        return True
    following = following.strip()
    return bool(following) and not following[0].islower() and len(line) < 0.6 * len(following)


def parse_plain(text: str, path: Path) -> Document:
    """Blank lines separate paragraphs; a short first line is the title, and a short line heading a
    paragraph, or standing alone before one, is its section's heading (see `_heading_line`)."""
    text = _RULE_LINE.sub("", text)  # "=====" under a title, "-----" between parts
    blocks = [b.strip("\n").splitlines() for b in re.split(r"\n[ \t]*\n", text) if b.strip()]
    title = ""
    first = blocks[0] if blocks else []
    # A lone first line that reads like a sentence (ends in . , ; :) is prose, not a title.
    if len(blocks) > 1 and len(first) == 1 and len(first[0].strip()) < TITLE_MAX and first[0].strip()[-1] not in ".,;:":
        title, blocks = first[0].strip(), blocks[1:]
    elif len(first) > 1 and _heading_line(first[0], None) and not first[1].strip()[:1].islower():
        title, blocks[0] = first[0].strip(), first[1:]  # a title with a subtitle or address under it
    outline = Outline()
    for n, block in enumerate(blocks):
        following = block[1] if len(block) > 1 else None
        if _heading_line(block[0], following) and (following is not None or n + 1 < len(blocks)):
            outline.heading(2, block[0])
            block = block[1:]
        lines: list[str] = []
        for line in block:
            if bullet := _BULLET.match(line):  # a list item starts its own paragraph
                outline.paragraph(" ".join(lines))
                lines, line = [], line[bullet.end():]
            lines.append(line)
        outline.paragraph(" ".join(lines))
    return outline.document(path, title)


def read_pdf(path: Path) -> Document:
    try:
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError
    except ImportError:
        raise RagftError(f"{path}: reading PDF needs pypdf: pip install 'ragft[pdf]'") from None
    if not path.is_file():
        raise RagftError(f"{path}: no such file or directory")
    try:
        reader = PdfReader(path)
        title = (reader.metadata.title if reader.metadata else None) or ""
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, KeyError, OSError) as e:
        raise RagftError(f"{path}: not a readable PDF ({e})") from None
    outline = Outline()
    for page in pages:
        page = re.sub(r"(\w)-\n(\w)", r"\1\2", page)  # words hyphenated at a line break
        for block in re.split(r"\n[ \t]*\n", page):
            outline.paragraph(block)
    return outline.document(path, str(title))


def _hidden(path: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(root).parts)


def document_files(path: Path) -> list[Path]:
    """The file itself, or every supported document under a folder (sorted; hidden ones and .jsonl skipped)."""
    path = Path(path)
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise RagftError(f"{path}: no such file or directory")
    found = sorted(p for p in path.rglob("*")
                   if p.suffix.lower() in DOCUMENT_SUFFIXES and p.is_file() and not _hidden(p, path))
    if not found:
        raise RagftError(f"{path}: no documents in this folder (supported: {', '.join(sorted(DOCUMENT_SUFFIXES))})")
    return found
