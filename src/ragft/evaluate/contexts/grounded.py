"""grounded: ragft's RAG (arm `rag`): hybrid retrieval (dense + BM25), the best passage(s) only, cited answers."""

from __future__ import annotations

from ragft.evaluate.context import Context
from ragft.evaluate.passages import grounded_passages
from ragft.rag.answer import grounded_messages


def passages(task, kb, rag) -> list:
    return grounded_passages([i.question for i in task.items], kb, rag)


def messages(question, prompts, hits, worked_examples) -> list[dict]:
    return grounded_messages(question, hits, prompts, worked_examples)


CONTEXT = Context(
    "grounded",
    "+rag",
    "rag",
    "grounded",
    "hybrid retrieval (dense + BM25), best passage(s) only, cited answers",
    order=20,
    messages=messages,
    passages=passages,
    cites=True,
)
