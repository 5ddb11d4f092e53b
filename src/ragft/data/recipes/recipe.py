"""A recipe turns a run's document chunks into a fine-tune's training conversations: the raw chunks (continued
pre-training), renderings of them, synthetic question/answer pairs, or a mix. Each is one module of this package
defining `RECIPE`, or a module another package names by an entry point in the group "ragft.recipes"; a variant names
one with `train_on` (config.py), and `phrasings` is its k (renderings or pairs per chunk).

What a recipe is given is plain data and three functions (the run builds them from its models, so nothing here
loads one): the closed-book prompt a fine-tune is asked with, the untouched model answering with a chunk in its
prompt (the round-trip filter, and the teacher of prompt distillation) and scoring an answer so (the teacher's token
distributions), and a generator of text (an OpenAI-compatible endpoint, or the local model).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

from ragft.errors import RagftError
from ragft.plugins import discover_by_name
from ragft.rag.chunking import Chunk

ENTRY_POINT_GROUP = "ragft.recipes"


@dataclass(frozen=True)
class RecipeInput:
    chunks: dict[str, Chunk]  # {id: chunk}, the knowledge base
    k: int  # renderings or pairs per chunk
    seed: int
    system: str  # the system turn of a document conversation
    test_questions: tuple[str, ...]  # never trained on, nor anything close to them
    closed: Callable[[str], list[dict]]  # question -> the closed-book prompt a fine-tune is asked with
    read: Callable[[list[tuple[str, Chunk]]], list[str]]  # (question, chunk) -> the untouched model's answer
    generate: Callable[[list[list[dict]]], list[str]]  # chat prompts -> completions (the generator)
    generator: str = "local"  # what `generate` is: "local", or the remote model's name
    # (question, chunk, answer) -> the untouched model's top-k per answer token with the chunk in its prompt
    # (finetune/distill.py), or None where it gives no logits (a remote model)
    teach: Callable[[list[tuple[str, Chunk, str]]], list[dict | None]] = lambda items: [None] * len(items)


@dataclass
class RecipeData:
    """A recipe's training conversations, and what it made and threw away (results.json: the fine-tune's `data`)."""

    conversations: list[dict]
    stats: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Recipe:
    name: str
    summary: str  # one line: what it trains on
    build: Callable[[RecipeInput], RecipeData]
    order: int = 100  # its place in listings and the report
    uses_model: bool = False  # asks the untouched model or a generator (slower; shown in its cost)


@cache
def _registered() -> dict[str, Recipe]:
    return discover_by_name("ragft.data.recipes", ENTRY_POINT_GROUP, "RECIPE", "fine-tuning recipes")


def recipes() -> dict[str, Recipe]:
    """Every recipe, by name, in listing order."""
    return dict(_registered())


def recipe(name: str) -> Recipe:
    found = _registered()
    if name not in found:
        raise RagftError(f"unknown fine-tuning recipe {name!r}; known: {', '.join(found)}")
    return found[name]


def document_conversation(system: str, text: str) -> dict:
    """Continued pre-training on `text`; the system turn gives chat templates a conversation to open."""
    return {"messages": [{"role": "system", "content": system}, {"role": "assistant", "content": text}]}


def qa_conversation(messages: list[dict], answer: str) -> dict:
    """A question in the prompt a fine-tune is asked with, and the answer it should learn to give."""
    return {"messages": [*messages, {"role": "assistant", "content": answer}]}
