"""deletion: some facts are deleted; gone from RAG when their passages are, from a fine-tune only when it is
retrained without them (evaluate/lifecycle.py runs it, with update)."""

from __future__ import annotations

import functools

from ragft.evaluate.decision import need_row
from ragft.evaluate.lifecycle import check_edits, run_edits
from ragft.evaluate.results import Closed, Rate
from ragft.report.lifecycle_plots import deletion_png
from ragft.report.numbers import DASH, has, listing, measured, quoted, rate_cell, said, seconds, study
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


def section(results: dict) -> Section | None:
    found = study(results, "deletion")
    arms = (found or {}).get("arms") or {}
    if not measured(arms):
        return None
    headline = [
        f"{found.get('deleted', DASH)} of {found.get('facts', DASH)} facts deleted. Still stated: "
        + "; ".join(_revealed(name, a) for name, a in arms.items())
        + "."
    ]
    findings = list(headline)
    findings += [
        f"{name} stated none of the deleted facts even before deleting them ({said(a['before'])}), so its "
        "deletion is not tested here."
        for name, a in arms.items()
        if has(a.get("after")) and has(a.get("before")) and a["before"]["value"] == 0
    ]
    kept = {name: a.get("kept") for name, a in arms.items()}
    if any(has(r) for r in kept.values()):
        findings.append(f"Accuracy on the unchanged facts after deleting: {listing(kept)}.")
    findings += [f"Example deleted fact: {quoted(e)}." for e in (found.get("examples") or [])[:1]]
    head = ["arm", "how", "time to delete", "revealed before", "revealed after", "unchanged facts kept"]
    rows = [
        [
            name,
            a.get("how") or DASH,
            seconds(a.get("delete_seconds")),
            rate_cell(a.get("before")),
            rate_cell(a.get("after")),
            rate_cell(a.get("kept")),
        ]
        for name, a in arms.items()
    ]
    return Section("Deleting knowledge", findings, head, rows, NOTE, "deletion.png", headline)


def _revealed(name: str, arm: dict) -> str:
    if not has(arm.get("after")):
        return f"{name} (not deleting) {said(arm.get('before'))}"
    return (
        f"{name} {said(arm.get('before'))} before, {said(arm['after'])} after deleting "
        f"({seconds(arm.get('delete_seconds'))})"
    )


def need(results: dict) -> dict | None:
    arms = (study(results, "deletion") or {}).get("arms") or {}
    deleting = [a for a, arm in arms.items() if has(arm.get("after"))]
    if not deleting:
        return None

    def value(name, key):
        r = arms[name].get(key)
        return r["value"] if has(r) else None

    top = min(deleting, key=lambda a: (value(a, "after"), -(value(a, "kept") or 0), arms[a].get("delete_seconds") or 0))
    parts = [
        f"{a} {said(arms[a].get('before'))} before and {said(arms[a]['after'])} after "
        f"({arms[a].get('how') or 'deleting'}, {seconds(arms[a].get('delete_seconds'))}), "
        f"{said(arms[a].get('kept'))} right on the facts kept"
        for a in deleting
    ]
    parts += [
        f"{a} (not deleting) {said(arm.get('before'))}"
        for a, arm in arms.items()
        if a not in deleting and has(arm.get("before"))
    ]
    evidence = "Deleted facts still stated: " + "; ".join(parts) + "."
    untested = [a for a in deleting if value(a, "before") == 0]
    if untested:
        evidence += f" {', '.join(untested)} stated none of them even before, so its deletion is not tested."
    return need_row(
        "Delete a fact (privacy)",
        top,
        evidence,
        [top],
        revealed_before={a: value(a, "before") for a in arms},
        revealed_after={a: value(a, "after") for a in deleting},
        delete_seconds={a: arms[a].get("delete_seconds") for a in deleting},
    )


def charts(results: dict) -> dict[str, bytes | None]:
    return {"deletion.png": deletion_png(study(results, "deletion"))}


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
