"""Hybrid retrieval: dense (Chroma + MiniLM) and lexical (BM25) rankings fused by reciprocal rank."""

from __future__ import annotations

from dataclasses import dataclass

from ragft.rag.fusion import RRF_K, reciprocal_rank_fusion
from ragft.rag.hits import Hit
from ragft.rag.store import KnowledgeBase

METHODS = ("dense", "bm25")


@dataclass(frozen=True)
class RetrievalSettings:
    methods: tuple[str, ...] = METHODS
    k: int = 5  # passages handed to the model
    candidates: int = 50  # depth of each ranking before fusion
    rrf_c: int = RRF_K


class Retriever:
    """Top-k passages per question from one or more methods; one method alone is used as is."""

    def __init__(self, kb: KnowledgeBase, settings: RetrievalSettings = RetrievalSettings()):
        unknown = set(settings.methods) - set(METHODS)
        if unknown or not settings.methods:
            raise ValueError(f"unknown retrieval method(s) {sorted(unknown)}; choose from {METHODS}")
        self.kb = kb
        self.settings = settings
        self._lexical = None

    def lexical(self):
        """The BM25 index, built once per Retriever from the store's passages."""
        if self._lexical is None:
            from ragft.rag.lexical import LexicalIndex

            self._lexical = LexicalIndex(self.kb.all_passages())
        return self._lexical

    def rankings(self, questions: list[str], depth: int) -> dict[str, list[list[Hit]]]:
        out = {}
        if "dense" in self.settings.methods:
            out["dense"] = self.kb.query(questions, depth)
        if "bm25" in self.settings.methods:
            out["bm25"] = self.lexical().query(questions, depth)
        return out

    def retrieve(self, questions: list[str]) -> list[list[Hit]]:
        s = self.settings
        if len(s.methods) == 1:
            return self.rankings(questions, s.k)[s.methods[0]]
        rankings = self.rankings(questions, max(s.candidates, s.k))
        return [reciprocal_rank_fusion([rankings[m][q] for m in s.methods], s.k, s.rrf_c)
                for q in range(len(questions))]
