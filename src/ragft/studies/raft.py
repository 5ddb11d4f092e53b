"""raft: the RAFT fine-tune (trained to answer from retrieved passages, distractors included; Zhang et al. 2024)
against the untouched model and the plain fine-tune given the same passages, on the same questions."""

from __future__ import annotations

from ragft.evaluate.decision import COMBINE, ranked
from ragft.evaluate.paired import paired_comparisons
from ragft.evaluate.records import family_metrics
from ragft.evaluate.results import Closed, Comparison, DecisionRow, Rate, RunResults
from ragft.report.decision import ranked_row
from ragft.report.lifecycle_plots import raft_png
from ragft.report.numbers import DASH, count, describe, has, listing, measured, rate_cell, seconds, sentence
from ragft.report.section import Section
from ragft.studies.registry import Need, Study, StudyInput

NOTE = (
    "RAFT (Zhang et al. 2024) fine-tunes the model to answer from retrieved passages, distractors included. It is "
    "compared with the plain fine-tune and the untouched model given the same passages, on the same questions "
    "(exact McNemar, Holm-corrected)."
)


class Training(Closed):
    examples: int
    train_tokens: int
    seconds: float
    epochs: int | str
    method: str


class Result(Closed):
    arms: dict[str, Rate]
    comparisons: list[Comparison]
    training: dict[str, Training]


def check(config, arms: list) -> None:
    if not any(a.train_on == "raft" for a in arms):
        raise ValueError("experiments: raft compares the fine-tune trained on retrieved passages: add the arm raft")


def raft(rows: list[dict], arms: list, finetunes: dict) -> dict:
    names = [a.name for a in arms if a.train_on == "raft" and a.rag == "grounded"]
    names += [n for n in ("finetuned+rag", "rag") if any(a.name == n for a in arms)]
    per_arm = {n: family_metrics([dict(r, family="all") for r in rows if r["arm"] == n])["all"] for n in names}
    trained = {a.variant: finetunes.get(a.variant) for a in arms if a.train_on == "raft"}
    return {
        "arms": per_arm,
        "comparisons": paired_comparisons(rows, names),
        "training": {
            v: {k: ft[k] for k in ("examples", "train_tokens", "seconds", "epochs", "method")}
            for v, ft in trained.items()
            if ft
        },
    }


def run(inp: StudyInput) -> tuple[dict, list[dict]]:
    return {"raft": raft(inp.known, inp.arms, inp.finetunes)}, []


def section(results: RunResults) -> Section | None:
    found: Result | None = results.study("raft")
    arms = found.arms if found else {}
    if not measured(arms):
        return None
    first = next(iter(arms))  # the RAFT fine-tune
    headline = [f"Accuracy: {listing(arms)}."]
    headline += [sentence(describe(c)) for c in found.comparisons if first in (c.a, c.b)]
    findings = headline + [sentence(describe(c)) for c in found.comparisons if first not in (c.a, c.b)]
    findings += [
        f"{variant} trained on {t.examples} examples ({t.train_tokens:,} tokens, {t.epochs} "
        f"epoch(s), {t.method}) in {seconds(t.seconds)}."
        for variant, t in found.training.items()
    ]
    rows = [[name, rate_cell(r), _training(results, found, name)] for name, r in arms.items()]
    return Section("RAFT", findings, ["arm", "accuracy", "training"], rows, NOTE, "raft.png", headline)


def _training(results: RunResults, found: Result, arm: str) -> str:
    """The training behind an arm: the RAFT study's own record, else the run's fine-tune the arm is named after."""
    finetuned = arm in results.arms and results.arms[arm].finetuned
    if not finetuned and arm not in found.training:
        return "none (untouched model)"
    t = found.training.get(arm) or results.finetunes.get(arm.split("+")[0])
    if not t:
        return DASH
    examples = DASH if t.examples is None else t.examples
    return f"{examples} examples, {count(t.train_tokens)} tokens, {seconds(t.seconds)}"


def need(results: RunResults) -> DecisionRow | None:
    """RAFT against RAG and the plain fine-tune with RAG, on the same questions (it replaces the arms-only row)."""
    found: Result | None = results.study("raft")
    if not found or not any(has(r) for r in found.arms.values()):
        return None
    trained = "".join(
        f" {v} trained in {seconds(t.seconds)} on {t.examples} examples." for v, t in found.training.items()
    )
    return ranked_row(COMBINE, ranked(found.arms, found.comparisons), trained)


def charts(results: RunResults) -> dict[str, bytes | None]:
    return {"raft.png": raft_png(results.study("raft"))}


STUDY = Study(
    name="raft",
    order=80,
    phase="records",
    run=run,
    result=Result,
    section=section,
    charts=charts,
    check=check,
    needs=(Need(80, need),),
    summary="the fine-tune trained on retrieved passages against finetuned+rag and rag",
)
