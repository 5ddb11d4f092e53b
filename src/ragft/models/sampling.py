"""Sampled, streamable chat generation for one conversation (the server's decoding).

The experiment's batched greedy path lives in generation.py; this is the per-request path with
what the OpenAI API offers: temperature (0 = greedy), top_p, a seed, stop strings, and text
deltas as tokens arrive. A plain decoding loop over the KV cache, so streaming needs no thread.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

Messages = list[dict]


@dataclass(frozen=True)
class SamplingSettings:
    max_new_tokens: int = 256
    temperature: float = 1.0  # 0: greedy
    top_p: float = 1.0
    stop: tuple[str, ...] = ()
    seed: int | None = None  # None: a fresh random seed


def prompt_ids(tokenizer, messages: Messages) -> list[int]:
    return tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=True, return_dict=False)


def context_length(model) -> int | None:
    return getattr(model.config, "max_position_embeddings", None)


def _eos_ids(model, tokenizer) -> set[int]:
    ids = {tokenizer.eos_token_id}
    configured = getattr(getattr(model, "generation_config", None), "eos_token_id", None)
    ids.update(configured if isinstance(configured, list) else [configured])
    return {i for i in ids if i is not None}


def _pick(logits, settings: SamplingSettings, generator) -> int:
    import torch

    if settings.temperature <= 0:
        return int(torch.argmax(logits))
    probs = torch.softmax(logits / settings.temperature, dim=-1)
    if settings.top_p < 1.0:
        sorted_probs, order = probs.sort(descending=True)
        keep = (sorted_probs.cumsum(0) - sorted_probs) < settings.top_p  # the smallest set reaching top_p
        choice = torch.multinomial(sorted_probs * keep, 1, generator=generator)
        return int(order[choice])
    return int(torch.multinomial(probs, 1, generator=generator))


def _tokens(model, ids: list[int], settings: SamplingSettings) -> Iterator[int]:
    """Next tokens, one model step each, reusing the KV cache."""
    import torch

    generator = torch.Generator()
    if settings.seed is None:
        generator.seed()
    else:
        generator.manual_seed(settings.seed)
    device = next(model.parameters()).device
    step = torch.tensor([ids], device=device)
    past = None
    with torch.inference_mode():
        for _ in range(settings.max_new_tokens):
            out = model(input_ids=step, past_key_values=past, use_cache=True)
            past = out.past_key_values
            token = _pick(out.logits[0, -1].float().cpu(), settings, generator)
            yield token
            step = torch.tensor([[token]], device=device)


def _held_back(text: str, stops: tuple[str, ...]) -> int:
    """How many trailing characters might still become a stop string or a multi-byte character."""
    hold = len(text) - len(text.rstrip("\ufffd"))
    for stop in stops:
        for k in range(min(len(stop) - 1, len(text)), 0, -1):
            if text.endswith(stop[:k]):
                hold = max(hold, k)
                break
    return hold


class SampleStream:
    """Iterate for text deltas; afterwards `text`, `completion_tokens` and `finish_reason` are set."""

    def __init__(self, model, tokenizer, ids: list[int], settings: SamplingSettings,
                 cancelled: Callable[[], bool] | None = None):
        self.model, self.tokenizer, self.ids, self.settings = model, tokenizer, ids, settings
        self.cancelled = cancelled or (lambda: False)
        self.text = ""
        self.completion_tokens = 0
        self.finish_reason = "length"

    def __iter__(self) -> Iterator[str]:
        eos = _eos_ids(self.model, self.tokenizer)
        stops = tuple(s for s in self.settings.stop if s)
        generated: list[int] = []
        text, emitted = "", 0
        for token in _tokens(self.model, self.ids, self.settings):
            self.completion_tokens += 1
            if token in eos or self.cancelled():
                self.finish_reason = "stop"
                break
            generated.append(token)
            text = self.tokenizer.decode(generated, skip_special_tokens=True)
            hits = [i for i in (text.find(s, max(0, emitted - len(s))) for s in stops) if i >= 0]
            if hits:
                text = text[:min(hits)]
                self.finish_reason = "stop"
                break
            safe = len(text) - _held_back(text, stops)
            if safe > emitted:
                yield text[emitted:safe]
                emitted = safe
        if len(text) > emitted:
            yield text[emitted:]
        self.text = text

    def to_end(self) -> SampleStream:
        """Decode the rest without streaming it; `text`, `completion_tokens` and `finish_reason` are then set."""
        for _ in self:
            pass
        return self
