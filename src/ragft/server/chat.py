"""POST /v1/chat/completions: one request -> n sampled choices, as one JSON object or an SSE stream."""

from __future__ import annotations

import secrets
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field, replace

from ragft import __version__
from ragft.finetune.chat_format import template_kwargs, template_messages
from ragft.models.sampling import SamplingSettings, context_length, token_bytes
from ragft.server.decoding import Cancelled, Choice, generate, seeded, sse
from ragft.server.errors import bad_request
from ragft.server.registry import Registry
from ragft.server.schemas import ChatCompletionRequest
from ragft.server.structured import OutputFormat, ToolCallStream, output_format

DEFAULT_MAX_TOKENS = 512
FINGERPRINT = f"ragft-{__version__}"


@dataclass
class Prepared:
    loaded: object  # LoadedModel
    ids: list[int]
    settings: SamplingSettings
    n: int
    head: dict  # id, created, model, system_fingerprint
    output: OutputFormat = field(default_factory=OutputFormat)

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
    output = output_format(body)  # a 400 for a schema or tool that cannot be enforced, before any model loads
    loaded = registry.get(body.model)  # 404 for an unknown model
    messages = [m.as_api_message(f"messages.{i}") for i, m in enumerate(body.messages)]
    # tools and tool calls rendered as the trainer renders them, so a fine-tune is asked in the form it learnt
    ids = loaded.tokenizer.apply_chat_template(
        template_messages(loaded.tokenizer, with_instruction(messages, output.instruction), output.tools),
        add_generation_prompt=True,
        tokenize=True,
        return_dict=False,
        **template_kwargs(loaded.tokenizer, output.tools),
    )
    limit = context_length(loaded.model)
    check_window(limit, len(ids), "messages")
    settings = replace(sampling_settings(body, limit, len(ids), DEFAULT_MAX_TOKENS), grammar=output.grammar)
    return Prepared(loaded, ids, settings, body.n, head("chatcmpl", body.model), output)


def with_instruction(messages: list[dict], instruction: str | None) -> list[dict]:
    """A JSON reply format told to the model in the system message (after the caller's own, or as the first)."""
    if instruction is None:
        return messages
    if messages and messages[0]["role"] == "system":
        return [{**messages[0], "content": f"{messages[0]['content']}\n\n{instruction}"}, *messages[1:]]
    return [{"role": "system", "content": instruction}, *messages]


def message(p: Prepared, decoder) -> tuple[dict, str]:
    """A finished choice's message and finish_reason: text, or tool calls (finish_reason "tool_calls")."""
    content, calls = p.output.reply(decoder.text)
    found = {"role": "assistant", "content": content, "refusal": None}
    if calls:
        return {**found, "tool_calls": calls}, "tool_calls"
    return found, decoder.finish_reason


def usage(prompt: int, completion: int) -> dict:
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def complete(registry: Registry, p: Prepared, cancelled: Cancelled) -> dict | None:
    """Every choice decoded to the end, or None once the client has gone (checked at each step)."""
    done = generate(registry, p.loaded, p.choices(), cancelled)
    if cancelled():
        return None
    choices = []
    for i, s in sorted(done.items()):
        found, finish = message(p, s)
        scored = logprobs_object(p.loaded.tokenizer, s.logprobs) if p.settings.logprobs is not None else None
        choices.append({"index": i, "message": found, "logprobs": scored, "finish_reason": finish})
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
        held = {i: ToolCallStream() for i in range(p.n)} if p.output.calls else {}

        def on_delta(i: int, delta: str, decoder) -> None:
            if i in held and not (delta := held[i].passed(delta)):
                return
            put(chunk(i, {"content": delta}, decoder=decoder if asked else None))

        for i in range(p.n):
            put(chunk(i, {"role": "assistant", "content": ""}))
        done = generate(registry, p.loaded, p.choices(), cancelled, on_delta)
        if cancelled():
            return
        for i, s in sorted(done.items()):
            found, finish = message(p, s)
            for j, call in enumerate(found.get("tool_calls") or []):  # as the API streams a call: name, then arguments
                named = {"index": j, "id": call["id"], "type": "function"}
                put(
                    chunk(
                        i, {"tool_calls": [{**named, "function": {"name": call["function"]["name"], "arguments": ""}}]}
                    )
                )
                put(chunk(i, {"tool_calls": [{"index": j, "function": {"arguments": call["function"]["arguments"]}}]}))
            if not found.get("tool_calls") and i in held and held[i].held:  # held as a call, cut off: text after all
                put(chunk(i, {"content": held[i].held}))
            put(chunk(i, {}, finish, s if asked and s.has_unreported else None))
        if include_usage:
            completion = sum(s.completion_tokens for s in done.values())
            put({**p.head, "object": "chat.completion.chunk", "choices": [], "usage": usage(len(p.ids), completion)})

    return sse(registry.admission, produce, *p.places)
