"""Dynamic batching: the choices of concurrent requests to one model are decoded together, in one batch.

Requests hand their rows (models/sampling.py: prompt ids, sampling options, a cancel check, a delta
callback) to the batcher and wait. One worker thread takes every row waiting for the same model (up
to `max_batch`), decodes them as one batch under the registry's generation lock, and wakes their
requests. Rows that arrive while a batch runs go into the next one: dynamic batching, as Triton's
dynamic batcher does it, not continuous batching (a running batch takes no newcomers). On 2 CPU cores
one step of 50 rows costs little more than one of a single row: the weights are read once per step.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from dataclasses import dataclass, field

from ragft.models.sampling import Row, sample_batch

DEFAULT_MAX_BATCH = 64
log = logging.getLogger("ragft.server")


@dataclass
class _Work:
    loaded: object  # LoadedModel
    rows: list[Row]
    done: threading.Event = field(default_factory=threading.Event)
    error: BaseException | None = None


class Batcher:
    def __init__(self, lock: threading.Lock, max_batch: int = DEFAULT_MAX_BATCH):
        self.lock = lock  # the registry's generation lock: embeddings and batches take turns
        self.max_batch = max_batch
        self._waiting: deque[_Work] = deque()
        self._ready = threading.Condition()
        self._worker: threading.Thread | None = None
        self.batches: deque[int] = deque(maxlen=1000)  # rows per recent batch, for tests and logs
        self.pending_rows = 0  # rows submitted and not yet decoded

    def run(self, loaded, rows: list[Row]) -> None:
        """Decode these rows (in a batch with whatever else is waiting); returns when all have ended."""
        work = _Work(loaded, rows)
        with self._ready:
            self.pending_rows += len(rows)
            self._waiting.append(work)
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._serve, name="ragft-batcher", daemon=True)
                self._worker.start()
            self._ready.notify()
        work.done.wait()
        with self._ready:
            self.pending_rows -= len(rows)
        if work.error is not None:
            raise work.error

    def _take(self) -> list[_Work]:
        """The oldest waiting work and every other waiting work for the same model, up to max_batch rows."""
        with self._ready:
            while not self._waiting:
                self._ready.wait()
            first = self._waiting.popleft()
            taken, rows = [first], len(first.rows)
            for work in list(self._waiting):
                if work.loaded is first.loaded and rows + len(work.rows) <= self.max_batch:
                    self._waiting.remove(work)
                    taken.append(work)
                    rows += len(work.rows)
            return taken

    def _serve(self) -> None:
        while True:
            taken = self._take()
            try:
                rows = [row for work in taken for row in work.rows]
                with self.lock:
                    began = time.perf_counter()
                    sample_batch(taken[0].loaded.model, taken[0].loaded.tokenizer, rows)
                self.batches.append(len(rows))
                log.info("decoded %d rows of %d requests in %.2f s", len(rows), len(taken), time.perf_counter() - began)
            except BaseException as e:  # noqa: BLE001 - handed to every waiting request, which reports it
                log.exception("batched generation failed")
                for work in taken:
                    work.error = e
            finally:
                for work in taken:
                    work.done.set()
