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


def _min_max(scores: list[float]) -> list[float]:
    lo, hi = min(scores), max(scores)
    return [(s - lo) / (hi - lo) if hi > lo else 1.0 for s in scores]


def convex_combination(
    ids: list[str], texts: dict[str, str], dense: list[float], lexical: list[float], dense_weight: float
) -> list[Hit]:
    """Score each candidate by w * dense + (1 - w) * lexical, each min-max normalised over the candidates.

    Unlike RRF this keeps how far apart the scores are: when BM25 alone finds the passage naming
    City_7 (dense ranks City_77 first), its lexical lead decides. Bruch et al. 2023 ("An analysis
    of fusion functions for hybrid retrieval") found a tuned convex combination better than RRF.
    Ties keep candidate order, so results are deterministic.
    """
    if not ids:
        return []
    fused = [dense_weight * d + (1 - dense_weight) * x for d, x in zip(_min_max(dense), _min_max(lexical))]
    order = sorted(range(len(ids)), key=lambda i: -fused[i])
    return [Hit(ids[i], texts[ids[i]], round(fused[i], 6)) for i in order]
