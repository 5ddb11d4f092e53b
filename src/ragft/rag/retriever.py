"""Hybrid retrieval: dense (Chroma + MiniLM) and lexical (BM25) rankings, fused.

Fusion is a convex combination of the two methods' normalised scores by default (rag/fusion.py),
or reciprocal rank fusion. Every candidate either method found gets both its scores.
"""

from __future__ import annotations

from dataclasses import dataclass

from ragft.rag.embeddings import embed_array
from ragft.rag.fusion import RRF_K, convex_combination, reciprocal_rank_fusion
from ragft.rag.hits import Hit
from ragft.rag.lexical import LexicalIndex
from ragft.rag.store import KnowledgeBase

METHODS = ("dense", "bm25")
FUSIONS = ("convex", "rrf")


@dataclass(frozen=True)
class RetrievalSettings:
    methods: tuple[str, ...] = METHODS
    k: int = 5  # passages handed to the model
    candidates: int = 100  # depth of each ranking before fusion
    rrf_c: int = RRF_K
    # When some passages are found by every method, only those are kept: near-duplicate distractors
    # that one method alone found (City_77 for a question about City_7) confuse small models.
    agreement: bool = False
    fusion: str = "rrf"  # "convex": weighted normalised scores; "rrf": reciprocal ranks
    dense_weight: float = 0.4  # convex fusion: w * dense + (1 - w) * BM25


def settings_from_config(rag) -> RetrievalSettings:
    """The `rag` arms' retrieval, from a RagConfig: the fused top k, before selection (rag/answer.py)."""
    return RetrievalSettings(
        tuple(rag.methods), rag.k, rag.candidates, rag.rrf_c, rag.agreement, rag.fusion, rag.dense_weight
    )


class Retriever:
    """Top-k passages per question from one or more methods; one method alone is used as is."""

    def __init__(self, kb: KnowledgeBase, settings: RetrievalSettings = RetrievalSettings()):
        unknown = set(settings.methods) - set(METHODS)
        if unknown or not settings.methods:
            raise ValueError(f"unknown retrieval method(s) {sorted(unknown)}; choose from {METHODS}")
        if settings.fusion not in FUSIONS:
            raise ValueError(f"unknown fusion {settings.fusion!r}; choose from {FUSIONS}")
        self.kb = kb
        self.settings = settings
        self._lexical = None

    def lexical(self):
        """The BM25 index, built once per Retriever from the store's passages."""
        if self._lexical is None:
            self._lexical = LexicalIndex(self.kb.all_passages())
        return self._lexical

    def rankings(self, questions: list[str], depth: int, embedded=None) -> dict[str, list[list[Hit]]]:
        out = {}
        if "dense" in self.settings.methods:
            out["dense"] = self.kb.query(questions, depth, embedded)
        if "bm25" in self.settings.methods:
            out["bm25"] = self.lexical().query(questions, depth)
        return out

    def retrieve(self, questions: list[str]) -> list[list[Hit]]:
        s = self.settings
        if len(s.methods) == 1:
            return self.rankings(questions, s.k)[s.methods[0]]
        if s.fusion == "convex":
            embedded = embed_array(list(questions)) if questions else None  # for ranking and rescoring alike
            return self._convex(questions, embedded, self.rankings(questions, max(s.candidates, s.k), embedded))
        rankings = self.rankings(questions, max(s.candidates, s.k))
        out = []
        for q in range(len(questions)):
            lists = [rankings[m][q] for m in s.methods]
            fused = reciprocal_rank_fusion(lists, len({h.id for hits in lists for h in hits}), s.rrf_c)
            if s.agreement:
                everywhere = set.intersection(*({h.id for h in hits} for hits in lists))
                fused = [h for h in fused if h.id in everywhere] or fused
            out.append(fused[: s.k])
        return out

    def _convex(self, questions: list[str], embedded, rankings: dict[str, list[list[Hit]]]) -> list[list[Hit]]:
        """Both scores for every candidate either method found, combined (rag/fusion.py)."""
        pools = [
            list(dict.fromkeys(h.id for m in self.settings.methods for h in rankings[m][q]))
            for q in range(len(questions))
        ]
        texts = [{h.id: h.text for m in self.settings.methods for h in rankings[m][q]} for q in range(len(questions))]
        dense = self.kb.similarities(embedded, pools)
        lexical = self.lexical().scores(questions, pools)
        return [
            convex_combination(ids, t, d, x, self.settings.dense_weight)[: self.settings.k]
            for ids, t, d, x in zip(pools, texts, dense, lexical)
        ]
