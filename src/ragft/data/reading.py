"""Reading document files: the bytes as text, the parser their suffix names, and the files of a folder.

Markdown, reStructuredText, plain text, HTML and (with pypdf) PDF are read; every parser builds the
same Document (data/documents.py).
"""

from __future__ import annotations

import re
from pathlib import Path

from ragft.data.documents import (
    DOCUMENT_SUFFIXES,
    HTML_SUFFIXES,
    MARKDOWN_SUFFIXES,
    PDF_SUFFIXES,
    RST_SUFFIXES,
    Document,
    Outline,
)
from ragft.data.html_text import parse_html
from ragft.data.markup import parse_markdown, parse_rst
from ragft.data.plain_text import parse_plain
from ragft.errors import RagftError


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
        raise RagftError(
            f"{path}: unsupported document type {suffix or '(no suffix)'!r} "
            f"(supported: {', '.join(sorted(DOCUMENT_SUFFIXES))})"
        )
    return parse_document(decode(path, read_bytes(path)), suffix, path)


def parse_document(text: str, suffix: str, path: Path) -> Document:
    """Text already read, parsed by the format its suffix names (plain text for unknown ones)."""
    suffix = suffix.lower()
    parse = (
        parse_markdown
        if suffix in MARKDOWN_SUFFIXES
        else parse_rst
        if suffix in RST_SUFFIXES
        else parse_html
        if suffix in HTML_SUFFIXES
        else parse_plain
    )
    return parse(text, path)


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
    found = sorted(
        p for p in path.rglob("*") if p.suffix.lower() in DOCUMENT_SUFFIXES and p.is_file() and not _hidden(p, path)
    )
    if not found:
        raise RagftError(f"{path}: no documents in this folder (supported: {', '.join(sorted(DOCUMENT_SUFFIXES))})")
    return found
