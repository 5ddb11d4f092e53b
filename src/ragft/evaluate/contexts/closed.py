"""closed: the question alone, in the seed's prompt for its fine-tuned model (arm `base`; a fine-tune's bare name)."""

from __future__ import annotations

from ragft.evaluate.context import Context, plain_messages


def messages(question, prompts, hits, worked_examples) -> list[dict]:
    return plain_messages(prompts.system, prompts.closed_book.format(question=question))


CONTEXT = Context(
    "closed",
    "",
    "base",
    None,
    "closed book (the seed's fine-tuned-model prompt)",
    order=10,
    messages=messages,
    kind="the untouched model",
)
