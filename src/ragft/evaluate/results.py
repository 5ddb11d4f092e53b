"""results.json as typed classes: what a run measured, checked when the run makes it and read back the same way.

The runner builds a `RunResults` (so a number of the wrong kind fails the run before results.json is written, not a
reader later); the decision table, the report and its charts read that object, and `read_results` gives a written
results.json back as it. Each study's result under "experiments" is typed by its own study module (studies/<name>.py:
its `Result`), picked by name through the study registry; the parts every run has, and that several readers share,
are typed here.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_serializer, field_validator

from ragft.errors import RagftError
from ragft.studies.registry import typed_result

# What each metric in results.json means, written into it.
METRICS = {
    "verdict": "accuracy",
    "accuracy": "the answer states the reference's value (numbers at their stated precision, no competing "
    "value; text: every word the reference adds to the question)",
    "accuracy_seed": "the seed's extractor: the first number after a space equals the reference's",
    "exact_match": "SQuAD: normalised answer equals the normalised reference (strict for sentence answers)",
    "f1": "SQuAD token F1 against the reference, mean over questions",
    "judge": "an LLM judge's CORRECT/INCORRECT verdict (when --judge-model is given)",
    "reader": "accuracy over the questions whose gold passage was in the prompt (RAG arms)",
    "comparisons": "every pair of arms on their shared questions: exact McNemar test, Holm-corrected (alpha 0.05)",
    "unknowns": "questions about entities not in the data (split 'unknown'): kept out of every accuracy; an answer "
    "that abstains is right, any other invented (evaluate/abstention.py)",
}

RESULTS = "results.json"


class Closed(BaseModel):
    """A results.json part whose keys are all known: an unknown one is an error, not a silent addition."""

    model_config = ConfigDict(extra="forbid")


class _Open(BaseModel):
    # Keys a later version or another backend adds are kept as they are, not dropped.
    model_config = ConfigDict(extra="allow")


class Rate(Closed):
    """A share with its count, n and Wilson 95 % interval (value None when n is 0)."""

    value: float | None = Field(ge=0, le=1)
    correct: int = Field(ge=0)
    n: int = Field(ge=0)
    ci95: tuple[float, float]


class Mean(Closed):
    """A mean over n questions with its 95 % interval (token F1)."""

    value: float | None
    n: int = Field(ge=0)
    ci95: tuple[float, float] | None


class Comparison(Closed):
    """Two arms on the questions both answered: an exact McNemar test, Holm-corrected (evaluate/paired.py)."""

    a: str
    b: str
    n: int = Field(ge=0)
    both: int
    only_a: int
    only_b: int
    neither: int
    accuracy_a: float | None
    accuracy_b: float | None
    p_value: float | None
    p_holm: float | None
    significant: bool
    better: str | None


def comparison(comparisons: list[Comparison], a: str, b: str) -> Comparison | None:
    """The paired test of arms a and b, if the run made one."""
    return next((c for c in comparisons if {c.a, c.b} == {a, b}), None)


class Misses(Closed):
    """Where a RAG arm's wrong answers come from (evaluate/records.py: miss_split)."""

    wrong: int
    not_retrieved: int
    misread: int
    no_gold: int


class JudgeSummary(Closed):
    """An LLM judge's verdicts on one arm's answers (evaluate/judge.py): accuracy over the judged ones, with its
    Wilson interval; answers it gave no verdict on counted apart."""

    correct: int = Field(ge=0)
    n: int = Field(ge=0)
    unjudged: int = Field(ge=0)
    accuracy: float | None = Field(ge=0, le=1)
    ci95: tuple[float, float]
    value: float | None = Field(ge=0, le=1)  # the accuracy again, under the name every rate has

    def rate(self) -> Rate:
        return Rate(value=self.value, correct=self.correct, n=self.n, ci95=self.ci95)


class ArmSummary(Closed):
    """One arm's scores over the questions with an answer in the data (evaluate/records.py: summarize_arm), in the
    order results.json has them."""

    description: str
    finetuned: bool
    rag: str | None
    accuracy: float | None
    n: int = Field(ge=0)
    correct: int = Field(ge=0)
    ci95: tuple[float, float]
    accuracy_seed: float | None
    exact_match: Rate
    f1: Mean | None
    families: dict[str, Rate] | None
    mean_prompt_tokens: float | None
    mean_completion_tokens: float | None
    mean_latency_s: float | None
    correct_seed: int = Field(ge=0)
    ci95_seed: tuple[float, float]
    judge: JudgeSummary | None  # where a judge graded the answers
    reader: Rate | None  # RAG arms: accuracy where the gold passage was in the prompt
    misses: Misses | None
    retrieval: dict[str, float | int] | None  # hit@1, hit@k, mrr, k, mean_passages, n
    retrieval_hit_rate: float | None
    citation_accuracy: float | None
    citations: int | None
    citation_ci95: tuple[float, float] | None = Field(None, exclude_if=lambda v: v is None)  # only where cited
    cited_answers: float | None
    citations_forced: int | None
    values_chosen: int | None
    unmentioned: int | None
    splits: dict[str, int]


class FinetuneSummary(_Open):
    """One fine-tune of the run: its recipe, cost and where it was saved (a remote job adds its own keys)."""

    method: str | None = None
    epochs: int | str | None = None
    examples: int | None = None
    train_tokens: int | None = None
    seconds: float | None = None
    variant: str | None = None
    phrasings: int = 1
    train_on: str = "facts"
    saved_to: str | None = None
    data: dict | None = None  # a document recipe's: what it made and dropped (evaluate/training_data.py)
    early_stopping: dict | None = None  # held-back accuracy per epoch, the epoch kept (finetune/early_stopping.py)


class ModelInfo(Closed):
    name: str
    source: str
    device: str
    precision: str | None = None


class DatasetInfo(_Open):
    source: str
    conversations: int
    questions: int
    passages: int
    train_kind: str
    splits: dict[str, int]


class DecisionNumbers(_Open):
    """The numbers behind a decision row: `winners` (the arms or approaches it calls best, empty where none stood
    out), then whatever that need measured."""

    winners: list[str]


class DecisionRow(Closed):
    need: str
    best: str
    evidence: str
    numbers: DecisionNumbers


class Decision(Closed):
    """The decision table (evaluate/decision.py): a row per need the run measured, and the recommendation."""

    rows: list[DecisionRow]
    recommendation: str


class RunResults(Closed):
    """Everything results.json holds. Written last, atomically: a run directory without it is incomplete."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    ragft_version: str
    run_name: str
    created: str
    config: dict
    model: ModelInfo
    dataset: DatasetInfo
    metrics: dict[str, str]
    arms: dict[str, ArmSummary]
    comparisons: list[Comparison]
    experiments: dict[str, BaseModel]  # {study: its `result` type (studies/<name>.py)}
    finetune: FinetuneSummary | None
    finetunes: dict[str, FinetuneSummary]
    machine: dict[str, str]
    timings: dict[str, float]
    decision: Decision | None = None  # evaluate/decision.py, made from the rest

    @field_validator("experiments", mode="before")
    @classmethod
    def _each_study_typed(cls, found: dict) -> dict:
        # Studies register at run time, so the union of their types is not static: the registry picks each one's.
        return {name: typed_result(name, value) for name, value in found.items()}

    @field_serializer("experiments")
    def _as_written(self, found: dict[str, BaseModel]) -> dict:
        # Each study's keys as its run wrote them: an optional key it left out stays out, as before the types.
        return {name: r.model_dump(mode="json", by_alias=True, exclude_unset=True) for name, r in found.items()}

    def study(self, name: str):
        """A study's typed result (studies/<name>.py's Result), None where the run did not make it."""
        return self.experiments.get(name)

    def as_dict(self) -> dict:
        """The JSON form, as results.json has it."""
        return self.model_dump(mode="json", exclude_none=False)


class Spread(Closed):
    """One number over the repetitions of `--seeds N`: each seed's value, their mean and sample std."""

    values: list[float]
    mean: float
    std: float = Field(ge=0)


class SeedRun(Closed):
    seed: int  # the training seed
    data_seed: int
    run: str  # its directory under the top run: seed-<i>


class SeedsStudy(Closed):
    seeds: list[SeedRun]
    arms: dict[str, dict[str, Spread]]  # {arm: {"accuracy" or a probe family: its spread}}


class SeedsExperiments(Closed):
    seeds: SeedsStudy


class SeedsResults(Closed):
    """results.json of a `--seeds N` run: the repetitions side by side; each has its own RunResults in seed-<i>/."""

    ragft_version: str
    run_name: str
    created: str
    config: dict
    experiments: SeedsExperiments
    timings: dict[str, float]

    def as_dict(self) -> dict:
        return self.model_dump(mode="json")


def read_results(path: Path) -> RunResults | SeedsResults:
    """A results.json back as the class that wrote it (a `--seeds` run's summary or one run's); one line naming the
    file and the first field that does not fit where it is not ragft's."""
    try:
        found = json.loads(Path(path).read_bytes())
    except OSError as e:
        raise RagftError(f"{path}: cannot read results ({e.strerror or e})") from None
    except ValueError as e:
        raise RagftError(f"{path}: not a ragft results.json: not JSON ({e})") from None
    seeds = isinstance(found, dict) and "seeds" in (found.get("experiments") or {})
    try:
        return (SeedsResults if seeds else RunResults).model_validate(found)
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "the file"
        raise RagftError(f"{path}: not a ragft results.json: {where}: {first['msg']}") from None
