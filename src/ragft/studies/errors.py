"""errors: how each arm is wrong on the questions the data answers. A reply that says "I don't know" costs a team
less than a wrong value stated as fact, so each arm's wrong answers are split into abstentions and stated errors.
Computed from the run's records: no model of its own (a study added in this one file: studies/registry.py)."""

from __future__ import annotations

from ragft.evaluate.abstention import abstains
from ragft.evaluate.records import rate
from ragft.evaluate.results import Closed, Rate, RunResults
from ragft.rag.citations import without_citations
from ragft.report.numbers import has, listing, rate_cell
from ragft.report.section import Section
from ragft.studies.registry import Study, StudyInput

NOTE = (
    "Every arm's answers to the questions the data answers: right (the reference's value stated), abstained "
    "(\"I don't know\" or an equivalent, ragft's abstention detector) or stated wrong (anything else). The "
    "shares add up to one per arm."
)


class Arm(Closed):
    right: Rate
    abstained: Rate
    stated_wrong: Rate


class Result(Closed):
    arms: dict[str, Arm]


def errors(rows: list[dict], arms: list) -> dict:
    """Per arm: {right, abstained, stated_wrong}, each a rate with its n and Wilson 95 % interval."""
    out = {}
    for arm in arms:
        mine = [r for r in rows if r["arm"] == arm.name]
        if not mine:
            continue
        abstained = [not r["correct"] and abstains(without_citations(r["answer"])) for r in mine]
        out[arm.name] = {
            "right": rate([r["correct"] for r in mine]),
            "abstained": rate(abstained),
            "stated_wrong": rate([not r["correct"] and not a for r, a in zip(mine, abstained)]),
        }
    return {"arms": out}


def run(inp: StudyInput) -> tuple[dict, list[dict]]:
    return {"errors": errors(inp.known, inp.arms)}, []


def section(results: RunResults) -> Section | None:
    found: Result | None = results.study("errors")
    arms = found.arms if found else {}
    if not any(has(a.right) for a in arms.values()):
        return None
    wrong = {name: a.stated_wrong for name, a in arms.items()}
    headline = [f"Wrong answers stated as fact: {listing(wrong)}."]
    abstaining = {name: a.abstained for name, a in arms.items() if a.abstained.value}
    findings = headline + (
        [f"Abstained instead: {listing(abstaining)}."]
        if abstaining
        else ["No arm abstained on a question the data answers."]
    )
    rows = [[name, *(rate_cell(r) for r in (a.right, a.abstained, a.stated_wrong))] for name, a in arms.items()]
    return Section(
        "How the arms are wrong", findings, ["arm", "right", "abstained", "stated wrong"], rows, NOTE, None, headline
    )


STUDY = Study(
    name="errors",
    order=100,
    phase="records",
    run=run,
    result=Result,
    section=section,
    summary="each arm's answers split into right, abstained and stated wrong",
)
