"""report.html: the report's document (report/document.py) as one self-contained page (inline CSS, charts as data:
URIs, no external links or scripts) that can be mailed or opened offline. Rendered by Jinja2 with autoescape on
(report.html.j2): every piece of run text is escaped, since answers come from an LLM and may contain markup."""

from __future__ import annotations

import base64
from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined

from ragft.evaluate.results import RunResults
from ragft.report.content import slug
from ragft.report.document import ACCURACY_PNG, LOSS_PNG, Document, build_document

# Columns right-aligned as numbers, by heading.
NUMERIC = {
    "accuracy",
    "seed metric",
    "retrieval hit rate",
    "mean prompt tokens",
    "mean completion tokens",
    "mean latency",
    "seconds",
    "share of total",
    "hit@1",
    "hit@k",
    "MRR",
    "citation accuracy",
    "answers citing a passage",
    "accuracy (verdict)",
    "exact match",
    "token F1",
    "LLM judge",
    "reader: gold passage in prompt",
    "shared questions",
    "both right",
    "only a",
    "only b",
    "both wrong",
    "p (exact McNemar)",
    "p (Holm)",
    "values chosen",
}


@cache
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("ragft", "report"), autoescape=True, undefined=StrictUndefined, keep_trailing_newline=True
    )
    env.tests["kind"] = lambda block, name: type(block).__name__ == name
    env.globals.update(slug=slug, numeric=NUMERIC)
    return env


def render_document(doc: Document, pngs: dict[str, bytes]) -> str:
    """The page; `pngs` ({file name: PNG}) are embedded where the document shows them."""
    images = {name: base64.b64encode(png).decode("ascii") for name, png in pngs.items() if png}
    return _environment().get_template("report.html.j2").render(doc=doc, images=images)


def render_html(
    results: RunResults,
    records: list[dict],
    chart_png: bytes,
    loss_png: bytes | None = None,
    study_pngs: dict[str, bytes] | None = None,
) -> str:
    pngs = {ACCURACY_PNG: chart_png, **({LOSS_PNG: loss_png} if loss_png else {}), **(study_pngs or {})}
    return render_document(build_document(results, records), pngs)


def html_table(head: list[str], rows: list[list[str]]) -> str:
    """One table, escaped, as the report writes it (the --seeds summary page uses it)."""
    return str(_environment().get_template("table.html.j2").module.table(head, rows))
