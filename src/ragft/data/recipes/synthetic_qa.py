"""synthetic-qa: k question/answer pairs per chunk (data/recipes/pairs.py: from the chunks' structure, questions the
generator proposes for a span, and with a remote generator its own pairs), each kept only if the untouched model
reading the chunk answers it; a remote generator also writes entity-relation descriptions (EntiGraph, Yang et al.
2025) and question-focused rewrites of each chunk, trained on as documents."""

from __future__ import annotations

from ragft.data.recipes.pairs import filtered_pairs, key_words, near_test
from ragft.data.recipes.recipe import Recipe, RecipeData, RecipeInput, document_conversation, qa_conversation
from ragft.rag.chunking import Chunk

ENTITY_PROMPT = (
    "Passage ({header}): {body}\n\nName the people, places, products and other things this passage mentions, then "
    "write a short paragraph on how they relate to each other, stating only facts from the passage and naming each "
    "thing in full."
)
REWRITE_PROMPT = (
    "Passage ({header}): {body}\n\nRewrite this passage as the answers to the questions a reader would ask about it: "
    "each line one question followed by its answer, using only facts from the passage."
)


def synthetic_documents(given: RecipeInput) -> tuple[list[str], int]:
    """(texts, how many were dropped for quoting a test question): entity-relation descriptions and question-focused
    rewrites of each chunk, from a remote generator only (the local model restates, or invents)."""
    if given.generator == "local":
        return [], 0
    chunks: list[Chunk] = list(given.chunks.values())
    prompts = [
        [{"role": "user", "content": template.format(header=c.header, body=c.body)}]
        for template in (ENTITY_PROMPT, REWRITE_PROMPT)
        for c in chunks
    ]
    tests = [key_words(q) for q in given.test_questions]
    texts = [t.strip() for t in given.generate(prompts) if t.strip()]
    kept = [t for t in texts if not any(near_test(line, tests) for line in t.splitlines() if "?" in line)]
    return kept, len(texts) - len(kept)


def qa_data(given: RecipeInput) -> RecipeData:
    """The kept pairs as chats in the closed-book prompt, answered with the pair's answer."""
    pairs, stats = filtered_pairs(given)
    conversations = [qa_conversation(given.closed(p.question), p.answer) for p in pairs]
    return RecipeData(conversations, {"pairs": stats})


def build(given: RecipeInput) -> RecipeData:
    data = qa_data(given)
    texts, quoting = synthetic_documents(given)
    data.conversations += [document_conversation(given.system, t) for t in texts]
    data.stats.update(documents=len(texts), documents_dropped_quoting_a_test_question=quoting)
    return data


RECIPE = Recipe(
    "synthetic-qa",
    "k question/answer pairs per chunk, kept if the untouched model reading the chunk answers them",
    build,
    order=30,
    uses_model=True,
)
