"""POST /v1/chat/completions: one request -> n sampled choices, as one JSON object or an SSE stream."""

from __future__ import annotations

import secrets
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass

from ragft import __version__
from ragft.models.sampling import SamplingSettings, context_length, prompt_ids, token_bytes
from ragft.server.decoding import Cancelled, Choice, generate, seeded, sse
from ragft.server.errors import bad_request
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

    def choices(self) -> Iterator[Choice]:
        return ((i, self.ids, seeded(self.settings, i)) for i in range(self.n))

    @property
    def places(self) -> tuple[int, str]:
        """The generations it asks for (its places in the queue), and the parameter that sets them."""
        return self.n, "n"


def sampling_settings(body, limit: int | None, prompt_tokens: int, default_max: int) -> SamplingSettings:
    """The request's decoding options; the length limit is cut to what the model's window leaves."""
    wanted = getattr(body, "max_completion_tokens", None) or body.max_tokens or default_max
    return SamplingSettings(
        max_new_tokens=min(wanted, limit - prompt_tokens) if limit else wanted,
        temperature=1.0 if body.temperature is None else body.temperature,
        top_p=1.0 if body.top_p is None else body.top_p,
        stop=body.stops(),
        seed=body.seed,
        logprobs=body.alternatives(),
    )


def check_window(limit: int | None, tokens: int, param: str) -> None:
    if limit and tokens >= limit:
        raise bad_request(
            f"This model's maximum context length is {limit} tokens. However, your {param} "
            f"resulted in {tokens} tokens.",
            param,
            "context_length_exceeded",
        )


def head(kind: str, model: str) -> dict:
    return {
        "id": f"{kind}-{secrets.token_hex(12)}",
        "created": int(time.time()),
        "model": model,
        "system_fingerprint": FINGERPRINT,
    }


def prepare(registry: Registry, body: ChatCompletionRequest) -> Prepared:
    loaded = registry.get(body.model)  # 404 for an unknown model
    messages = [m.as_template_message() for m in body.messages]
    ids = prompt_ids(loaded.tokenizer, messages)
    limit = context_length(loaded.model)
    check_window(limit, len(ids), "messages")
    return Prepared(
        loaded, ids, sampling_settings(body, limit, len(ids), DEFAULT_MAX_TOKENS), body.n, head("chatcmpl", body.model)
    )


def usage(prompt: int, completion: int) -> dict:
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def complete(registry: Registry, p: Prepared, cancelled: Cancelled) -> dict | None:
    """Every choice decoded to the end, or None once the client has gone (checked at each step)."""
    done = generate(registry, p.loaded, p.choices(), cancelled)
    if cancelled():
        return None
    choices = [
        {
            "index": i,
            "message": {"role": "assistant", "content": s.text, "refusal": None},
            "logprobs": logprobs_object(p.loaded.tokenizer, s.logprobs) if p.settings.logprobs is not None else None,
            "finish_reason": s.finish_reason,
        }
        for i, s in sorted(done.items())
    ]
    return {
        **p.head,
        "object": "chat.completion",
        "choices": choices,
        "usage": usage(len(p.ids), sum(s.completion_tokens for s in done.values())),
    }


def logprobs_object(tokenizer, scored: list) -> dict:
    """A choice's `logprobs` as the API gives it: per generated token its text, log-probability, UTF-8 bytes and the
    likeliest tokens at that position."""

    def token(token_id: int, logprob: float) -> dict:
        raw = token_bytes(tokenizer, token_id)
        return {"token": raw.decode("utf-8", errors="replace"), "logprob": logprob, "bytes": list(raw)}

    return {
        "content": [{**token(t, lp), "top_logprobs": [token(a, alp) for a, alp in top]} for t, lp, top in scored],
        "refusal": None,
    }


def stream(registry: Registry, p: Prepared, include_usage: bool) -> AsyncIterator[str]:
    """SSE lines: a role chunk per choice, content chunks (choices interleaved as they are decoded
    together), a finish chunk per choice, [usage], then [DONE]."""

    def chunk(index: int, delta: dict, finish: str | None = None, decoder=None) -> dict:
        # a delta carries the logprobs of the tokens decoded since the last one (the finish chunk any held back)
        scored = logprobs_object(p.loaded.tokenizer, decoder.unreported()) if decoder else None
        return {
            **p.head,
            "object": "chat.completion.chunk",
            "choices": [{"index": index, "delta": delta, "logprobs": scored, "finish_reason": finish}],
        }

    asked = p.settings.logprobs is not None

    def produce(put: Callable[[dict], None], cancelled: Cancelled) -> None:
        for i in range(p.n):
            put(chunk(i, {"role": "assistant", "content": ""}))
        done = generate(
            registry,
            p.loaded,
            p.choices(),
            cancelled,
            lambda i, delta, decoder: put(chunk(i, {"content": delta}, decoder=decoder if asked else None)),
        )
        if cancelled():
            return
        for i, s in sorted(done.items()):
            put(chunk(i, {}, s.finish_reason, s if asked and s.has_unreported else None))
        if include_usage:
            completion = sum(s.completion_tokens for s in done.values())
            put({**p.head, "object": "chat.completion.chunk", "choices": [], "usage": usage(len(p.ids), completion)})

    return sse(registry.admission, produce, *p.places)
