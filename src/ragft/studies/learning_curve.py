"""learning_curve: each fine-tune's closed-book accuracy every `curve_every` epochs of one training run
(checkpoints, not a retrain per point: evaluate/finetunes.py's LearningCurve, called by the runner while it trains)."""

from __future__ import annotations

from pydantic import ConfigDict

from ragft.evaluate.results import Closed
from ragft.report.numbers import pct, rate_cell
from ragft.report.numbers import study as results_of
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

    epoch: int
    seconds: float
    train_tokens: int


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


def section(results: dict) -> Section | None:
    study = results_of(results, "learning_curve")
    if not study or not study.get("finetunes"):
        return None
    findings, rows = [], []
    for variant, curve in study["finetunes"].items():
        points = curve["points"]
        share = f"{100 * curve['trainable_share']:.2f} % of {curve['total_parameters']:,} parameters trained"
        if points:
            best = max(points, key=lambda p: (p.get("paraphrase") or p.get("train") or {}).get("value") or 0)
            last = points[-1]
            findings.append(
                f"{variant} ({curve['method']}, {share}): trained phrasing "
                f"{pct((last.get('train') or {}).get('value'))}, "
                f"held-out paraphrases {pct((last.get('paraphrase') or {}).get('value'))} after {last['epoch']} epochs "
                f"({last['train_tokens']:,} tokens, {last['seconds']:.0f} s); paraphrases peaked at "
                f"{pct((best.get('paraphrase') or {}).get('value'))} at epoch {best['epoch']}."
            )
        rows += [
            [
                variant,
                str(p["epoch"]),
                f"{p['train_tokens']:,}",
                f"{p['seconds']:.1f}",
                rate_cell(p.get("train")),
                rate_cell(p.get("paraphrase")),
            ]
            for p in points
        ]
    head = ["fine-tune", "epoch", "train tokens", "seconds", "train", "paraphrase"]
    return Section("Learning curve", findings, head, rows, NOTE, "learning_curve.png")


def charts(results: dict) -> dict[str, bytes | None]:
    return {"learning_curve.png": learning_curve_png(results_of(results, "learning_curve"))}


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
