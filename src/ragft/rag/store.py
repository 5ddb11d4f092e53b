"""The knowledge base: a Chroma collection of passages, embedded on disk or on a `chroma run` server.

Passage ids are content hashes, so indexing the same text twice adds nothing. Each passage
records its source (a file, or a conversation in a JSONL file); re-indexing a source replaces
its passages, so a changed fact replaces the old one instead of standing beside it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from ragft.errors import RagftError
from ragft.paths import check_writable_dir
from ragft.rag.embeddings import embed_array, embedding_function
from ragft.rag.hits import Hit

DEFAULT_COLLECTION = "knowledge"
COLLECTION_NAME = re.compile(r"^[a-zA-Z0-9._-]{3,512}$")


@dataclass(frozen=True)
class Passage:
    id: str
    text: str
    source: str | None


def check_collection_name(name: str) -> str:
    if not COLLECTION_NAME.match(name):
        raise RagftError(f"collection name {name!r} is invalid: use 3-512 characters from a-z A-Z 0-9 . _ -")
    return name


def chroma_client(db: Path | str | None = None, url: str | None = None):
    """A PersistentClient for a directory, or an HttpClient for http(s)://HOST:PORT."""
    import chromadb
    from chromadb.config import Settings

    settings = Settings(anonymized_telemetry=False)
    if url is None:
        return chromadb.PersistentClient(path=str(db), settings=settings)
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise RagftError(f"--chroma-url {url!r} is not an http(s)://HOST:PORT address")
    port = parsed.port or (443 if parsed.scheme == "https" else 8000)
    try:
        client = chromadb.HttpClient(host=parsed.hostname, port=port, ssl=parsed.scheme == "https", settings=settings)
        client.heartbeat()
    except Exception as e:  # connection refused, DNS, TLS: all mean "no server there"
        raise RagftError(f"cannot reach a Chroma server at {url}: {str(e).splitlines()[0][:200]}") from None
    return client


class KnowledgeBase:
    """Passages keyed by content id in one Chroma collection."""

    def __init__(self, db: Path | str | None = None, collection: str = DEFAULT_COLLECTION, url: str | None = None):
        check_collection_name(collection)
        if url is None and db is not None:
            check_writable_dir(Path(db), "knowledge base")
        self.location = url or str(db)
        self.name = collection
        self.client = chroma_client(db, url)
        self.collection = self.client.get_or_create_collection(collection, embedding_function=embedding_function())

    @classmethod
    def open_existing(
        cls, db: Path | str | None = None, collection: str = DEFAULT_COLLECTION, url: str | None = None
    ) -> KnowledgeBase:
        if url is None and not Path(db).is_dir():
            raise RagftError(f"no knowledge base at {db}: build one with `ragft index FILE --db {db}`")
        kb = cls(db, collection, url)
        if kb.count() == 0:
            raise RagftError(
                f"knowledge base {kb.location} (collection {collection!r}) is empty: run `ragft index` first"
            )
        return kb

    def count(self) -> int:
        return self.collection.count()

    def add(
        self, passages: dict[str, str], source: str | None = None, progress: Callable[[int], None] | None = None
    ) -> int:
        """Upsert passages {id: text}; returns how many were new."""
        ids = list(passages)
        before = self.count()
        step = self.client.get_max_batch_size()
        for start in range(0, len(ids), step):
            chunk = ids[start : start + step]
            metadatas = [{"source": source} for _ in chunk] if source else None
            self.collection.upsert(ids=chunk, documents=[passages[i] for i in chunk], metadatas=metadatas)
            if progress:
                progress(len(chunk))
        return self.count() - before

    def sync_source(
        self, source: str, passages: dict[str, str], progress: Callable[[int], None] | None = None
    ) -> tuple[int, int]:
        """Make `source`'s passages exactly `passages`: returns (added, removed)."""
        stale = [p.id for p in self.get(source=source) if p.id not in passages]
        removed = self.delete(stale)
        return self.add(passages, source, progress), removed

    def delete(self, ids: list[str]) -> int:
        before = self.count()
        step = self.client.get_max_batch_size()
        for start in range(0, len(ids), step):
            self.collection.delete(ids=ids[start : start + step])
        return before - self.count()

    def get(
        self, ids: list[str] | None = None, source: str | None = None, limit: int | None = None, offset: int = 0
    ) -> list[Passage]:
        found = self.collection.get(
            ids=ids,
            where={"source": source} if source else None,
            limit=limit,
            offset=offset or None,
            include=["documents", "metadatas"],
        )
        return [
            Passage(i, doc, (meta or {}).get("source"))
            for i, doc, meta in zip(found["ids"], found["documents"], found["metadatas"])
        ]

    def all_passages(self) -> dict[str, str]:
        out: dict[str, str] = {}
        step = self.client.get_max_batch_size()
        for offset in range(0, self.count(), step):
            out.update((p.id, p.text) for p in self.get(limit=step, offset=offset))
        return out

    def sources(self) -> Counter:
        step = self.client.get_max_batch_size()
        counts: Counter = Counter()
        for offset in range(0, self.count(), step):
            counts.update(p.source or "(none)" for p in self.get(limit=step, offset=offset))
        return counts

    def drop(self) -> None:
        self.client.delete_collection(self.name)

    def similarities(self, asked, ids: list[list[str]]) -> list[list[float]]:
        """Cosine similarity of each embedded question (rows of `asked`) with each of its given passages,
        from the stored embeddings."""
        import numpy as np

        wanted = sorted({i for row in ids for i in row})
        if not wanted:
            return [[] for _ in ids]
        found = self.collection.get(ids=wanted, include=["embeddings"])
        vectors = dict(zip(found["ids"], np.asarray(found["embeddings"], dtype=np.float32)))
        return [[float(vectors[i] @ q) if i in vectors else 0.0 for i in row] for q, row in zip(asked, ids)]

    def query(self, questions: list[str], k: int, embedded=None) -> list[list[Hit]]:
        """Dense top-k per question, nearest first; score = cosine similarity (embeddings are unit length).

        No count() first: at 100 000 passages each costs as much as the search (~6 ms); Chroma
        returns what it has when a collection holds fewer than k.
        """
        if not questions:
            return []
        embedded = embed_array(list(questions)) if embedded is None else embedded  # one embedding per question
        found = self.collection.query(
            query_embeddings=embedded, n_results=max(1, k), include=["documents", "distances"]
        )
        return [
            [Hit(i, doc, round(1.0 - float(dist) / 2.0, 6)) for i, doc, dist in zip(ids, docs, dists)]
            for ids, docs, dists in zip(found["ids"], found["documents"], found["distances"])
        ]
