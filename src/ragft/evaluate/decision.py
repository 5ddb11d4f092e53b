"""The decision table's decisions: for each need a team has that the arms alone answer (answer accurately, cite,
cost, combine both), which arms this run measured best and the numbers behind it; each study decides its own needs
(studies/registry.py's Need). Pure functions of RunResults: report/decision.py writes the sentences and the
recommendation from these numbers, so evaluate never writes a word of the report."""

from __future__ import annotations

from dataclasses import dataclass

from ragft.evaluate.context import context_named
from ragft.evaluate.results import ArmSummary, Comparison, Rate, RunResults, comparison

ACCURACY = "Answer accurately from the knowledge"
COMBINE = "Combine fine-tuning and retrieval"


def deployable(results: RunResults) -> RunResults:
    """`results` without the oracle arms: they read gold passages no deployed system has, so they bound
    the reader (the report shows them beside `rag`) but are never an approach to recommend."""
    oracles = {a for a, arm in results.arms.items() if not getattr(context_named(arm.rag), "recommend", True)}
    if not oracles:
        return results
    return results.model_copy(
        update={
            "arms": {a: arm for a, arm in results.arms.items() if a not in oracles},
            "comparisons": [c for c in results.comparisons if not oracles & {c.a, c.b}],
        }
    )


def arm_rate(arm: ArmSummary) -> Rate:
    return Rate(value=arm.accuracy, correct=arm.correct, n=arm.n, ci95=arm.ci95)


@dataclass(frozen=True)
class Ranking:
    """Arms by a rate, best first, and what the paired tests (exact McNemar, Holm-corrected) say of the best
    against each other arm: a difference is called only where the test calls it."""

    rates: dict[str, Rate]  # the measured ones, best first
    winners: list[str]  # the best and the arms tied with it
    worse: list[str]  # significantly worse than the best
    level: list[str]  # not significantly worse
    untested: list[str]  # no paired test against the best in this run
    tests: dict[str, Comparison]

    @property
    def top(self) -> str:
        return self.winners[0]

    def numbers(self) -> dict:
        return {
            "accuracy": {a: r.value for a, r in self.rates.items()},
            "n": {a: r.n for a, r in self.rates.items()},
            "not_significantly_worse": self.level,
            "significantly_worse": self.worse,
            "untested": self.untested,
        }


def ranked(rates: dict[str, Rate | None], comparisons: list[Comparison]) -> Ranking | None:
    rates = {name: r for name, r in rates.items() if r is not None and r.n and r.value is not None}
    if not rates:
        return None
    order = sorted(rates, key=lambda name: -rates[name].value)
    top = order[0]
    tied = [a for a in order[1:] if rates[a].value == rates[top].value]
    found = {a: comparison(comparisons, top, a) for a in order[1:] if a not in tied}
    return Ranking(
        rates={a: rates[a] for a in order},
        winners=[top, *tied],
        worse=[a for a, c in found.items() if c and c.significant and c.better == top],
        level=[a for a, c in found.items() if c and not c.significant],
        untested=[a for a, c in found.items() if not c],
        tests={a: c for a, c in found.items() if c},
    )


def accuracy(results: RunResults) -> Ranking | None:
    return ranked({name: arm_rate(arm) for name, arm in results.arms.items()}, results.comparisons)


def citing(results: RunResults) -> dict[str, ArmSummary]:
    """The arms that cited passages, with their citation accuracy."""
    return {a: arm for a, arm in results.arms.items() if arm.citations and arm.citation_accuracy is not None}


def priced(results: RunResults) -> dict[str, ArmSummary]:
    """The untouched model's arms with a measured prompt size: their cost per question is the context's alone."""
    return {
        a: arm for a, arm in results.arms.items() if not arm.finetuned and arm.n and arm.mean_prompt_tokens is not None
    }


def tokens_per_correct(arms: dict[str, ArmSummary]) -> dict[str, float]:
    return {a: arm.mean_prompt_tokens / arm.accuracy for a, arm in arms.items() if arm.accuracy}


def finetune_seconds(results: RunResults) -> dict[str, float]:
    """Each fine-tune's one-off training time."""
    trained = results.finetunes or ({"finetuned": results.finetune} if results.finetune else {})
    return {v: ft.seconds for v, ft in trained.items() if ft is not None and ft.seconds is not None}


def combined(results: RunResults) -> Ranking | None:
    """The fine-tunes with RAG against RAG, from the run's arms (the raft study decides it where it ran)."""
    both = [a for a, arm in results.arms.items() if arm.finetuned and arm.rag]
    rags = [a for a, arm in results.arms.items() if not arm.finetuned and _retrieves(arm.rag)]
    if not both or not rags:
        return None
    return ranked({a: arm_rate(results.arms[a]) for a in both + rags}, results.comparisons)


def _retrieves(rag: str | None) -> bool:
    """Is this a retrieval context a team could deploy (not the closed book, the whole knowledge, the oracle)?"""
    context = context_named(rag)
    return bool(context and context.kind == "RAG" and context.recommend)
