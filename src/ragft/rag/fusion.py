"""Reciprocal rank fusion (Cormack et al. 2009): combine rankings without calibrating their scores."""

from __future__ import annotations

from ragft.rag.hits import Hit

RRF_K = 60  # the paper's constant: damps the weight of the very top ranks


def reciprocal_rank_fusion(rankings: list[list[Hit]], k: int, c: int = RRF_K) -> list[Hit]:
    """Score each passage by sum(1 / (c + rank)) over the rankings it appears in; best k first.

    Ties (same fused score) keep the order of the first ranking, so results are deterministic.
    """
    scores: dict[str, float] = {}
    texts: dict[str, str] = {}
    for ranking in rankings:
        for rank, hit in enumerate(ranking, start=1):
            scores[hit.id] = scores.get(hit.id, 0.0) + 1.0 / (c + rank)
            texts.setdefault(hit.id, hit.text)
    best = sorted(scores, key=lambda i: -scores[i])[:k]  # sorted() is stable: first-seen order breaks ties
    return [Hit(i, texts[i], round(scores[i], 6)) for i in best]
