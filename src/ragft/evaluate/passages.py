"""The passages a context reads, per question (each context says which: evaluate/contexts/); the grounded
selection, which the lifecycle studies ask of any knowledge base too."""

from __future__ import annotations

from ragft.data.task import KnowledgeTask
from ragft.evaluate.context import Context
from ragft.rag.answer import select_passages, selection_from_config
from ragft.rag.config import RagConfig
from ragft.rag.hits import Hit
from ragft.rag.retriever import Retriever, settings_from_config


def grounded_passages(questions: list[str], kb, rag: RagConfig) -> list[list[Hit]]:
    """What the grounded arms read: fused retrieval, then selection (rag/answer.py)."""
    candidates = Retriever(kb, settings_from_config(rag)).retrieve(questions)
    return select_passages(questions, candidates, selection_from_config(rag))


def context_passages(context: Context, task: KnowledgeTask, kb, rag: RagConfig) -> dict[str, list[Hit]]:
    """{question id: hits} for one context's passages (evaluate/contexts/)."""
    return {item.id: h for item, h in zip(task.items, context.passages(task, kb, rag))}
