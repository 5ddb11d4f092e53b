"""POST /v1/chat/completions: one request -> n sampled choices, as one JSON object or an SSE stream."""

from __future__ import annotations

import json
import queue
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace

from ragft import __version__
from ragft.models.sampling import SampleStream, SamplingSettings, context_length, prompt_ids, sample
from ragft.server.errors import APIError, bad_request, error_body
from ragft.server.registry import Registry
from ragft.server.schemas import ChatCompletionRequest

DEFAULT_MAX_TOKENS = 512
FINGERPRINT = f"ragft-{__version__}"


@dataclass
class Prepared:
    loaded: object  # LoadedModel
    ids: list[int]
    settings: SamplingSettings
    n: int
    head: dict  # id, created, model, system_fingerprint

    def choice_settings(self, index: int) -> SamplingSettings:
        seed = self.settings.seed
        return replace(self.settings, seed=None if seed is None else seed + index)


def prepare(registry: Registry, body: ChatCompletionRequest) -> Prepared:
    loaded = registry.get(body.model)  # 404 for an unknown model
    messages = [m.as_template_message() for m in body.messages]
    ids = prompt_ids(loaded.tokenizer, messages)
    limit = context_length(loaded.model)
    if limit and len(ids) >= limit:
        raise bad_request(f"This model's maximum context length is {limit} tokens. However, your messages "
                          f"resulted in {len(ids)} tokens.", "messages", "context_length_exceeded")
    wanted = body.max_completion_tokens or body.max_tokens or DEFAULT_MAX_TOKENS
    settings = SamplingSettings(max_new_tokens=min(wanted, limit - len(ids)) if limit else wanted,
                                temperature=1.0 if body.temperature is None else body.temperature,
                                top_p=1.0 if body.top_p is None else body.top_p, stop=body.stops(), seed=body.seed)
    head = {"id": f"chatcmpl-{secrets.token_hex(12)}", "created": int(time.time()), "model": body.model,
            "system_fingerprint": FINGERPRINT}
    return Prepared(loaded, ids, settings, body.n, head)


def _usage(prompt: int, completion: int) -> dict:
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def complete(registry: Registry, p: Prepared) -> dict:
    with registry.generate_lock:
        done = [sample(p.loaded.model, p.loaded.tokenizer, p.ids, p.choice_settings(i)) for i in range(p.n)]
    choices = [{"index": i, "message": {"role": "assistant", "content": s.text, "refusal": None},
                "logprobs": None, "finish_reason": s.finish_reason} for i, s in enumerate(done)]
    return {**p.head, "object": "chat.completion", "choices": choices,
            "usage": _usage(len(p.ids), sum(s.completion_tokens for s in done))}


def stream(registry: Registry, p: Prepared, include_usage: bool) -> Iterator[str]:
    """SSE lines: a role chunk, content chunks, a finish chunk per choice, [usage], then [DONE].

    Decoding runs on its own thread (holding the generation lock) and hands chunks over a queue,
    so a client that goes away only stops it; it never leaves the lock held.
    """
    chunks: queue.Queue = queue.Queue()
    gone = threading.Event()

    def chunk(index: int, delta: dict, finish: str | None = None) -> dict:
        return {**p.head, "object": "chat.completion.chunk",
                "choices": [{"index": index, "delta": delta, "logprobs": None, "finish_reason": finish}]}

    def produce() -> None:
        try:
            completion = 0
            with registry.generate_lock:
                for i in range(p.n):
                    chunks.put(chunk(i, {"role": "assistant", "content": ""}))
                    s = SampleStream(p.loaded.model, p.loaded.tokenizer, p.ids, p.choice_settings(i), gone.is_set)
                    for delta in s:
                        chunks.put(chunk(i, {"content": delta}))
                    chunks.put(chunk(i, {}, s.finish_reason))
                    completion += s.completion_tokens
            if include_usage:
                chunks.put({**p.head, "object": "chat.completion.chunk", "choices": [],
                            "usage": _usage(len(p.ids), completion)})
        except APIError as e:
            chunks.put(e.body())
        except Exception as e:  # noqa: BLE001 - reported to the client inside the stream
            chunks.put(error_body(f"{type(e).__name__}: {e}", type="server_error"))
        finally:
            chunks.put(None)

    threading.Thread(target=produce, name="ragft-stream", daemon=True).start()
    try:
        while (item := chunks.get()) is not None:
            yield f"data: {json.dumps(item)}\n\n"
        yield "data: [DONE]\n\n"
    finally:
        gone.set()
