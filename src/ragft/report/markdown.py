"""report.md: the report's document (report/document.py) as GitHub-flavoured markdown, with a table of contents.
Run text is HTML-escaped and folded to one line per cell: answers come from an LLM and may contain markup."""

from __future__ import annotations

import html
from typing import Any

from ragft.evaluate.results import RunResults
from ragft.report.content import slug
from ragft.report.document import (
    Bullets,
    Code,
    Document,
    Examples,
    Image,
    Links,
    Note,
    Paragraph,
    Settings,
    Table,
    build_document,
)


def md_text(s: Any) -> str:
    """Markdown-safe one-line text: HTML escaped, pipes escaped, newlines folded."""
    return html.escape(" ".join(str(s).split()), quote=False).replace("|", "\\|")


def markdown_table(head: list[str], rows: list[list[str]]) -> list[str]:
    body = ["| " + " | ".join(map(md_text, r)) + " |" for r in rows]
    return ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)] + body


def _block(block) -> list[str]:
    match block:
        case Paragraph(text, label, _):
            return [(f"**{md_text(label)}:** " if label else "") + md_text(text), ""]
        case Bullets(items):
            return [*[f"- {md_text(s)}" for s in items], ""]
        case Table(head, rows):
            return [*markdown_table(head, rows), ""]
        case Note(text):
            return [text, ""]
        case Image(name, alt):
            return [f"![{alt}]({name})", ""]
        case Settings(items):
            return [*[f"- {md_text(k)}: {md_text(v)}" for k, v in items], ""]
        case Code(text, language):
            return [f"```{language}", text.replace("```", "ˋˋˋ"), "```", ""]
        case Links(items):
            return [*[f"- [{md_text(text)}]({href})" for href, text in items], ""]
        case Examples(arms):
            out = []
            for name, chosen in arms.items():
                out += [f"### {md_text(name)}", ""]
                for e in chosen:
                    out += [
                        f"- {'✓' if e.ok else '✗'} (seed metric {'✓' if e.seed_ok else '✗'}) "
                        f"**Q:** {md_text(e.question)}  ",
                        f"  reference: {md_text(e.reference)}  ",
                        f"  answer: {md_text(e.answer)}",
                    ]
                out += [""] if chosen else ["No answers recorded.", ""]
            return out
    raise TypeError(f"no markdown for {type(block).__name__}")


def render_document(doc: Document) -> str:
    out = [f"# {md_text(doc.title)}", "", *([md_text(doc.meta), ""] if doc.meta else [])]
    out += ["## Contents", "", *[f"- [{p.title}](#{slug(p.title)})" for p in doc.parts], ""]
    for part in doc.parts:
        out += [f"## {part.title}", ""]
        for block in part.blocks:
            out += _block(block)
    return "\n".join(out)


def render_markdown(results: RunResults, records: list[dict]) -> str:
    return render_document(build_document(results, records))
