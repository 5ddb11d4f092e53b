"""learning_curve: each fine-tune's closed-book accuracy every `curve_every` epochs of one training run
(checkpoints, not a retrain per point: evaluate/finetunes.py's LearningCurve, called by the runner while it trains)."""

from __future__ import annotations

from pydantic import ConfigDict, Field

from ragft.evaluate.results import Closed, Rate, RunResults
from ragft.report.numbers import pct, rate_cell
from ragft.report.plots import learning_curve_png
from ragft.report.section import Section
from ragft.studies.registry import Study, StudyInput

NOTE = (
    "Checkpoints of one training run per fine-tune (not a retrain per point): closed-book accuracy on the first "
    "questions of each probe family every few epochs; seconds are training time only (evaluation excluded). "
    "Gekhman et al. found new facts fitted slowly, and fitting them raising hallucination."
)


class Point(Closed):
    model_config = ConfigDict(extra="allow")  # plus {family: accuracy} for each probe family asked
    __pydantic_extra__: dict[str, Rate] = Field(init=False)

    epoch: int
    seconds: float
    train_tokens: int

    @property
    def families(self) -> dict[str, Rate]:
        return self.__pydantic_extra__ or {}


class Curve(Closed):
    method: str
    epochs: int | str
    points: list[Point]
    trainable_parameters: int
    total_parameters: int
    trainable_share: float


class Result(Closed):
    every: int
    questions_per_family: int
    finetunes: dict[str, Curve]


def run(inp: StudyInput) -> tuple[dict, list[dict]]:
    config = inp.config
    return {
        "learning_curve": {
            "every": config.curve_every,
            "questions_per_family": config.curve_questions,
            "finetunes": inp.curves,
        }
    }, []


def section(results: RunResults) -> Section | None:
    study: Result | None = results.study("learning_curve")
    if not study or not study.finetunes:
        return None
    findings, rows = [], []
    for variant, curve in study.finetunes.items():
        points = curve.points
        share = f"{100 * curve.trainable_share:.2f} % of {curve.total_parameters:,} parameters trained"
        if points:

            def share_of(p: Point, family: str) -> float | None:
                r = p.families.get(family)
                return r.value if r else None

            best = max(points, key=lambda p: share_of(p, "paraphrase") or share_of(p, "train") or 0)
            last = points[-1]
            findings.append(
                f"{variant} ({curve.method}, {share}): trained phrasing {pct(share_of(last, 'train'))}, "
                f"held-out paraphrases {pct(share_of(last, 'paraphrase'))} after {last.epoch} epochs "
                f"({last.train_tokens:,} tokens, {last.seconds:.0f} s); paraphrases peaked at "
                f"{pct(share_of(best, 'paraphrase'))} at epoch {best.epoch}."
            )
        rows += [
            [
                variant,
                str(p.epoch),
                f"{p.train_tokens:,}",
                f"{p.seconds:.1f}",
                rate_cell(p.families.get("train")),
                rate_cell(p.families.get("paraphrase")),
            ]
            for p in points
        ]
    head = ["fine-tune", "epoch", "train tokens", "seconds", "train", "paraphrase"]
    return Section("Learning curve", findings, head, rows, NOTE, "learning_curve.png")


def charts(results: RunResults) -> dict[str, bytes | None]:
    return {"learning_curve.png": learning_curve_png(results.study("learning_curve"))}


STUDY = Study(
    name="learning_curve",
    order=30,
    phase="records",
    probes=True,
    watches_training=True,
    run=run,
    result=Result,
    section=section,
    charts=charts,
    summary="each fine-tune's closed-book accuracy every curve_every epochs",
)
