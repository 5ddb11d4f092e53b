"""The knowledge base: a Chroma collection of passages (embedded on disk, or a `chroma run` server)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ragft.errors import RagftError

DEFAULT_COLLECTION = "knowledge"
COLLECTION_NAME = re.compile(r"^[a-zA-Z0-9._-]{3,512}$")


@dataclass(frozen=True)
class Hit:
    id: str
    text: str
    distance: float


def check_collection_name(name: str) -> str:
    if not COLLECTION_NAME.match(name):
        raise RagftError(f"collection name {name!r} is invalid: use 3-512 characters from a-z A-Z 0-9 . _ -")
    return name


class KnowledgeBase:
    """Passages keyed by content id; `add` upserts, so indexing the same passage twice adds nothing."""

    def __init__(self, db: Path | str, collection: str = DEFAULT_COLLECTION):
        import chromadb
        from chromadb.config import Settings

        from ragft.rag.embeddings import embedding_function

        check_collection_name(collection)
        self.location = str(db)
        self.client = chromadb.PersistentClient(path=str(db), settings=Settings(anonymized_telemetry=False))
        self.collection = self.client.get_or_create_collection(collection, embedding_function=embedding_function())

    @classmethod
    def open_existing(cls, db: Path | str, collection: str = DEFAULT_COLLECTION) -> KnowledgeBase:
        if not Path(db).is_dir():
            raise RagftError(f"no knowledge base at {db}: build one with `ragft index FILE --db {db}`")
        kb = cls(db, collection)
        if kb.count() == 0:
            raise RagftError(f"knowledge base {db} (collection {collection!r}) is empty: run `ragft index` first")
        return kb

    def count(self) -> int:
        return self.collection.count()

    def add(self, passages: dict[str, str], progress: Callable[[int], None] | None = None) -> int:
        """Upsert passages {id: text}; returns how many were new."""
        ids = list(passages)
        before = self.count()
        step = self.client.get_max_batch_size()
        for start in range(0, len(ids), step):
            chunk = ids[start:start + step]
            self.collection.upsert(ids=chunk, documents=[passages[i] for i in chunk])
            if progress:
                progress(len(chunk))
        return self.count() - before

    def query(self, questions: list[str], k: int) -> list[list[Hit]]:
        """Top-k passages per question, nearest first."""
        if not questions:
            return []
        k = max(1, min(k, self.count()))
        found = self.collection.query(query_texts=list(questions), n_results=k,
                                      include=["documents", "distances"])
        return [
            [Hit(i, doc, float(dist)) for i, doc, dist in zip(ids, docs, dists)]
            for ids, docs, dists in zip(found["ids"], found["documents"], found["distances"])
        ]
