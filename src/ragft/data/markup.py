"""Markdown and reStructuredText -> an Outline of headings and plain-text paragraphs.

Line-based and forgiving: the goal is readable sentences under the right headings, not a full
CommonMark or docutils parse. Markup is stripped so a reader model sees plain prose.
"""

from __future__ import annotations

import re
from pathlib import Path

from ragft.data.documents import Document, Outline, labelled_row

_MD_INLINE = [
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), ""),  # images and badges are dropped
    (re.compile(r"!\[([^\]]*)\]\[[^\]]*\]"), ""),
    (re.compile(r"\[\s*\]\([^)]*\)"), ""),  # a link whose text was a badge
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),  # [text](url)
    (re.compile(r"\[([^\]]+)\]\[[^\]]*\]"), r"\1"),  # [text][ref]
    (re.compile(r"<((?:https?|mailto):[^>\s]+)>"), r"\1"),  # <autolink>
    (re.compile(r"</?[A-Za-z][^>]*>"), " "),  # inline HTML tags
    (re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1"), r"\2"),
    (re.compile(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])"), r"\1"),
    (re.compile(r"(?<![\w_])_(?=\S)(.+?)(?<=\S)_(?![\w_])"), r"\1"),  # not snake_case words
    (re.compile(r"~~(.+?)~~"), r"\1"),
    (re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~])"), r"\1"),  # backslash escapes
]
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
_ATX = re.compile(r"^\s{0,3}(#{1,6})(?:\s+(.*?))?(?:\s+#+)?\s*$")
_SETEXT = re.compile(r"^\s{0,3}(=+|-+)\s*$")
_RULE = re.compile(r"^\s{0,3}([-*_])(?:\s*\1){2,}\s*$")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)*\|?\s*$")
_REF_DEF = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*\S")
_QUOTE = re.compile(r"^\s{0,3}(?:>\s?)+")
_ITEM = re.compile(r"^\s*(?:[-*+]|\d{1,9}[.)])\s+(?:\[[ xX]\]\s+)?(.*)$")


_MD_CODE = re.compile(r"(`+)\s*(.+?)\s*\1")
_RST_CODE = re.compile(r"``(.+?)``|:(?!(?:ref|doc|term|abbr|sup|sub):)[\w.:+-]+:`~?([^`]*?)\s*(?:<[^>`]*>)?`")


def _with_code_kept(text: str, code: re.Pattern, rules) -> str:
    """Apply the inline rules around code spans, which keep one pair of backticks: they mark a term
    (`load_dotenv`, `--timeout`), and their text is as written (`__init__` is no bold markup)."""
    kept: list[str] = []

    def park(m: re.Match) -> str:
        kept.append(next(g for g in m.groups()[::-1] if g is not None))
        return f"\x00{len(kept) - 1}\x00"

    text = code.sub(park, text)
    for pattern, repl in rules:
        text = pattern.sub(repl, text)
    return re.sub("\x00(\\d+)\x00", lambda m: f"`{kept[int(m.group(1))]}`", text)


def md_inline(text: str) -> str:
    return _with_code_kept(text, _MD_CODE, _MD_INLINE)


def table_cells(line: str, inline=md_inline) -> list[str]:
    return [inline(c).strip() for c in line.strip().strip("|").split("|")]


def table_row(line: str, inline=md_inline) -> str:
    return " | ".join(c for c in table_cells(line, inline) if c)


def _front_matter(text: str) -> tuple[str, str]:
    """YAML front matter is metadata, not prose; its `title:` names the document."""
    m = re.match(r"---\n(.*?)\n(?:---|\.\.\.)\n", text, re.S)
    if not m:
        return "", text
    title = re.search(r"^title:\s*[\"']?(.*?)[\"']?\s*$", m.group(1), re.M)
    return (title.group(1) if title else ""), text[m.end() :]


def parse_markdown(text: str, path: Path) -> Document:
    title, text = _front_matter(_COMMENT.sub("", text))
    out, buffer = Outline(), []
    item = table = False  # is the buffer a list item; are we inside a table
    columns: list[str] = []  # the open table's header cells
    pending_row = ""  # a row of pipes that a rule line may make the header
    fence, code = "", []

    def flush() -> None:
        nonlocal item
        if buffer:
            (out.unit if item else out.paragraph)(md_inline(" ".join(buffer)))
            buffer.clear()
        item = False

    for line in text.split("\n"):
        if fence:  # fenced code is kept as one unit, as written
            if re.match(rf"^\s{{0,3}}{re.escape(fence[0])}{{{len(fence)},}}\s*$", line):
                out.unit(" ".join(code))  # one unit: a code block is chunked whole where it fits
                fence, code = "", []
            else:
                code.append(line)
            continue
        if m := _FENCE.match(line):
            flush()
            fence = m.group(1)
            continue
        line = _QUOTE.sub("", line)
        is_rule = "|" in line and _TABLE_RULE.match(line)
        if pending_row and not is_rule:  # a row of pipes with no rule under it: cells, no header
            out.unit(table_row(pending_row))
            pending_row = ""
        if not line.strip():
            flush()
            table = False
        elif m := _ATX.match(line):
            flush()
            out.heading(len(m.group(1)), md_inline(m.group(2) or ""))
        elif buffer and not item and (m := _SETEXT.match(line)):
            heading = md_inline(" ".join(buffer))
            buffer.clear()
            out.heading(1 if m.group(1)[0] == "=" else 2, heading)
        elif _RULE.match(line) or _REF_DEF.match(line):
            flush()
        elif is_rule:  # the row above it was the header row: each row below says what its cells are
            header = pending_row or (buffer.pop() if buffer and "|" in buffer[-1] else "")
            pending_row = ""
            flush()
            columns = table_cells(header) if header else []
            table = True
        elif "|" in line and table:
            flush()
            out.unit(labelled_row(columns, table_cells(line)))
        elif line.lstrip().startswith("|"):  # a header row, if a rule follows
            flush()
            pending_row = line
        elif m := _ITEM.match(line):  # each list item is its own paragraph
            flush()
            buffer.append(m.group(1))
            item = True
        else:
            buffer.append(line.strip())
    flush()
    if pending_row:
        out.unit(table_row(pending_row))
    if code:
        out.unit(" ".join(code))  # an unclosed fence runs to the end
    return out.document(path, title)


_RST_INLINE = [
    (re.compile(r":[\w.:+-]+:`([^`]*?)\s*(?:<[^>`]*>)?`"), r"\1"),  # :ref:`prose <target>` (code roles are kept)
    (re.compile(r"`([^`<]+?)\s*<[^>`]*>`__?"), r"\1"),  # `text <url>`_
    (re.compile(r"`([^`]+)`__?"), r"\1"),  # `reference`_
    (re.compile(r"\*\*(.+?)\*\*"), r"\1"),
    (re.compile(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])"), r"\1"),
    (re.compile(r"`([^`]+)`"), r"\1"),  # default role
    (re.compile(r"\|(\S(?:[^|]*\S)?)\|(?!\w)"), r"\1"),  # |substitution|
    (re.compile(r"(\S)::$"), r"\1:"),  # "Example::" introduces a literal block
    (re.compile(r"\s*::$"), ""),
]
_ADORN = re.compile(r"^([!-/:-@\[-`{-~])\1+\s*$")  # a run of one punctuation character
_DIRECTIVE = re.compile(r"^(\s*)\.\.\s+(?:\|[^|]+\|\s+)?([\w:.-]+)::(.*)$")
_EXPLICIT = re.compile(r"^(\s*)\.\.(?:\s|$)")  # comments, targets, footnotes
_OPTION = re.compile(r"^\s+:[\w -]+:")
_RST_ITEM = re.compile(r"^\s*(?:[-*+•]|\d+[.)]|#\.)\s+(.*)$")
_TABLE_BORDER = re.compile(r"^\s*(?:\+[-=+]+\+|=+(?:\s+=+)+)\s*$")
_KEEP_ARGUMENT = {
    "note",
    "warning",
    "tip",
    "important",
    "caution",
    "danger",
    "attention",
    "hint",
    "error",
    "admonition",
    "seealso",
    "topic",
    "sidebar",
    "rubric",
    "versionadded",
    "versionchanged",
    "deprecated",
}  # their argument is prose; other directives' is a path, a language, ...
_SKIP_BODY = {"toctree", "include", "literalinclude", "raw", "meta", "image", "csv-table", "only", "contents"}


def rst_inline(text: str) -> str:
    return _with_code_kept(text, _RST_CODE, _RST_INLINE)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def parse_rst(text: str, path: Path) -> Document:
    out, buffer, styles = Outline(), [], []
    item = False  # is the buffer a list item
    lines = text.split("\n")
    skip_deeper = -1  # skip lines indented deeper than this (a comment's or a directive's body)
    options = False  # directive options may follow the marker line

    def flush() -> None:
        nonlocal item
        if buffer:
            (out.unit if item else out.paragraph)(rst_inline(" ".join(buffer)))
            buffer.clear()
        item = False

    def heading(style: tuple[str, bool], title: str) -> None:
        flush()
        if style not in styles:  # levels come from the order adornment styles first appear in
            styles.append(style)
        out.heading(styles.index(style) + 1, rst_inline(title))

    i = 0
    while i < len(lines):
        line, following = lines[i], lines[i + 1 : i + 3]
        i += 1
        if skip_deeper >= 0:
            if not line.strip() or _indent(line) > skip_deeper:
                continue
            skip_deeper = -1
        if options and _OPTION.match(line):
            continue
        options = False
        over = _ADORN.match(line)
        if over and len(following) == 2 and following[0].strip() and following[1].strip()[:1] == over.group(1):
            heading((over.group(1), True), following[0])
            i += 2
        elif (
            (under := following and _ADORN.match(following[0]))
            and line.strip()
            and not line[0].isspace()
            and not over
            and len(following[0].strip()) >= len(line.strip())
        ):
            heading((under.group(1), False), line)
            i += 1
        elif not line.strip() or over or _TABLE_BORDER.match(line):
            flush()
        elif m := _DIRECTIVE.match(line):
            flush()
            name = m.group(2).split(":")[-1].lower()
            if name in _SKIP_BODY:
                skip_deeper = len(m.group(1))
            elif name in _KEEP_ARGUMENT and m.group(3).strip():
                buffer.append(m.group(3).strip())
            options = True
        elif m := _EXPLICIT.match(line):
            flush()
            skip_deeper = len(m.group(1))
        elif line.lstrip().startswith("|"):
            flush()
            out.unit(table_row(line, rst_inline))
        elif m := _RST_ITEM.match(line):
            flush()
            buffer.append(m.group(1))
            item = True
        else:
            buffer.append(re.sub(r"^:([^:]+):\s*", r"\1: ", line.strip()))  # field lists read as "Name: value"
    flush()
    return out.document(path)
