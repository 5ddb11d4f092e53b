"""The passages each context reads, per question: the grounded selection, the seed's dense top 5, the whole
knowledge (`context`) or the question's gold passages (`oracle`, none where none is known)."""

from __future__ import annotations

from ragft.data.task import KnowledgeTask
from ragft.evaluate.arms import SEED_K
from ragft.rag.answer import select_passages, selection_from_config
from ragft.rag.config import RagConfig
from ragft.rag.hits import Hit
from ragft.rag.retriever import RetrievalSettings, Retriever, settings_from_config


def grounded_passages(questions: list[str], kb, rag: RagConfig) -> list[list[Hit]]:
    """What the grounded arms read: fused retrieval, then selection (rag/answer.py)."""
    candidates = Retriever(kb, settings_from_config(rag)).retrieve(questions)
    return select_passages(questions, candidates, selection_from_config(rag))


def context_passages(pipeline: str, task: KnowledgeTask, kb, rag: RagConfig) -> dict[str, list[Hit]]:
    """{question id: hits} for one context's passages (Arm.rag: "grounded", "seed", "full", "oracle")."""
    questions = [i.question for i in task.items]
    if pipeline == "full":
        everything = [Hit(i, t, 1.0) for i, t in task.passages.items()]
        found = [everything] * len(questions)
    elif pipeline == "oracle":  # the reader's ceiling: the gold passages, as retrieval would rank them
        found = [[Hit(g, task.passages[g], 1.0) for g in item.gold_ids][:rag.k] for item in task.items]
    elif pipeline == "seed":
        found = Retriever(kb, RetrievalSettings(methods=("dense",), k=SEED_K)).retrieve(questions)
    else:
        found = grounded_passages(questions, kb, rag)
    return {item.id: h for item, h in zip(task.items, found)}
