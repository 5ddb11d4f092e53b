"""The arms of the experiment: a model variant (untouched, or a fine-tune) answering in a context.

An arm is variant × context, and this module is the one place that says so: config validation,
the runner, records, report and plots all read `Arm`. Names keep the seed's: the untouched model
is `base` closed book, `rag` with grounded retrieval and `rag-seed` with the seed's pipeline; a
fine-tune called V (the default one is `finetuned`) gives the arms `V`, `V+rag` and `V+rag-seed`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ragft.config import PromptConfig
    from ragft.rag.hits import Hit

SEED_K = 5  # the seed's pipeline: dense top-5
UNTOUCHED = "untouched"
DEFAULT_VARIANT = "finetuned"


@dataclass(frozen=True)
class Context:
    name: str  # "closed", "grounded", "seed"
    suffix: str  # appended to a fine-tune's name: "", "+rag", "+rag-seed"
    untouched_name: str  # the arm name with the untouched model
    rag: str | None  # the retrieval pipeline it reads: None, "grounded", "seed"
    description: str


CONTEXTS: tuple[Context, ...] = (
    Context("closed", "", "base", None, "closed book (the seed's fine-tuned-model prompt)"),
    Context("grounded", "+rag", "rag", "grounded",
            "hybrid retrieval (dense + BM25), best passage(s) only, cited answers"),
    Context("seed", "+rag-seed", "rag-seed", "seed", "the seed's RAG (dense top-5, seed prompt)"),
)


@dataclass(frozen=True)
class Arm:
    name: str
    variant: str  # UNTOUCHED, or the name of a fine-tune
    context: Context

    @property
    def finetuned(self) -> bool:
        return self.variant != UNTOUCHED

    @property
    def rag(self) -> str | None:
        return self.context.rag

    @property
    def cites(self) -> bool:
        return self.rag == "grounded"

    @property
    def description(self) -> str:
        model = ("untouched model" if not self.finetuned else "fine-tuned model" if self.variant == DEFAULT_VARIANT
                 else f"fine-tune {self.variant}")
        return f"{model}, {self.context.description}"

    def messages(self, question: str, prompts: PromptConfig, hits: list[Hit] | None = None) -> list[dict]:
        hits = hits or []
        if self.rag == "seed":
            context = "".join(prompts.context_item.format(i=i, doc=h.text) for i, h in enumerate(hits))
            user = prompts.rag.format(question=question, context=context)
        elif self.rag == "grounded":
            from ragft.rag.answer import grounded_messages

            return grounded_messages(question, hits, prompts)
        else:
            user = prompts.closed_book.format(question=question)
        return [{"role": "system", "content": prompts.system}, {"role": "user", "content": user}]


def arm_name(variant: str, context: Context) -> str:
    return context.untouched_name if variant == UNTOUCHED else variant + context.suffix


def arms_for(variants: list[str]) -> dict[str, Arm]:
    """Every arm the given fine-tunes (and the untouched model) make, by name."""
    return {arm_name(v, c): Arm(arm_name(v, c), v, c) for v in [UNTOUCHED, *variants] for c in CONTEXTS}


def parse_arm(name: str, variants: list[str]) -> Arm:
    """The arm called `name`, given the run's fine-tunes; a ValueError naming the choices otherwise."""
    known = arms_for(variants)
    if name not in known:
        raise ValueError(f"unknown arm {name!r}; choose from {', '.join(known)}")
    return known[name]
