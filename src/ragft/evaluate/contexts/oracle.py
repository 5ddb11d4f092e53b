"""oracle: the question's gold passages alone in the grounded prompt (arm `oracle`): the reader's ceiling, what
`rag` would score with perfect retrieval; none where no gold passage is known. Never recommended."""

from __future__ import annotations

from ragft.evaluate.context import Context
from ragft.evaluate.contexts.grounded import messages  # the grounded prompt, the gold passages in it
from ragft.rag.hits import Hit


def passages(task, kb, rag) -> list:
    return [[Hit(g, task.passages[g], 1.0) for g in item.gold_ids][: rag.k] for item in task.items]


CONTEXT = Context(
    "oracle",
    "+oracle",
    "oracle",
    "oracle",
    "the question's gold passages alone in the grounded prompt (the reader's ceiling)",
    order=50,
    messages=messages,
    passages=passages,
    cites=True,
    recommend=False,
)
