"""A context: what an arm's model reads beside the question (nothing, retrieved passages, the whole knowledge, the
gold passages) and how its prompt is written. Each is one module of ragft.evaluate.contexts defining `CONTEXT`, or a
module of another package named by an entry point in the group "ragft.contexts"; `contexts()` finds them on first
use, so adding a context is adding such a module (evaluate/arms.py makes every fine-tune's arm in it)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from ragft.plugins import discover_by_name
from ragft.rag.hits import Hit
from ragft.rag.prompts import PromptConfig

ENTRY_POINT_GROUP = "ragft.contexts"

# (the task, the run's knowledge base, the rag config) -> per question of task.items, the passages it reads
Passages = Callable[..., list[list[Hit]]]
# (question, prompts, passages, show worked examples) -> the chat messages
Messages = Callable[[str, PromptConfig, list[Hit], bool], list[dict]]


@dataclass(frozen=True)
class Context:
    name: str  # "closed", "grounded", "seed", "full", "oracle"
    suffix: str  # appended to a fine-tune's name: "", "+rag", "+rag-seed", "+context", "+oracle"
    untouched_name: str  # the arm name with the untouched model
    rag: str | None  # the passages it reads, as records and results.json say: None (closed book) or its name
    description: str
    order: int  # its arms' place in listings (the built-ins: 10, 20, ...)
    messages: Messages
    passages: Passages | None = None  # None: reads nothing (closed book)
    cites: bool = False  # numbered passages, cited answers (records check the citations)
    kind: str = "RAG"  # the untouched model's arm in it, in the words of "fine-tune or RAG?" (decision table)
    recommend: bool = True  # False: an upper bound no deployed system has (oracle), never recommended
    whole_knowledge: bool = False  # the prompt grows with the knowledge: checked against the model's window


@cache
def _registered() -> dict[str, Context]:
    return discover_by_name("ragft.evaluate.contexts", ENTRY_POINT_GROUP, "CONTEXT", "contexts")


def contexts() -> tuple[Context, ...]:
    """Every context, in listing order."""
    return tuple(_registered().values())


def context_named(name: str | None) -> Context | None:
    """The context whose passages are `name` (an arm's `rag` in results.json; None: the closed book)."""
    return next((c for c in contexts() if c.rag == name), None)


def plain_messages(system: str, user: str) -> list[dict]:
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]
