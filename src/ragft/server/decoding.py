"""Generation on the server's behalf: concurrent requests batched together (server/batcher.py), each
stopped within a decoding step when its client goes away (a dropped stream, or a plain request whose
caller hung up).

Chat and legacy completions share this: `run_cancellable` for a JSON answer, `sse` for a stream.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import AsyncIterator, Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import TypeVar

from ragft.models.sampling import Row, SamplingSettings, TextDecoder
from ragft.server.errors import APIError, error_body

T = TypeVar("T")
Cancelled = Callable[[], bool]
DISCONNECT_POLL_S = 0.1  # how often a waiting plain request checks that its client is still there
DEFAULT_MAX_QUEUE = 64
log = logging.getLogger("ragft.server")


Choice = tuple[int, list[int], SamplingSettings]  # (choice index, prompt token ids, its settings)


def seeded(settings: SamplingSettings, j: int) -> SamplingSettings:
    """Choice j of a request samples with seed + j: reproducible, and unlike its siblings."""
    return replace(settings, seed=None if settings.seed is None else settings.seed + j)


def generate(
    registry,
    loaded,
    choices: Iterable[Choice],
    cancelled: Cancelled,
    on_delta: Callable[[int, str, TextDecoder], None] | None = None,
) -> dict[int, TextDecoder]:
    """Every choice decoded, batched with other requests' (server/batcher.py); {choice index: its decoder,
    holding text, completion_tokens, finish_reason and logprobs}. Deltas go to `on_delta(index, text, decoder)` as
    they come. Returns early, rows unfinished, only when the client has gone (`cancelled()`)."""
    indexed = list(choices)
    rows = [Row(ids, settings, cancelled) for _, ids, settings in indexed]
    if on_delta:
        for (index, _, _), row in zip(indexed, rows):
            row.on_delta = lambda d, i=index, r=row: on_delta(i, d, r.decoder)
    if not cancelled():
        registry.batcher.run(loaded, rows)
    return {index: row.decoder for (index, _, _), row in zip(indexed, rows)}


class Admission:
    """At most `limit` generations (choices: a request's prompts × n) running or waiting for the lock; a request
    that would pass it is refused at once with a 429 (OpenAI's rate-limit error, which clients retry with backoff)
    instead of queueing without end, and one that asks for more than `limit` alone with a 400 (it never fits)."""

    def __init__(self, limit: int = DEFAULT_MAX_QUEUE):
        self.limit, self.active = limit, 0
        self._lock = threading.Lock()
        # A thread per admitted request: each waits on its batch, so asyncio's default pool (cores + 4
        # threads) would cap how many requests can be decoded together.
        self.executor = ThreadPoolExecutor(max_workers=limit, thread_name_prefix="ragft-request")

    def enter(self, places: int = 1, param: str | None = None) -> Callable[[], None]:
        """Take `places` (or raise the 429, or the 400 naming `param` where they can never fit); returns the call
        that gives them back, safe to call twice."""
        if places > self.limit:
            raise APIError(
                400,
                f"This request asks for {places} generations; the server runs at most {self.limit} at once "
                f"(--max-queue). Send fewer prompts or choices per request.",
                param=param,
                code="too_many_generations",
            )
        with self._lock:
            if self.active + places > self.limit:
                raise APIError(
                    429,
                    f"The server is busy: {self.active} generations are running or waiting, the limit "
                    f"(--max-queue) is {self.limit}. Retry shortly.",
                    type="requests",
                    code="rate_limit_exceeded",
                )
            self.active += places
        given_back = threading.Event()

        def leave() -> None:
            with self._lock:
                if not given_back.is_set():
                    given_back.set()
                    self.active -= places

        return leave


async def run_cancellable(
    request, admission: Admission, work: Callable[[Cancelled], T], places: int = 1, param: str | None = None
) -> T | None:
    """`work(cancelled)` on a worker thread; None if the client disconnected first (the work is told to stop,
    and frees the generation lock within one decoding step). Its places in the queue are held until it ends."""
    leave = admission.enter(places, param)
    gone = threading.Event()

    def held(cancelled: Cancelled) -> T:
        try:
            return work(cancelled)
        finally:
            leave()

    try:
        future = asyncio.get_running_loop().run_in_executor(admission.executor, held, gone.is_set)
    except BaseException:
        leave()
        raise
    while True:
        done, _ = await asyncio.wait({future}, timeout=DISCONNECT_POLL_S)
        if done:
            return future.result()
        if await request.is_disconnected():
            gone.set()
            return None


def sse(
    admission: Admission,
    produce: Callable[[Callable[[dict], None], Cancelled], None],
    places: int = 1,
    param: str | None = None,
) -> AsyncIterator[str]:
    """Server-sent events from `produce(put, cancelled)`, which runs on its own thread and puts each chunk.

    The queue place is taken now (a full queue is a 429 before any stream starts) and held until the
    thread ends. When the client goes away the server stops iterating; `cancelled` then turns true and
    decoding stops at its next step. Errors become an error chunk: an APIError as it is, anything else
    without internals.
    """
    return _sse(admission.enter(places, param), produce)


async def _sse(leave: Callable[[], None], produce) -> AsyncIterator[str]:
    loop = asyncio.get_running_loop()
    chunks: asyncio.Queue = asyncio.Queue()
    gone = threading.Event()

    def put(item: dict | None) -> None:
        try:
            loop.call_soon_threadsafe(chunks.put_nowait, item)
        except RuntimeError:  # the event loop is gone (server shutting down): nobody is listening
            gone.set()

    def run() -> None:
        try:
            produce(put, gone.is_set)
        except APIError as e:
            put(e.body())
        except Exception:  # noqa: BLE001 - the client gets an error chunk, the log the traceback
            log.exception("streaming generation failed")
            put(error_body("The server had an error while generating. Its log says more.", type="server_error"))
        finally:
            leave()
            put(None)

    threading.Thread(target=run, name="ragft-stream", daemon=True).start()
    try:
        while (item := await chunks.get()) is not None:
            yield f"data: {json.dumps(item)}\n\n"
        yield "data: [DONE]\n\n"
    finally:
        gone.set()
