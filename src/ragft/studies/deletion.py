"""deletion: some facts are deleted; gone from RAG when their passages are, from a fine-tune only when it is
retrained without them (evaluate/lifecycle.py runs it, with update)."""

from __future__ import annotations

import functools

from ragft.evaluate.lifecycle import check_edits, run_edits
from ragft.evaluate.results import Closed, DecisionRow, Rate, RunResults
from ragft.report.decision import need_row
from ragft.report.lifecycle_plots import deletion_png
from ragft.report.numbers import DASH, has, listing, measured, quoted, rate_cell, said, seconds, value
from ragft.report.section import Section
from ragft.studies.registry import Need, Study

NOTE = (
    "Some facts are deleted. Revealed: the share of questions about them whose answer still states the deleted "
    "value, before and after each arm's deletion; kept: accuracy on the unchanged facts after. The lecture's "
    "claim: data baked into the weights stays until the model is retrained, while a passage deleted from the "
    "knowledge base is gone."
)


class Arm(Closed):
    how: str
    before: Rate | None  # the deleted facts still stated
    delete_seconds: float | None = None  # absent: not deleting (the base model)
    after: Rate | None = None
    kept: Rate | None = None  # accuracy on the unchanged facts after deleting


class Result(Closed):
    fraction: float
    facts: int
    deleted: int
    finetune: str
    examples: list[str]
    arms: dict[str, Arm]


def section(results: RunResults) -> Section | None:
    found: Result | None = results.study("deletion")
    arms = found.arms if found else {}
    if not measured(arms):
        return None
    headline = [
        f"{found.deleted} of {found.facts} facts deleted. Still stated: "
        + "; ".join(_revealed(name, a) for name, a in arms.items())
        + "."
    ]
    findings = list(headline)
    findings += [
        f"{name} stated none of the deleted facts even before deleting them ({said(a.before)}), so its "
        "deletion is not tested here."
        for name, a in arms.items()
        if has(a.after) and has(a.before) and a.before.value == 0
    ]
    kept = {name: a.kept for name, a in arms.items()}
    if any(has(r) for r in kept.values()):
        findings.append(f"Accuracy on the unchanged facts after deleting: {listing(kept)}.")
    findings += [f"Example deleted fact: {quoted(e)}." for e in found.examples[:1]]
    head = ["arm", "how", "time to delete", "revealed before", "revealed after", "unchanged facts kept"]
    rows = [
        [name, a.how or DASH, seconds(a.delete_seconds), rate_cell(a.before), rate_cell(a.after), rate_cell(a.kept)]
        for name, a in arms.items()
    ]
    return Section("Deleting knowledge", findings, head, rows, NOTE, "deletion.png", headline)


def _revealed(name: str, arm: Arm) -> str:
    if not has(arm.after):
        return f"{name} (not deleting) {said(arm.before)}"
    return f"{name} {said(arm.before)} before, {said(arm.after)} after deleting ({seconds(arm.delete_seconds)})"


def need(results: RunResults) -> DecisionRow | None:
    found: Result | None = results.study("deletion")
    arms = found.arms if found else {}
    deleting = [a for a, arm in arms.items() if has(arm.after)]
    if not deleting:
        return None
    top = min(deleting, key=lambda a: (value(arms[a].after), -(value(arms[a].kept) or 0), arms[a].delete_seconds or 0))
    parts = [
        f"{a} {said(arms[a].before)} before and {said(arms[a].after)} after "
        f"({arms[a].how or 'deleting'}, {seconds(arms[a].delete_seconds)}), "
        f"{said(arms[a].kept)} right on the facts kept"
        for a in deleting
    ]
    parts += [
        f"{a} (not deleting) {said(arm.before)}" for a, arm in arms.items() if a not in deleting and has(arm.before)
    ]
    evidence = "Deleted facts still stated: " + "; ".join(parts) + "."
    untested = [a for a in deleting if value(arms[a].before) == 0]
    if untested:
        evidence += f" {', '.join(untested)} stated none of them even before, so its deletion is not tested."
    return need_row(
        "Delete a fact (privacy)",
        top,
        evidence,
        [top],
        revealed_before={a: value(arm.before) for a, arm in arms.items()},
        revealed_after={a: value(arms[a].after) for a in deleting},
        delete_seconds={a: arms[a].delete_seconds for a in deleting},
    )


def charts(results: RunResults) -> dict[str, bytes | None]:
    return {"deletion.png": deletion_png(results.study("deletion"))}


STUDY = Study(
    name="deletion",
    order=50,
    phase="trained",
    run=run_edits,
    result=Result,
    section=section,
    charts=charts,
    needs=(Need(30, need),),
    check=functools.partial(check_edits, "deletion"),
    edits_knowledge=True,
    trains_after=True,
    stage="lifecycle",
    summary="some facts are deleted: from the knowledge base against retraining without them",
)
