"""augmentation: closed-book accuracy of every fine-tune by (method, phrasings per fact): does training on k
phrasings make a fact answerable in phrasings never trained on (Allen-Zhu & Li; Ovadia et al.)? The fine-tunes
are the config's `variants`."""

from __future__ import annotations

from ragft.evaluate.records import family_metrics
from ragft.evaluate.results import Closed, Rate, RunResults
from ragft.report.numbers import DASH, pct, rate_cell, value
from ragft.report.plots import augmentation_png
from ragft.report.section import Section
from ragft.studies.registry import Study, StudyInput

NOTE = (
    "Each fine-tune trained on k phrasings of every fact (training-only question and answer wordings, disjoint "
    "from the held-out probes) and is asked closed book. Allen-Zhu & Li found facts seen in one phrasing memorised "
    "but not extractable, and augmentation making them extractable; Ovadia et al. found paraphrases raising "
    "fine-tuned accuracy."
)


class Point(Closed):
    variant: str
    arm: str
    method: str
    k: int  # phrasings per fact trained on
    epochs: int | str
    examples: int
    train_tokens: int
    seconds: float
    train: Rate | None
    paraphrase: Rate | None
    reversed: Rate | None


class Result(Closed):
    points: list[Point]


def augmentation(rows: list[dict], arms: list, finetunes: dict) -> dict:
    """One point per closed-book fine-tune on the facts: its training and its accuracy per probe family."""
    points = []
    for arm in arms:
        ft = finetunes.get(arm.variant)
        if not arm.finetuned or arm.rag or not ft or arm.train_on != "facts":  # idk adds other examples
            continue
        fams = family_metrics([r for r in rows if r["arm"] == arm.name]) or {}
        points.append(
            {
                "variant": arm.variant,
                "arm": arm.name,
                "method": ft["method"],
                "k": ft.get("phrasings", 1),
                "epochs": ft["epochs"],
                "examples": ft["examples"],
                "train_tokens": ft["train_tokens"],
                "seconds": round(ft["seconds"], 3),
                **{f: fams.get(f) for f in ("train", "paraphrase", "reversed")},
            }
        )
    return {"points": sorted(points, key=lambda p: (p["method"], p["epochs"], p["k"]))}


def run(inp: StudyInput) -> tuple[dict, list[dict]]:
    return {"augmentation": augmentation(inp.known, inp.arms, inp.finetunes)}, []


def section(results: RunResults) -> Section | None:
    study: Result | None = results.study("augmentation")
    if not study or not study.points:
        return None
    points = study.points
    findings = []
    # Only fine-tunes trained for the same number of epochs are compared along k.
    for method, epochs in dict.fromkeys((p.method, p.epochs) for p in points):
        mine = [p for p in points if (p.method, p.epochs) == (method, epochs) and p.paraphrase]
        if len(mine) >= 2:
            lo, hi = mine[0], mine[-1]
            findings.append(
                f"{method}, {epochs} epochs: held-out paraphrases {pct(value(lo.paraphrase))} "
                f"with k = {lo.k} phrasing(s) per fact, {pct(value(hi.paraphrase))} with "
                f"k = {hi.k} (trained phrasing: {pct(value(lo.train))} → {pct(value(hi.train))})."
            )
        elif mine:
            p = mine[0]
            findings.append(
                f"{method}, {epochs} epochs, k = {p.k}: {pct(value(p.paraphrase))} on held-out "
                f"paraphrases, {pct(value(p.train))} on the trained phrasing."
            )
    head = [
        "fine-tune",
        "method",
        "epochs",
        "k",
        "train",
        "paraphrase",
        "reversed",
        "examples",
        "train tokens",
        "seconds",
    ]
    rows = [
        [
            p.variant,
            p.method,
            str(p.epochs),
            str(p.k),
            rate_cell(p.train),
            rate_cell(p.paraphrase),
            rate_cell(p.reversed),
            str(p.examples),
            str(p.train_tokens),
            f"{p.seconds:.1f}",
        ]
        for p in points
    ]
    return Section("Augmentation", findings or [DASH], head, rows, NOTE, "augmentation.png")


def charts(results: RunResults) -> dict[str, bytes | None]:
    return {"augmentation.png": augmentation_png(results.study("augmentation"))}


STUDY = Study(
    name="augmentation",
    order=20,
    phase="records",
    probes=True,
    run=run,
    result=Result,
    section=section,
    charts=charts,
    summary="closed-book accuracy of each fine-tune against the phrasings per fact it trained on (variants)",
)
