"""Turning chat conversations into the experiment's items: a question, its reference answer, its passage."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class QAItem:
    """One test question. `split` says whether the question was in the fine-tuning data ("train")."""

    id: str
    question: str
    reference: str
    gold_ids: tuple[str, ...]  # the knowledge-base passages that state the answer ("gold" passages)
    split: str = "train"
    family: str | None = None  # probes (data/probes.py): "train", "paraphrase" or "reversed" phrasing

    @property
    def passage_id(self) -> str | None:
        """The first gold passage (a chat answer has exactly one: itself)."""
        return self.gold_ids[0] if self.gold_ids else None

    def to_dict(self) -> dict:
        return asdict(self)


def passage_id(text: str) -> str:
    """Stable id from content, so re-indexing the same passage never duplicates it."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


def qa_items(conversations: list[dict]) -> list[QAItem]:
    """One item per conversation: its last assistant message answers the user message before it.

    The seed tests on the very questions it fine-tunes on, so every item is split "train".
    """
    items = []
    for index, conv in enumerate(conversations):
        messages = conv["messages"]
        last = max(i for i, m in enumerate(messages) if m["role"] == "assistant")
        users = [m for m in messages[:last] if m["role"] == "user"]
        if not users:
            continue  # nothing asked: the answer is still knowledge, but not a question
        reference = messages[last]["content"]
        items.append(
            QAItem(
                id=f"q{index + 1}",
                question=users[-1]["content"],
                reference=reference,
                gold_ids=(passage_id(reference),),
            )
        )
    return items


def passages(conversations: list[dict]) -> dict[str, str]:
    """The knowledge base: every assistant answer, keyed by content id (duplicates collapse)."""
    out: dict[str, str] = {}
    for conv in conversations:
        for m in conv["messages"]:
            if m["role"] == "assistant" and isinstance(m.get("content"), str) and m["content"].strip():
                out.setdefault(passage_id(m["content"]), m["content"])
    return out
