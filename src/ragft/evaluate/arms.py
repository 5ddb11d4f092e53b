"""The arms of the experiment: a model variant (untouched, or a fine-tune) answering in a context.

An arm is variant × context (evaluate/contexts/, one module per context), and this module is the one place that
says so: config validation, the runner, records, report and plots all read `Arm`. Names keep the seed's: the
untouched model
is `base` closed book, `rag` with grounded retrieval, `rag-seed` with the seed's pipeline,
`context` with the whole knowledge base in the prompt and `oracle` with the question's gold passages
alone in the grounded prompt (the reader's ceiling: what `rag` would score with perfect retrieval).
A fine-tune called V (the default one is `finetuned`) gives the arms `V`, `V+rag`, `V+rag-seed`,
`V+context` and `V+oracle`.

What a fine-tune trains on decides the context it is named by: one trained on retrieved passages
(RAFT, Zhang et al. 2024) is built to read them, so its bare name `raft` is its grounded arm and
`raft+closed` its closed-book one.
"""

from __future__ import annotations

from dataclasses import dataclass

from ragft.evaluate.context import Context, contexts
from ragft.evaluate.contexts.closed import CONTEXT as CLOSED
from ragft.evaluate.contexts.grounded import CONTEXT as GROUNDED
from ragft.rag.hits import Hit
from ragft.rag.prompts import PromptConfig

UNTOUCHED = "untouched"
DEFAULT_VARIANT = "finetuned"
# What a fine-tune trains on: the task's facts (QA chats or document chunks), the same questions with
# retrieved passages to answer from (RAFT), or the facts plus "I don't know" for entities not in them.
TRAIN_ON = ("facts", "raft", "idk")
# Fine-tunes every run can use by arm name alone, as it can `finetuned`.
BUILTIN_VARIANTS = {DEFAULT_VARIANT: "facts", "raft": "raft", "idk": "idk"}


@dataclass(frozen=True)
class Arm:
    name: str
    variant: str  # UNTOUCHED, or the name of a fine-tune
    context: Context
    train_on: str = "facts"  # the variant's training data (TRAIN_ON); "facts" for the untouched model

    @property
    def finetuned(self) -> bool:
        return self.variant != UNTOUCHED

    @property
    def rag(self) -> str | None:
        return self.context.rag

    @property
    def cites(self) -> bool:
        """Numbered passages, cited answers (grounded; the oracle reads its gold passages the same way)."""
        return self.context.cites

    @property
    def description(self) -> str:
        model = (
            "untouched model"
            if not self.finetuned
            else "fine-tuned model"
            if self.variant == DEFAULT_VARIANT
            else f"fine-tune {self.variant}"
        )
        trained = {
            "raft": " (trained on retrieved passages, RAFT)",
            "idk": " (trained with 'I don't know' for unknown entities)",
        }.get(self.train_on, "")
        return f"{model}{trained}, {self.context.description}"

    @property
    def worked_examples(self) -> bool:
        """Does the grounded prompt show the worked examples? Not to a model trained on grounded prompts
        without them (RAFT): it learned the answer's shape, and is asked as it was trained."""
        return self.train_on != "raft"

    def messages(self, question: str, prompts: PromptConfig, hits: list[Hit] | None = None) -> list[dict]:
        return self.context.messages(question, prompts, hits or [], self.worked_examples)


def home_context(train_on: str) -> Context:
    """The context a fine-tune is built for, which its bare name stands for."""
    return GROUNDED if train_on == "raft" else CLOSED


def arm_name(variant: str, context: Context, train_on: str = "facts") -> str:
    if variant == UNTOUCHED:
        return context.untouched_name
    if context == home_context(train_on):
        return variant
    return variant + (context.suffix or "+closed")


def arms_for(variants) -> dict[str, Arm]:
    """Every arm the given fine-tunes (and the untouched model) make, by name.

    `variants`: {name: train_on}, or a list of names of fine-tunes trained on the facts.
    """
    kinds = dict(variants) if isinstance(variants, dict) else dict.fromkeys(variants, "facts")
    return {
        arm_name(v, c, t): Arm(arm_name(v, c, t), v, c, t)
        for v, t in [(UNTOUCHED, "facts"), *kinds.items()]
        for c in contexts()
    }


def parse_arm(name: str, variants) -> Arm:
    """The arm called `name`, given the run's fine-tunes; a ValueError naming the choices otherwise."""
    known = arms_for(variants)
    if name not in known:
        raise ValueError(f"unknown arm {name!r}; choose from {', '.join(known)}")
    return known[name]
