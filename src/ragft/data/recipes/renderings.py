"""renderings: k renderings of every chunk made without a model (Allen-Zhu & Li's multi + permute + fullname): the
section path written several ways, a table row or key–value line said as sentences in several templates, a
leading pronoun replaced by the subject's name, and each section's sentences in k permuted orders."""

from __future__ import annotations

import random
from itertools import groupby

from ragft.data.recipes.recipe import Recipe, RecipeData, RecipeInput, document_conversation
from ragft.data.recipes.structure import column, key_value, subject, table_row, with_subject
from ragft.rag.chunking import Chunk

# Where a passage comes from, said several ways ({title}, {heading}, {path}: its section path).
FRAMES = (
    "In {title}, under {heading}: {text}",
    "{text} (Source: {title}, section {heading}.)",
    "{heading}, from {title}. {text}",
    "{path}. {text}",
    "From the {heading} section of {title}: {text}",
)
ROW_TEMPLATES = (
    "The {column} of {subject} is {value}.",
    "{subject} has {column} {value}.",
    "For {subject}, the {column} is {value}.",
)
KEY_VALUE_TEMPLATES = ("{key}: {value}", "Under {heading}, {key} is {value}", "{heading} says, for {key}: {value}")


def body_renderings(chunk: Chunk) -> list[str]:
    """The chunk's body said in each template its structure allows (plain prose: with the subject's full name)."""
    row = table_row(chunk.body)
    if row:
        return [
            " ".join(t.format(column=column(c), subject=row.subject, value=v) for c, v in row.cells)
            for t in ROW_TEMPLATES
        ]
    pair = key_value(chunk.body)
    if pair:
        return [t.format(key=pair[0], value=pair[1], heading=subject(chunk)) for t in KEY_VALUE_TEMPLATES]
    return [with_subject(chunk.body, subject(chunk))]


def frame(chunk: Chunk, text: str, i: int) -> str:
    title = chunk.section[0] if chunk.section else chunk.header
    return FRAMES[i % len(FRAMES)].format(
        title=title, heading=subject(chunk), path=" > ".join(chunk.section) or title, text=text
    )


def chunk_renderings(chunk: Chunk, k: int) -> list[str]:
    """k renderings: frame i around body rendering i (each cycling through its own list)."""
    bodies = body_renderings(chunk)
    return [frame(chunk, bodies[i % len(bodies)], i) for i in range(k)]


def section_permutations(chunks: list[Chunk], k: int, rng: random.Random) -> list[str]:
    """k renderings of a section: its sentences (pronouns replaced by the subject) in k seeded orders, under its
    path. A section of one chunk has none (its renderings are the chunk's)."""
    if len(chunks) < 2:
        return []
    sentences = [with_subject(c.body, subject(c)) for c in chunks]
    out = []
    for i in range(k):
        order = sentences[:]
        rng.shuffle(order)
        out.append(frame(chunks[0], " ".join(order), i + 1))
    return out


def renderings(given: RecipeInput) -> list[str]:
    rng = random.Random(given.seed)
    chunks = list(given.chunks.values())
    texts = [t for c in chunks for t in chunk_renderings(c, given.k)]
    for _, section in groupby(chunks, key=lambda c: (c.source, c.section)):
        texts += section_permutations(list(section), given.k, rng)
    return texts


def build(given: RecipeInput) -> RecipeData:
    texts = renderings(given)
    return RecipeData([document_conversation(given.system, t) for t in texts], {"documents": len(texts)})


RECIPE = Recipe("renderings", "k renderings of every chunk, made without a model", build, order=20)
