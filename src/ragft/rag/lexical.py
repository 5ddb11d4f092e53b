"""BM25 over the knowledge base (bm25s), so exact names and numbers match: City_7 is not City_77."""

from __future__ import annotations

from ragft.rag.hits import Hit


def _tokens(texts: list[str]) -> list[list[str]]:
    import bm25s

    # bm25s' default pattern keeps word characters together, so "City_7" stays one token.
    return bm25s.tokenize(list(texts), stopwords="en", return_ids=False, show_progress=False)


class LexicalIndex:
    """An in-memory BM25 index over {id: text}; rebuilt from the store when the store changes."""

    def __init__(self, passages: dict[str, str]):
        import bm25s

        self.ids = list(passages)
        self.position = {i: n for n, i in enumerate(self.ids)}
        self.texts = [passages[i] for i in self.ids]
        self.bm25 = bm25s.BM25()
        if self.ids:
            self.bm25.index(_tokens(self.texts), show_progress=False)

    def query(self, questions: list[str], k: int) -> list[list[Hit]]:
        """Top-k passages per question by BM25 score; passages sharing no term are left out."""
        k = min(k, len(self.ids))
        out: list[list[Hit]] = []
        for tokens in _tokens(questions):
            known = [t for t in tokens if t in self.bm25.vocab_dict] if k else []
            if not known:
                out.append([])
                continue
            docs, scores = self.bm25.retrieve([known], k=k, show_progress=False, n_threads=1)
            out.append(
                [Hit(self.ids[int(d)], self.texts[int(d)], float(s)) for d, s in zip(docs[0], scores[0]) if s > 0]
            )
        return out

    def scores(self, questions: list[str], ids: list[list[str]]) -> list[list[float]]:
        """Each question's BM25 score for each of its given passages (0 for unknown ids)."""
        out = []
        for tokens, wanted in zip(_tokens(questions), ids):
            known = [t for t in tokens if t in self.bm25.vocab_dict] if self.ids else []
            every = self.bm25.get_scores(known) if known else None
            out.append(
                [float(every[self.position[i]]) if every is not None and i in self.position else 0.0 for i in wanted]
            )
        return out
