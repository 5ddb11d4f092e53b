"""Documents -> passages: chunks of a few sentences, each headed by its title and section path.

A small reader model answers well from the one sentence that holds the answer, and badly from
long chunks that mix many facts; the header ("Handbook › Products › Lumen X2: It costs 640 euros.")
keeps a short chunk's subject. A file of one fact per line can still be indexed line by line.
Ids are content hashes: unchanged chunks keep their ids.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

from ragft.data.documents import DOCUMENT_SUFFIXES, HTML_SUFFIXES, PDF_SUFFIXES, PLAIN_SUFFIXES, Document, Unit
from ragft.data.questions import passage_id
from ragft.data.reading import decode, document_files, parse_document, read_bytes, read_document
from ragft.errors import RagftError

TEXT_SUFFIXES = DOCUMENT_SUFFIXES  # the older name, still imported
FACT_LINE_MAX = 200  # longer lines are prose paragraphs, not facts
HEADER_SEPARATOR = " › "
_CLOSERS = "\"'”’»)]"

# --- sentences ---------------------------------------------------------------------------------

_BLOCK_BREAK = re.compile(r"\n[ \t]*\n|\n(?=[ \t]*(?:[-*+•]|\d{1,3}[.)])\s)")  # a blank line or a new list item
_END = re.compile(r"(\.\.\.|…|[.!?]+)([\"'”’»)\]]*)\s+")
_NEXT = re.compile(r"[\"'“‘«(\[]*(\w)")
# Words that end in "." but seldom end a sentence, even before a capital ("Dr. Smith", "incl. VAT").
_ABBREVIATIONS = {
    "e.g",
    "i.e",
    "dr",
    "mr",
    "mrs",
    "ms",
    "prof",
    "st",
    "sr",
    "jr",
    "approx",
    "etc",
    "vs",
    "cf",
    "al",
    "ca",
    "mt",
    "resp",
    "incl",
    "excl",
    "viz",
}
_BEFORE_NUMBER = {
    "no",
    "nr",
    "nos",
    "vol",
    "pp",
    "p",
    "fig",
    "art",
    "sec",
    "ch",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
}  # "No. 5", but "The answer is no. Then ..."
_DOTTED = re.compile(r"(?:[A-Za-z]\.)+[A-Za-z]")  # U.S, a.m


def _ends_sentence(block: str, end: re.Match, following: str) -> bool:
    mark = end.group(1)
    if mark == "…" or (len(mark) > 1 and set(mark) == {"."}):
        return False  # an ellipsis trails off inside the sentence
    if mark != ".":
        return True
    before = block[: end.start()].split()
    word = before[-1].lstrip("\"'“‘«([") if before else ""
    lower = word.lower()
    if lower in _ABBREVIATIONS or _DOTTED.fullmatch(word):
        return False
    if lower in _BEFORE_NUMBER and following.isdigit():
        return False
    return not (len(word) == 1 and word.isupper())  # an initial: "J. R. Smith"


def split_sentences(text: str) -> list[str]:
    """Sentences, split at . ! ? before a capital, digit or quote; decimals, times, versions,
    abbreviations, initials and ellipses stay inside. List items and paragraphs always split."""
    sentences = []
    for block in _BLOCK_BREAK.split(text):
        block = " ".join(block.split())
        start = 0
        for end in _END.finditer(block):
            nxt = _NEXT.match(block, end.end())
            if nxt and (nxt.group(1).isupper() or nxt.group(1).isdigit()) and _ends_sentence(block, end, nxt.group(1)):
                sentences.append(block[start : end.end()].strip())
                start = end.end()
        if block[start:].strip():
            sentences.append(block[start:].strip())
    return sentences


def limit_length(sentence: str, max_chars: int) -> list[str]:
    """An over-long sentence split at commas and semicolons, hard-wrapped where that is not enough."""
    if len(sentence) <= max_chars:
        return [sentence]
    parts: list[str] = []
    for piece in re.split(r"(?<=[,;])\s+", sentence):
        if parts and len(parts[-1]) + 1 + len(piece) <= max_chars:
            parts[-1] += " " + piece
        else:
            parts.append(piece)
    return [line for part in parts for line in textwrap.wrap(part, max_chars, break_on_hyphens=False)]


# --- chunks ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Chunk:
    text: str  # header + body: what is indexed and what the model reads
    body: str
    header: str  # title › section path (kept here even when settings leave it out of text)
    source: str  # the document's file path
    section: tuple[str, ...]


@dataclass(frozen=True)
class ChunkSettings:
    sentences: int = 1  # sentences per chunk: one reads best for a small reader (bench/reader_quality.py)
    overlap: int = 0  # sentences shared by consecutive chunks of a section
    max_chars: int = 600  # longest sentence kept whole
    header: bool = True
    lead_in: bool = True  # a chunk opening with a pronoun ("It takes 55 minutes.") carries the sentence before it

    def __post_init__(self) -> None:
        if self.sentences < 1:
            raise RagftError(f"chunk sentences must be at least 1, got {self.sentences}")
        if not 0 <= self.overlap < self.sentences:
            raise RagftError(f"chunk overlap must be 0 to sentences-1 ({self.sentences - 1}), got {self.overlap}")
        if self.max_chars < 20:
            raise RagftError(f"chunk max_chars must be at least 20, got {self.max_chars}")


def _sentences(paragraphs: tuple[str, ...], max_chars: int) -> list[tuple[str, bool, str]]:
    """(sentence, whether it ends its paragraph, its lead-in) for every sentence of a section.

    A paragraph ending in ":" introduces the list items, table rows or code blocks that follow it
    ("Additional optional dependencies:", "To switch adapters, call set_adapter:"): each of their
    sentences carries it as its lead-in; "" for the others."""
    out, lead = [], ""
    for paragraph in paragraphs:
        unit = isinstance(paragraph, Unit)
        whole = unit and len(paragraph) <= max_chars  # a list item, table row or code block
        pieces = [paragraph] if whole else [p for s in split_sentences(paragraph) for p in limit_length(s, max_chars)]
        if not unit:
            lead = ""
        out.extend((piece, i == len(pieces) - 1, lead) for i, piece in enumerate(pieces))
        if not unit:
            last = pieces[-1] if pieces else ""
            lead = last if last.rstrip().endswith(":") and len(last) <= max_chars // 2 else ""
    return out


def _join(sentences: list[tuple[str, bool, str]]) -> str:
    # A list item or table row has no full stop; "; " keeps it from running into the next one.
    body = sentences[0][0]
    if sentences[0][2] and sentences[0][2] not in (s for s, _, _ in sentences):
        body = f"{sentences[0][2]} {body}"  # what the list, table or code block is about
    for (before, ends, _), (text, _, _) in zip(sentences, sentences[1:]):
        punctuated = before.rstrip(_CLOSERS)[-1:] in (".", "!", "?", ":", ";", "…")
        body += ("; " if ends and not punctuated else " ") + text
    return body


# Words that open a sentence whose subject was named in the sentence before.
_PRONOUNS = frozenset("it its they their them he his him she her this these those both each".split())
_FIRST_WORD = re.compile(r"[\"'“‘«(\[]*([^\W\d_]+)")


def _opens_with_pronoun(sentence: str) -> bool:
    first = _FIRST_WORD.match(sentence)
    return bool(first) and first.group(1).lower() in _PRONOUNS


def chunk_document(doc: Document, settings: ChunkSettings = ChunkSettings()) -> list[Chunk]:
    """A sliding window over each section's sentences; a chunk never spans two sections."""
    chunks = []
    step = settings.sentences - settings.overlap
    for section in doc.sections:
        sentences = _sentences(section.paragraphs, settings.max_chars)
        if not settings.lead_in:
            sentences = [(text, ends, "") for text, ends, _ in sentences]
        # ": " ends the header, so none inside it: "Title: body" splits back at the first one.
        header = HEADER_SEPARATOR.join(part.replace(": ", " - ") for part in section.path)
        for start in range(0, len(sentences), step):
            first = start - 1 if settings.lead_in and start and _opens_with_pronoun(sentences[start][0]) else start
            body = _join(sentences[first : start + settings.sentences])
            text = f"{header}: {body}" if settings.header and header else body
            chunks.append(Chunk(text=text, body=body, header=header, source=str(doc.path), section=section.path))
            if start + settings.sentences >= len(sentences):
                break  # the window reached the end; later ones would repeat its tail
    return chunks


def keyed(chunks: list[Chunk]) -> dict[str, Chunk]:
    """{content id: chunk}; identical chunks collapse into the first."""
    out: dict[str, Chunk] = {}
    for chunk in chunks:
        out.setdefault(passage_id(chunk.text), chunk)
    return out


def document_passages(path: Path, settings: ChunkSettings = ChunkSettings()) -> dict[str, Chunk]:
    return keyed(chunk_document(read_document(Path(path)), settings))


# --- the knowledge commands' entry points --------------------------------------------------------


def read_text_file(path: Path) -> str:
    return decode(path, read_bytes(Path(path)))


def text_files(path: Path) -> list[Path]:
    return document_files(path)


def is_fact_list(text: str) -> bool:
    """One short sentence per line, no line running on into the next: a file of facts."""
    lines = text.splitlines()
    facts = [line.strip() for line in lines if line.strip()]
    if not facts or any(len(line) > FACT_LINE_MAX or len(split_sentences(line)) != 1 for line in facts):
        return False
    for line, following in zip(lines, lines[1:]):
        line, following = line.strip(), following.strip()
        if line and following and (line[-1] in ",-–" or (line[-1] not in ".!?:;)\"'" and following[0].islower())):
            return False  # a wrapped paragraph
    return True


def split_mode(path: Path, split: str = "auto", text: str | None = None) -> str:
    """ "lines" or "chunks"; "auto" reads a plain-text file of one fact per line as lines."""
    if split not in ("auto", "lines", "chunks"):
        raise RagftError(f"--split must be auto, lines or chunks, got {split!r}")
    if split != "auto":
        return split
    suffix = Path(path).suffix.lower()
    if suffix in HTML_SUFFIXES | PDF_SUFFIXES or (suffix in DOCUMENT_SUFFIXES and suffix not in PLAIN_SUFFIXES):
        return "chunks"
    return "lines" if is_fact_list(read_text_file(path) if text is None else text) else "chunks"


def split_text(text: str, mode: str) -> list[str]:
    """mode "lines": one passage per non-empty line; "chunks" / "markdown": header+sentence chunks."""
    if mode == "lines":
        return [line.strip() for line in text.splitlines() if line.strip()]
    return [c.text for c in chunk_document(parse_document(text, ".md" if mode == "markdown" else ".txt", Path("")))]


def file_passages(path: Path, split: str = "auto") -> dict[str, str]:
    """{id: passage} for one file; HTML and PDF "lines" are their paragraphs."""
    path = Path(path)
    parsed = path.suffix.lower() in HTML_SUFFIXES | PDF_SUFFIXES
    text = None if parsed else read_text_file(path)
    mode = split_mode(path, split, text)
    if mode == "lines" and text is not None:
        return {passage_id(line): line for line in split_text(text, "lines")}
    doc = read_document(path) if text is None else parse_document(text, path.suffix, path)
    if mode == "lines":
        return {passage_id(p): p for section in doc.sections for p in section.paragraphs}
    return {pid: chunk.text for pid, chunk in keyed(chunk_document(doc)).items()}
