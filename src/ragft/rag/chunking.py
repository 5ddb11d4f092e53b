"""Files and folders -> passages.

`lines` makes one passage per non-empty line (a file of facts); `chunks` splits prose with
LangChain's maintained splitters (markdown-aware for .md). By default .txt files are read as
lines and markdown/rst as chunks. Ids are content hashes: unchanged chunks keep their ids.
"""

from __future__ import annotations

from pathlib import Path

from ragft.data.questions import passage_id
from ragft.errors import RagftError

TEXT_SUFFIXES = {".txt", ".text", ".md", ".markdown", ".rst"}
CHUNK_SIZE = 800  # characters: a few sentences, well inside MiniLM's 256-token window
CHUNK_OVERLAP = 100


def _splitter(markdown: bool):
    from langchain_text_splitters import MarkdownTextSplitter, RecursiveCharacterTextSplitter

    cls = MarkdownTextSplitter if markdown else RecursiveCharacterTextSplitter
    return cls(chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP)


def split_text(text: str, mode: str) -> list[str]:
    """mode "lines": one passage per non-empty line; "chunks" / "markdown": splitter chunks."""
    if mode == "lines":
        return [line.strip() for line in text.splitlines() if line.strip()]
    return [c.strip() for c in _splitter(mode == "markdown").split_text(text) if c.strip()]


def split_mode(path: Path, split: str = "auto") -> str:
    if split not in ("auto", "lines", "chunks"):
        raise RagftError(f"--split must be auto, lines or chunks, got {split!r}")
    markdown = path.suffix.lower() in {".md", ".markdown"}
    if split == "chunks" or (split == "auto" and path.suffix.lower() in {".md", ".markdown", ".rst"}):
        return "markdown" if markdown else "chunks"
    return "lines"


def read_text_file(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise RagftError(f"{path}: not valid UTF-8 text (byte {e.start + 1})") from None


def text_files(path: Path) -> list[Path]:
    """The file itself, or every text/markdown file under a folder (sorted, hidden ones skipped)."""
    if path.is_file():
        return [path]
    if path.is_dir():
        found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in TEXT_SUFFIXES
                       and not any(part.startswith(".") for part in p.relative_to(path).parts))
        if not found:
            raise RagftError(f"{path}: no text or markdown files ({', '.join(sorted(TEXT_SUFFIXES))})")
        return found
    raise RagftError(f"{path}: no such file or directory")


def file_passages(path: Path, split: str = "auto") -> dict[str, str]:
    return {passage_id(c): c for c in split_text(read_text_file(path), split_mode(path, split))}
