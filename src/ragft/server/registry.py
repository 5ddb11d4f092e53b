"""Model ids the server answers to -> local models, loaded lazily once and kept in a small cache.

An id is an alias (the OpenAI names of the seeds, catalogue names, --model-alias), a fine-tuned id
`ft:<base>:ragft:<suffix>:<job-id>` of a succeeded job, or an embedding model name. Nothing else is
ever passed to the loader, so a request cannot make the server open an arbitrary path or hub id.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict

from ragft.errors import RagftError
from ragft.models.catalogue import CATALOGUE, DEFAULT_MODEL
from ragft.models.loading import classify_model, load_model
from ragft.server.batcher import DEFAULT_MAX_BATCH, Batcher
from ragft.server.decoding import DEFAULT_MAX_QUEUE, Admission
from ragft.server.errors import model_not_found
from ragft.server.storage import Store

SEED_MODELS = ("gpt-3.5-turbo", "gpt-3.5-turbo-1106", "gpt-4o-mini", "gpt-4o-mini-2024-07-18")
EMBEDDING_MODELS = ("all-minilm-l6-v2", "text-embedding-ada-002", "text-embedding-3-small")
STARTED = int(time.time())


def parse_aliases(pairs: list[str] | None) -> dict[str, str]:
    """NAME=MODEL pairs; MODEL is anything --model takes, checked now (cheaply) rather than at first use."""
    out = {}
    for pair in pairs or []:
        name, sep, model = pair.partition("=")
        name, model = name.strip(), model.strip()
        if not sep or not name or not model:
            raise RagftError(f"--model-alias {pair!r}: expected NAME=MODEL")
        if name.startswith("ft:") or name in EMBEDDING_MODELS:
            raise RagftError(f"--model-alias {pair!r}: {name!r} is a reserved model id")
        classify_model(model)
        out[name] = model
    return out


def default_aliases() -> dict[str, str]:
    return {**{name: name for name in CATALOGUE}, **{name: DEFAULT_MODEL for name in SEED_MODELS}}


class Registry:
    def __init__(
        self,
        store: Store,
        aliases: dict[str, str] | None = None,
        device: str = "auto",
        cache_size: int = 2,
        max_queue: int = DEFAULT_MAX_QUEUE,
        max_batch: int = DEFAULT_MAX_BATCH,
    ):
        self.store = store
        self.aliases = {**default_aliases(), **(aliases or {})}
        self.device = device
        self.cache_size = cache_size
        self._cache: OrderedDict[str, object] = OrderedDict()
        self._load_lock = threading.Lock()
        self.generate_lock = threading.Lock()  # one batch (or embedding) at a time: 2 CPU cores gain nothing from more
        self.admission = Admission(max_queue)  # how many may wait for it (server/decoding.py)
        self.batcher = Batcher(self.generate_lock, max_batch)  # concurrent chats decoded together

    def _finetuned(self, model_id: str) -> dict | None:
        job = self.store.get_job(model_id.rsplit(":", 1)[-1]) if model_id.startswith("ft:") else None
        if job and job["status"] == "succeeded" and job.get("fine_tuned_model") == model_id:
            return job
        return None

    def resolve(self, model_id: str) -> str:
        """The local --model value behind a chat model id; 404 (OpenAI's shape) for anything else."""
        if model_id in self.aliases:
            return self.aliases[model_id]
        job = self._finetuned(model_id)
        if job is None:
            raise model_not_found(model_id)
        return str(self.store.model_dir(job["id"]))

    def base_name(self, model_id: str) -> str:
        """The <base> part of a fine-tuned id made from model_id (a fine-tuned model keeps its base's)."""
        return model_id.split(":")[1] if self._finetuned(model_id) else model_id

    def model_object(self, model_id: str) -> dict:
        if model_id in EMBEDDING_MODELS:
            return {"id": model_id, "object": "model", "created": STARTED, "owned_by": "ragft"}
        self.resolve(model_id)
        job = self._finetuned(model_id)
        if job:
            return {
                "id": model_id,
                "object": "model",
                "created": job.get("finished_at") or job["created_at"],
                "owned_by": "user",
            }
        return {"id": model_id, "object": "model", "created": STARTED, "owned_by": "ragft"}

    def list_models(self) -> list[dict]:
        finetuned = [
            j["fine_tuned_model"]
            for j in reversed(self.store.list_jobs())
            if j["status"] == "succeeded" and j.get("fine_tuned_model")
        ]
        return [self.model_object(m) for m in [*self.aliases, *EMBEDDING_MODELS, *finetuned]]

    def get(self, model_id: str):
        """The LoadedModel for a chat model id (aliases of one model share one copy)."""
        local = self.resolve(model_id)
        with self._load_lock:
            if local in self._cache:
                self._cache.move_to_end(local)
                return self._cache[local]
            loaded = load_model(local, self.device)
            self._cache[local] = loaded
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
            return loaded
