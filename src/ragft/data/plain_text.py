"""Plain text -> an Outline: blank lines separate paragraphs, short lines head sections."""

from __future__ import annotations

import re
from pathlib import Path

from ragft.data.documents import TITLE_MAX, Document, Outline

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
                lines, line = [], line[bullet.end() :]
            lines.append(line)
        outline.paragraph(" ".join(lines))
    return outline.document(path, title)
