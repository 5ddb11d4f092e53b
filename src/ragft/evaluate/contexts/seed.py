"""seed: the blog post's RAG (arm `rag-seed`): dense top 5, each hit as `[i]: \\ndoc\\n\\n`, the seed's prompt."""

from __future__ import annotations

from ragft.evaluate.context import Context, plain_messages
from ragft.rag.retriever import RetrievalSettings, Retriever

SEED_K = 5  # the seed's pipeline: dense top-5


def passages(task, kb, rag) -> list:
    return Retriever(kb, RetrievalSettings(methods=("dense",), k=SEED_K)).retrieve([i.question for i in task.items])


def messages(question, prompts, hits, worked_examples) -> list[dict]:
    context = "".join(prompts.context_item.format(i=i, doc=h.text) for i, h in enumerate(hits))
    return plain_messages(prompts.system, prompts.rag.format(question=question, context=context))


CONTEXT = Context(
    "seed",
    "+rag-seed",
    "rag-seed",
    "seed",
    "the seed's RAG (dense top-5, seed prompt)",
    order=30,
    messages=messages,
    passages=passages,
)
