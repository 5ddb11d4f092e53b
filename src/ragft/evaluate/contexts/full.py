"""full: the whole knowledge base in the prompt (arm `context`): the lecture's "prompting", for what fits."""

from __future__ import annotations

from ragft.evaluate.context import Context, plain_messages
from ragft.rag.hits import Hit


def passages(task, kb, rag) -> list:
    everything = [Hit(i, t, 1.0) for i, t in task.passages.items()]
    return [everything] * len(task.items)


def messages(question, prompts, hits, worked_examples) -> list[dict]:
    knowledge = "\n".join(h.text for h in hits)
    return plain_messages(prompts.context_system, prompts.context.format(knowledge=knowledge, question=question))


CONTEXT = Context(
    "full",
    "+context",
    "context",
    "full",
    "the whole knowledge base in the prompt",
    order=40,
    messages=messages,
    passages=passages,
    kind="the whole knowledge in the prompt",
    whole_knowledge=True,
)
