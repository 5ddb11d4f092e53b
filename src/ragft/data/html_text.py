"""HTML -> an Outline: h1-h6 build the path, block elements become paragraphs, page chrome is skipped.

Navigation, scripts, forms and the like hold no knowledge and would pollute every chunk. A
<header> inside <article>/<main> is the article's own (its h1), so that one is kept.
"""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

from ragft.data.documents import Document, Outline, labelled_row, normalise

_SKIP = {
    "script",
    "style",
    "nav",
    "header",
    "footer",
    "aside",
    "noscript",
    "svg",
    "form",
    "template",
    "iframe",
    "button",
    "select",
}
_HEADINGS = {f"h{n}" for n in range(1, 7)}
_BLOCKS = {
    "p",
    "li",
    "dd",
    "dt",
    "blockquote",
    "pre",
    "div",
    "section",
    "body",
    "ul",
    "ol",
    "dl",
    "table",
    "figure",
    "figcaption",
    "caption",
    "hr",
    "address",
    "details",
    "summary",
}
_CONTENT = {"article", "main"}


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.outline = Outline()
        self.title = ""
        self._skipping: list[str] = []  # open skipped elements, innermost last
        self._content = 0  # how many <article>/<main> are open
        self._text: list[str] = []
        self._title: list[str] | None = None  # text of an open <title>
        self._heading = 0  # level of the open heading, 0 when none
        self._row: list[str] | None = None  # cells of the open table row
        self._header_row = False  # every cell of the open row is a <th>
        self._columns: list[str] = []  # the open table's header cells
        self._item = False  # the open block is a list item

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if self._skipping or (tag in _SKIP and not (tag == "header" and self._content)):
            if tag in _SKIP:
                self._skipping.append(tag)
            return
        if tag == "title":
            self._title = []
        elif tag in _HEADINGS:
            self.end_row()
            self.end_block()
            self._heading = int(tag[1])
        elif tag == "table":
            self.end_block()
            self._columns = []
        elif tag == "tr":
            self.end_row()
            self.end_block()
            self._row, self._header_row = [], True
        elif tag in ("td", "th"):
            self.end_cell() if self._row is not None else self.end_block()
            self._header_row = self._header_row and tag == "th"
        elif tag == "li":
            self.end_block()
            self._item = True
        elif tag == "br":
            self._text.append(" ")
        elif tag in _BLOCKS or tag in _CONTENT:
            self._content += 1 if tag in _CONTENT else 0
            self.end_block()

    def handle_endtag(self, tag: str) -> None:
        if self._skipping:
            if tag == self._skipping[-1]:
                self._skipping.pop()
            return
        if tag == "title" and self._title is not None:
            self.title, self._title = normalise("".join(self._title)), None
        elif tag in _HEADINGS and self._heading:
            level, self._heading = self._heading, 0
            self.outline.heading(level, self.take_text())
        elif tag in ("td", "th"):
            self.end_cell() if self._row is not None else self.end_block()
        elif tag in ("tr", "table"):
            self.end_row()
        elif tag in _BLOCKS or tag in _CONTENT:
            self._content -= 1 if tag in _CONTENT and self._content else 0
            self.end_block()

    def handle_data(self, data: str) -> None:
        if self._skipping:
            return
        (self._title if self._title is not None else self._text).append(data)

    def take_text(self) -> str:
        text = normalise("".join(self._text))
        self._text.clear()
        return text

    def end_block(self) -> None:
        # A block inside a heading or a table cell is part of that heading or cell.
        if not self._heading and self._row is None:
            (self.outline.unit if self._item else self.outline.paragraph)(self.take_text())
            self._item = False

    def end_cell(self) -> None:
        if self._row is not None and (cell := self.take_text()):
            self._row.append(cell)

    def end_row(self) -> None:
        if self._row is not None:
            self.end_cell()
            row, self._row = self._row, None
            if self._header_row and not self._columns:
                self._columns = row  # later rows say what each cell is
            elif row:
                self.outline.unit(labelled_row(self._columns, row))


def parse_html(text: str, path: Path) -> Document:
    """Title from <title>, else the first <h1>, else the file name."""
    reader = _Reader()
    reader.feed(text)
    reader.close()
    if reader._heading:  # a heading left open at the end
        reader.outline.heading(reader._heading, reader.take_text())
    reader.end_row()
    reader.end_block()
    return reader.outline.document(path, reader.title)
