"""The report as one document, built once from results.json and the per-question records: its parts in order, each a
title and blocks (a paragraph, a list, a table, a note, a chart, settings, code, example answers). report.md
(markdown.py) and report.html (html.py) render the same document, so they never disagree on what the run measured
or in what order."""

from __future__ import annotations

from dataclasses import dataclass, field

from ragft.evaluate.results import RunResults
from ragft.report.content import (
    COLUMNS,
    DECISION_COLUMNS,
    DECISION_TITLE,
    METRICS_NOTE,
    PAIRED_COLUMNS,
    PAIRED_NOTE,
    RETRIEVAL_COLUMNS,
    RETRIEVAL_NOTE,
    SCORING_COLUMNS,
    SCORING_NOTE,
    config_json,
    dataset_text,
    decision,
    decision_rows,
    example_arms,
    examples,
    findings,
    finetune_rows,
    key_settings,
    losses_of,
    meta_line,
    paired_rows,
    retrieval_rows,
    row,
    scoring_rows,
    timing_rows,
    verdict,
)
from ragft.report.studies import study_sections

ACCURACY_PNG, LOSS_PNG = "accuracy.png", "loss.png"


@dataclass(frozen=True)
class Paragraph:
    text: str
    label: str | None = None  # a bold lead-in: "Recommendation"
    emphasis: bool = False  # set off from the text around it (the verdict, the recommendation)


@dataclass(frozen=True)
class Bullets:
    items: list[str]


@dataclass(frozen=True)
class Table:
    head: list[str]
    rows: list[list[str]]


@dataclass(frozen=True)
class Note:
    text: str


@dataclass(frozen=True)
class Image:
    name: str  # the PNG's file name beside the report
    alt: str


@dataclass(frozen=True)
class Settings:
    items: list[tuple[str, str]]


@dataclass(frozen=True)
class Code:
    text: str
    language: str = "json"


@dataclass(frozen=True)
class Example:
    ok: bool
    seed_ok: bool
    question: str
    reference: str
    answer: str


@dataclass(frozen=True)
class Examples:
    arms: dict[str, list[Example]]  # {arm: its chosen answers}; an empty list: none recorded


@dataclass(frozen=True)
class Links:
    items: list[tuple[str, str]]  # (relative address, text)


Block = Paragraph | Bullets | Table | Note | Image | Settings | Code | Examples | Links


@dataclass(frozen=True)
class Part:
    title: str
    blocks: list[Block] = field(default_factory=list)


@dataclass(frozen=True)
class Document:
    title: str
    meta: str
    parts: list[Part]


def build_document(results: RunResults, records: list[dict]) -> Document:
    arms = results.arms
    parts = [Part("Verdict", [Paragraph(verdict(results), emphasis=True)])]
    found = findings(results)
    if found:
        parts.append(Part("Findings", [Bullets(found)]))
    parts.append(
        Part(
            "Results",
            [
                Table(COLUMNS, [row(k, a) for k, a in arms.items()]),
                Note(METRICS_NOTE),
                Image(ACCURACY_PNG, "Accuracy per arm (95% Wilson interval)"),
            ],
        )
    )
    parts.append(Part("Scoring", [Table(SCORING_COLUMNS, scoring_rows(arms)), Note(SCORING_NOTE)]))
    if retrieval_rows(arms):
        parts.append(
            Part("Retrieval and citations", [Table(RETRIEVAL_COLUMNS, retrieval_rows(arms)), Note(RETRIEVAL_NOTE)])
        )
    for s in study_sections(results):
        parts.append(
            Part(
                s.title,
                [
                    Bullets(s.findings),
                    Table(s.head, s.rows),
                    Note(s.note),
                    *([Image(s.image, s.title)] if s.image else []),
                ],
            )
        )
    if paired_rows(results):
        parts.append(Part("Paired comparisons", [Table(PAIRED_COLUMNS, paired_rows(results)), Note(PAIRED_NOTE)]))
    parts.append(Part("Dataset", [Paragraph(dataset_text(results.dataset))]))
    settings = key_settings(results.config)
    if settings:
        parts.append(Part("Settings", [Settings(settings)]))
    ft = results.finetune
    if ft:
        blocks: list[Block] = [Table(["setting", "value"], [list(r) for r in finetune_rows(ft)])]
        losses = losses_of(ft)
        if losses:
            blocks += [
                Paragraph(f"Loss went from {losses[0]:.4g} to {losses[-1]:.4g} over {len(losses)} logged steps."),
                Image(LOSS_PNG, "Fine-tuning loss"),
            ]
        parts.append(Part("Fine-tuning", blocks))
    parts.append(
        Part(
            "Costs and timings",
            [Table(["stage", "seconds", "share of total"], [list(r) for r in timing_rows(results.timings)])],
        )
    )
    parts.append(
        Part(
            "Example answers",
            [
                Examples(
                    {name: [_example(r) for r in examples(records, name)] for name in example_arms(results, records)}
                )
            ],
        )
    )
    parts.append(Part("Config", [Code(config_json(results.config))]))
    table = decision(results)
    parts.append(
        Part(
            DECISION_TITLE,
            [
                Table(DECISION_COLUMNS, decision_rows(table)),
                Paragraph(table.recommendation, "Recommendation", emphasis=True),
            ],
        )
    )
    return Document(f"ragft report: {results.run_name}", meta_line(results), parts)


def _example(r: dict) -> Example:
    return Example(
        bool(r.get("correct")),
        bool(r.get("correct_seed")),
        str(r.get("question", "")),
        str(r.get("reference", "")),
        str(r.get("answer", "")),
    )
