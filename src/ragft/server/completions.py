"""POST /v1/completions: OpenAI's legacy text completion. Each prompt is continued as it is (no chat
template), `n` choices per prompt, as one JSON object or an SSE stream; `echo` puts the prompt first."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass

from ragft.models.sampling import SamplingSettings, context_length, token_bytes
from ragft.server.chat import check_window, head, sampling_settings, usage
from ragft.server.decoding import Cancelled, Choice, generate, seeded, sse
from ragft.server.errors import bad_request
from ragft.server.registry import Registry
from ragft.server.schemas import CompletionRequest


@dataclass
class PreparedText:
    loaded: object  # LoadedModel
    prompts: list[list[int]]  # token ids per prompt
    texts: list[str]  # each prompt as text (for echo)
    settings: list[SamplingSettings]  # per prompt: the window left differs
    n: int
    echo: bool
    head: dict

    def choices(self) -> Iterator[Choice]:
        """In OpenAI's order: prompt by prompt, n choices each."""
        for p, (ids, settings) in enumerate(zip(self.prompts, self.settings)):
            for j in range(self.n):
                yield p * self.n + j, ids, seeded(settings, j)

    @property
    def places(self) -> tuple[int, str]:
        """The generations it asks for (its places in the queue: prompts × n), and the parameter that sets them."""
        return len(self.prompts) * self.n, "prompt" if len(self.prompts) > 1 else "n"

    def prompt_text(self, index: int) -> str:
        """What `echo` puts before choice `index`: its prompt, or nothing."""
        return self.texts[index // self.n] if self.echo else ""

    def logprobs(self, index: int, scored: list, before: bytearray | None = None) -> dict | None:
        """The legacy `logprobs` of choice `index`'s tokens: each token, its log-probability, the likeliest tokens
        there and its character offset counted from the prompt's start (`before`: the bytes of the choice's tokens
        already reported, extended here)."""
        if self.settings[index // self.n].logprobs is None:
            return None
        tokenizer, before = self.loaded.tokenizer, bytearray() if before is None else before
        tokens, offsets = [], []
        for token_id, _, _ in scored:
            tokens.append(legacy_token(tokenizer, token_id))
            # whole characters so far: a token that starts inside a character is placed where that character starts
            offsets.append(len(self.texts[index // self.n]) + len(before.decode("utf-8", errors="ignore")))
            before += token_bytes(tokenizer, token_id)
        return {
            "tokens": tokens,
            "token_logprobs": [lp for _, lp, _ in scored],
            "top_logprobs": [{legacy_token(tokenizer, a): alp for a, alp in top} for _, _, top in scored],
            "text_offset": offsets,
        }


def legacy_token(tokenizer, token_id: int) -> str:
    """A token as the legacy API writes it: its text, or `bytes:\\x..` where it is part of a character."""
    raw = token_bytes(tokenizer, token_id)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return "bytes:" + "".join(f"\\x{b:02x}" for b in raw)


def prepare(registry: Registry, body: CompletionRequest) -> PreparedText:
    loaded = registry.get(body.model)  # 404 for an unknown model
    tokenizer, limit = loaded.tokenizer, context_length(loaded.model)
    prompts, texts = [], []
    for i, prompt in enumerate(body.prompts()):
        if isinstance(prompt, str):
            ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
        else:
            if any(not 0 <= t < len(tokenizer) for t in prompt):
                raise bad_request(
                    f"prompt {i}: token ids must be in 0..{len(tokenizer) - 1}, the model's vocabulary.", "prompt"
                )
            ids = list(prompt)
        if not ids:
            raise bad_request(f"prompt {i} is empty.", "prompt")
        check_window(limit, len(ids), "prompt")
        prompts.append(ids)
        texts.append(prompt if isinstance(prompt, str) else tokenizer.decode(ids))
    settings = [sampling_settings(body, limit, len(ids), 16) for ids in prompts]
    return PreparedText(loaded, prompts, texts, settings, body.n, body.echo, head("cmpl", body.model))


def complete(registry: Registry, p: PreparedText, cancelled: Cancelled) -> dict | None:
    """Every choice decoded to the end, or None once the client has gone."""
    done = generate(registry, p.loaded, p.choices(), cancelled)
    if cancelled():
        return None
    choices = [
        {
            "text": p.prompt_text(index) + s.text,
            "index": index,
            "logprobs": p.logprobs(index, s.logprobs),
            "finish_reason": s.finish_reason,
        }
        for index, s in sorted(done.items())
    ]
    return {
        **p.head,
        "object": "text_completion",
        "choices": choices,
        "usage": usage(sum(len(ids) for ids in p.prompts), sum(s.completion_tokens for s in done.values())),
    }


def stream(registry: Registry, p: PreparedText, include_usage: bool) -> AsyncIterator[str]:
    """SSE lines: text chunks per choice, a finish chunk each, [usage], then [DONE]."""

    reported: dict[int, bytearray] = {}  # the bytes of each choice's tokens whose logprobs were streamed

    def chunk(index: int, text: str, finish: str | None = None, decoder=None) -> dict:
        # a text chunk carries the logprobs of the tokens decoded since the last one (the finish chunk any held back)
        scored = p.logprobs(index, decoder.unreported(), reported.setdefault(index, bytearray())) if decoder else None
        return {
            **p.head,
            "object": "text_completion",
            "choices": [{"text": text, "index": index, "logprobs": scored, "finish_reason": finish}],
        }

    def produce(put: Callable[[dict], None], cancelled: Cancelled) -> None:
        choices = list(p.choices())
        if p.echo:
            for index, _, _ in choices:
                put(chunk(index, p.prompt_text(index)))
        asked = any(s.logprobs is not None for s in p.settings)
        done = generate(
            registry,
            p.loaded,
            choices,
            cancelled,
            lambda index, delta, decoder: put(chunk(index, delta, decoder=decoder if asked else None)),
        )
        if cancelled():
            return
        for index, s in sorted(done.items()):
            put(chunk(index, "", s.finish_reason, s if asked and s.has_unreported else None))
        if include_usage:
            put(
                {
                    **p.head,
                    "object": "text_completion",
                    "choices": [],
                    "usage": usage(sum(len(ids) for ids in p.prompts), sum(s.completion_tokens for s in done.values())),
                }
            )

    return sse(registry.admission, produce, *p.places)
