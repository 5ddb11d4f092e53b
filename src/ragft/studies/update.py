"""update: some facts change value; RAG upserts passages, fine-tuning trains on (continued) or again (retrained),
and a fine-tune left as it was keeps answering the old value (evaluate/lifecycle.py runs it, with deletion)."""

from __future__ import annotations

import functools

from ragft.evaluate.lifecycle import NOT_UPDATED, check_edits, run_edits
from ragft.evaluate.results import Closed, DecisionRow, Rate, RunResults
from ragft.report.decision import need_row
from ragft.report.lifecycle_plots import update_png
from ragft.report.numbers import DASH, has, listing, measured, quoted, rate_cell, said, seconds
from ragft.report.section import Section
from ragft.studies.registry import Need, Study

NOTE = (
    "Some facts change value. Each approach is asked about them before and after its update (scored against the "
    "new value; stale: still stating the old one) and about unchanged facts; the seconds are the update itself. "
    "The lecture's claim: a fine-tune is updated by training again (slow), RAG by replacing passages (instant)."
)


class Approach(Closed):
    how: str
    update_seconds: float
    before: dict[str, Rate]  # changed (against the new value), unchanged, stale (the old value still stated)
    after: dict[str, Rate]
    train_tokens: int | None = None  # the fine-tunes trained to update
    examples: int | None = None


class Change(Closed):
    before: str
    after: str


class Result(Closed):
    fraction: float
    facts: int
    changed: int
    finetune: str
    unchanged_asked: int
    examples: list[Change]
    retrained_with_deletions: bool
    approaches: dict[str, Approach]


def section(results: RunResults) -> Section | None:
    found: Result | None = results.study("update")
    approaches = found.approaches if found else {}
    if not measured(approaches):
        return None

    def phase(name: str, when: str) -> dict[str, Rate]:
        return getattr(approaches[name], when)

    headline = [
        f"{found.changed} of {found.facts} facts changed. New value stated after the update: "
        + "; ".join(
            f"{name} {said(phase(name, 'after').get('changed'))}, {_took(name, a)}" for name, a in approaches.items()
        )
        + "."
    ]
    stale = {name: phase(name, "after").get("stale") for name in approaches}
    if any(has(r) for r in stale.values()):
        headline.append(f"Old value still stated after the update: {listing(stale)}.")
    findings = list(headline)
    before = {name: phase(name, "before").get("stale") for name in approaches}
    if any(has(r) for r in before.values()):
        findings.append(f"Before any update (the world changed, no system told), old value stated: {listing(before)}.")
    kept = {name: phase(name, "after").get("unchanged") for name in approaches}
    if any(has(r) for r in kept.values()):
        findings.append(f"Unchanged facts after the update: {listing(kept)}.")
    if found.retrained_with_deletions and "finetuned-retrained" in approaches:
        findings.append(
            "finetuned-retrained was also trained without the deleted facts: one retraining served the "
            "update and the deletion."
        )
    findings += [f"Example change: {quoted(e.before)} → {quoted(e.after)}." for e in found.examples[:1]]
    head = [
        "approach",
        "how",
        "update time",
        "changed: before",
        "changed: after",
        "stale: before",
        "stale: after",
        "unchanged: after",
    ]
    rows = [
        [
            name,
            a.how or DASH,
            _took(name, a),
            *(
                rate_cell(phase(name, when).get(key))
                for when, key in (
                    ("before", "changed"),
                    ("after", "changed"),
                    ("before", "stale"),
                    ("after", "stale"),
                    ("after", "unchanged"),
                )
            ),
        ]
        for name, a in approaches.items()
    ]
    return Section("Updating knowledge", findings, head, rows, NOTE, "update.png", headline)


def _took(name: str, approach: Approach) -> str:
    """'3.9 s, 1 example, 45 tokens'; 'not updated' for the fine-tune left as it was."""
    if name == NOT_UPDATED:
        return "not updated"
    n = approach.examples
    trained = f", {n} example{'s' if n != 1 else ''}" if n is not None else ""
    tokens = f", {approach.train_tokens:,} tokens" if approach.train_tokens is not None else ""
    return seconds(approach.update_seconds) + trained + tokens


def need(results: RunResults) -> DecisionRow | None:
    found: Result | None = results.study("update")
    approaches = found.approaches if found else {}

    def after(name: str, key: str) -> Rate | None:
        return approaches[name].after.get(key)

    updated = [a for a in approaches if a != NOT_UPDATED and has(after(a, "changed"))]
    if not updated:
        return None
    secs = {a: approaches[a].update_seconds for a in updated}
    top = max(updated, key=lambda a: (after(a, "changed").value, -(secs[a] or 0)))
    winners = [top] if after(top, "changed").value > 0 else []
    evidence = (
        "New value stated on the changed facts after updating: "
        + "; ".join(f"{a} {said(after(a, 'changed'))} after {seconds(secs[a])}" for a in updated)
        + "."
    )
    if NOT_UPDATED in approaches and has(after(NOT_UPDATED, "stale")):
        evidence += (
            f" The fine-tune not updated ({NOT_UPDATED}) still stated the old value on "
            f"{said(after(NOT_UPDATED, 'stale'))}."
        )
    best = top if winners else "none: no approach stated the new value"
    return need_row(
        "Keep the knowledge up to date",
        best,
        evidence,
        winners,
        update_seconds=secs,
        changed_after={a: after(a, "changed").value for a in updated},
        stale_after={a: after(a, "stale").value for a in approaches if has(after(a, "stale"))},
    )


def charts(results: RunResults) -> dict[str, bytes | None]:
    return {"update.png": update_png(results.study("update"))}


STUDY = Study(
    name="update",
    order=40,
    phase="trained",
    run=run_edits,
    result=Result,
    section=section,
    charts=charts,
    needs=(Need(20, need),),
    check=functools.partial(check_edits, "update"),
    edits_knowledge=True,
    trains_after=True,
    stage="lifecycle",
    summary="some facts change value: RAG upsert against continued training and retraining",
)
