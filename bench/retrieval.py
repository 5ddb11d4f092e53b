"""Retrieval latency (embed the question + nearest-neighbour search) at 100, 10 000 and 100 000 passages.

Steady state: 50 warm-up queries first, then each timed query is a random seed-style question.

The 100-passage store is the seed's knowledge base, built through ragft's KnowledgeBase like a run.
For the large stores, embedding 100 000 passages with MiniLM would take minutes on 2 cores and says
nothing about query time, so they hold the seed-style passages with vectors made from up to 2 000
real embeddings plus small noise (normalised); queries are real questions embedded by MiniLM.
"""

from __future__ import annotations

import random
import time
from pathlib import Path

REAL = 2_000  # passages embedded for real in the large stores
WARM_UP = 50  # queries before timing: the first ones page the HNSW index in (up to ~200 ms once)


def _percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def latency(sizes: list[int], queries: int, workdir: str, k: int = 5) -> dict:
    import numpy as np

    from ragft.data.cities import city_conversations
    from ragft.data.questions import passages, qa_items
    from ragft.rag.embeddings import embed
    from ragft.rag.store import KnowledgeBase

    rng = random.Random(0)
    out = {}
    for size in sizes:
        conversations = city_conversations(size, 42)
        docs = passages(conversations)
        began = time.perf_counter()
        kb = KnowledgeBase(Path(workdir) / f"kb{size}", "bench")
        if size <= REAL:
            kb.add(docs)
        else:
            ids, texts = list(docs), list(docs.values())
            real = np.asarray(embed(texts[:REAL]), dtype=np.float32)
            noise = np.random.default_rng(0)
            step = kb.client.get_max_batch_size()
            for start in range(0, size, step):
                rows = np.arange(start, min(size, start + step))
                vectors = real[rows % REAL] + noise.normal(0, 0.05, (len(rows), real.shape[1])).astype(np.float32)
                vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
                kb.collection.upsert(ids=[ids[i] for i in rows], embeddings=vectors, documents=[texts[i] for i in rows])
        build = time.perf_counter() - began
        questions = [i.question for i in qa_items(conversations)]
        for _ in range(WARM_UP):  # the embedding model loaded, the index paged in: steady-state latency
            kb.query([questions[rng.randrange(len(questions))]], k)
        times = []
        for _ in range(queries):
            q = questions[rng.randrange(len(questions))]
            began = time.perf_counter()
            kb.query([q], k)
            times.append((time.perf_counter() - began) * 1000)
        out[str(size)] = {
            "passages": kb.count(),
            "build_s": round(build, 2),
            "queries": queries,
            "p50_ms": round(_percentile(times, 0.5), 2),
            "p99_ms": round(_percentile(times, 0.99), 2),
        }
    return out
