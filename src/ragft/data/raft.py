"""RAFT training data (Zhang et al. 2024): each training question with retrieved passages to answer from.

A share P of the examples hold the gold passage among `distractors` retrieved ones (hard negatives:
what the retriever ranks high but does not answer); the rest hold distractors only and still teach
the answer, as the paper does, so the model also keeps the fact itself. Prompts are the grounded arm's
(rag/answer.py) without its worked examples, the answer the fact's sentence citing the gold passage,
so the `raft` arm is asked exactly as it was trained.
"""

from __future__ import annotations

import random

from ragft.data.questions import passage_id
from ragft.rag.answer import grounded_messages
from ragft.rag.hits import Hit


def training_pairs(train: list[dict]) -> list[tuple[str, str]]:
    """(question, answer) of every training chat: its last user message and last assistant answer."""
    pairs = []
    for conv in train:
        messages = conv["messages"]
        answers = [i for i, m in enumerate(messages) if m["role"] == "assistant"]
        users = [m for m in messages[: answers[-1]] if m["role"] == "user"] if answers else []
        if users:
            pairs.append((users[-1]["content"], messages[answers[-1]]["content"]))
    return pairs


def raft_conversations(
    pairs: list[tuple[str, str]],
    candidates: list[list[Hit]],
    passages: dict[str, str],
    prompts,
    distractors: int,
    gold_share: float,
    seed: int,
) -> list[dict]:
    """One grounded chat per (question, answer), its passages drawn from that question's candidates."""
    rng = random.Random(seed)
    out = []
    for (question, answer), hits in zip(pairs, candidates, strict=True):
        gold = passage_id(answer)
        others = [h for h in hits if h.id != gold][:distractors]
        shown = list(others)
        with_gold = rng.random() < gold_share or not others
        if with_gold:
            shown.insert(rng.randint(0, len(shown)), Hit(gold, passages.get(gold, answer), 1.0))
        reply = cite(answer, [h.id for h in shown].index(gold) + 1) if with_gold else answer
        messages = grounded_messages(question, shown, prompts, examples=False)
        out.append({"messages": [*messages, {"role": "assistant", "content": reply}]})
    return out


def cite(answer: str, number: int) -> str:
    """The answer citing passage `number` as the worked examples do: "... 10:00 [1]." """
    text = answer.rstrip()
    end = text[-1] if text and text[-1] in ".!?" else ""
    return f"{text[: len(text) - len(end)]} [{number}]{end}"
