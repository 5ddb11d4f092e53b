"""Sampled, streamable generation (the server's decoding): what the OpenAI API offers — temperature
(0 = greedy), top_p, a seed, stop strings, text deltas as tokens arrive — on the batched decoding path of
generation.py, so concurrent requests are decoded together (server/batcher.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from ragft.models.generation import forward_cached, prefill_batch, prefill_prefix
from ragft.models.grammar import Constraint


@dataclass(frozen=True)
class SamplingSettings:
    max_new_tokens: int = 256
    temperature: float = 1.0  # 0: greedy
    top_p: float = 1.0
    stop: tuple[str, ...] = ()
    seed: int | None = None  # None: a fresh random seed
    logprobs: int | None = None  # None: none; k: each generated token's log-probability and the k likeliest
    grammar: str | None = None  # models/grammar.py's: only tokens that keep the output valid may be picked


@cache
def _byte_of_symbol() -> dict[str, int]:
    """Byte-level BPE's alphabet, symbol -> the byte it stands for (GPT-2's table, as transformers builds it)."""
    from transformers.convert_slow_tokenizer import bytes_to_unicode

    return {symbol: byte for byte, symbol in bytes_to_unicode().items()}


def token_bytes(tokenizer, token_id: int) -> bytes:
    """The bytes one token stands for: exact for byte-level BPE (a token may hold part of a character), else its
    decoded text's UTF-8."""
    symbols = tokenizer.convert_ids_to_tokens(token_id)
    table = _byte_of_symbol()
    decoder = getattr(getattr(tokenizer, "backend_tokenizer", None), "decoder", None)
    if type(decoder).__name__ == "ByteLevel" and isinstance(symbols, str) and all(c in table for c in symbols):
        return bytes(table[c] for c in symbols)
    return tokenizer.decode([token_id]).encode("utf-8")


def context_length(model) -> int | None:
    return getattr(model.config, "max_position_embeddings", None)


def _eos_ids(model, tokenizer) -> set[int]:
    ids = {tokenizer.eos_token_id}
    configured = getattr(getattr(model, "generation_config", None), "eos_token_id", None)
    ids.update(configured if isinstance(configured, list) else [configured])
    return {i for i in ids if i is not None}


def _pick(logits, settings: SamplingSettings, generator) -> int:
    import torch

    # a temperature below the logits' smallest normal number is 0 in their dtype: greedy, as 0 is
    if settings.temperature < torch.finfo(logits.dtype).tiny:
        return int(torch.argmax(logits))
    # shifted by the top logit first, so a tiny temperature sends the others to -inf, not all to +-inf (NaN)
    probs = torch.softmax((logits - logits.max()) / settings.temperature, dim=-1)
    if settings.top_p < 1.0:
        sorted_probs, order = probs.sort(descending=True)
        keep = (sorted_probs.cumsum(0) - sorted_probs) < settings.top_p  # the smallest set reaching top_p
        choice = torch.multinomial(sorted_probs * keep, 1, generator=generator)
        return int(order[choice])
    return int(torch.multinomial(probs, 1, generator=generator))


def _scored(logits, token: int, top: int | None) -> tuple[float, list[tuple[int, float]]] | None:
    """The token's log-probability under the model (before temperature and top_p, as the API reports it) and the
    `top` likeliest tokens'; None where none was asked for."""
    import torch

    if top is None:
        return None
    logprobs = torch.log_softmax(logits.float(), dim=-1)
    best = logprobs.topk(top) if top else None
    alternatives = list(zip(best.indices.tolist(), best.values.tolist())) if best is not None else []
    return float(logprobs[token]), alternatives


def _held_back(text: str, stops: tuple[str, ...]) -> int:
    """How many trailing characters might still become a stop string or a multi-byte character."""
    hold = len(text) - len(text.rstrip("\ufffd"))
    for stop in stops:
        for k in range(min(len(stop) - 1, len(text)), 0, -1):
            if text.endswith(stop[:k]):
                hold = max(hold, k)
                break
    return hold


class TextDecoder:
    """One sequence's tokens -> text deltas. Holds back what may still become a stop string or a multi-byte
    character; afterwards `text`, `completion_tokens` and `finish_reason` ("stop" or "length") are set."""

    def __init__(self, tokenizer, eos: set[int], settings: SamplingSettings):
        self.tokenizer, self.eos, self.settings = tokenizer, eos, settings
        self.stops = tuple(s for s in settings.stop if s)
        self.generated: list[int] = []
        self.text, self.emitted = "", 0
        self.completion_tokens = 0
        self.finish_reason: str | None = None  # None: still decoding
        # (token, its log-probability, [(token, log-probability)] of the likeliest), where settings.logprobs asks
        self.logprobs: list[tuple[int, float, list[tuple[int, float]]]] = []
        self.reported = 0  # logprobs already sent with a streamed delta

    def feed(self, token: int, scored: tuple[float, list[tuple[int, float]]] | None = None) -> str:
        """The text this token completes ("" if none yet); sets `finish_reason` when the sequence ends.
        `scored`: the token's log-probability and the likeliest alternatives (kept unless it ends the sequence)."""
        self.completion_tokens += 1
        if token in self.eos:
            return self.close("stop")
        if scored is not None:
            self.logprobs.append((token, *scored))
        self.generated.append(token)
        text = self.tokenizer.decode(self.generated, skip_special_tokens=True)
        hits = [i for i in (text.find(s, max(0, self.emitted - len(s))) for s in self.stops) if i >= 0]
        if hits:
            self.text = text[: min(hits)]
            return self.close("stop")
        self.text = text
        if self.completion_tokens >= self.settings.max_new_tokens:
            return self.close("length")
        safe = len(text) - _held_back(text, self.stops)
        delta, self.emitted = text[self.emitted : max(safe, self.emitted)], max(safe, self.emitted)
        return delta

    @property
    def has_unreported(self) -> bool:
        return self.reported < len(self.logprobs)

    def unreported(self) -> list[tuple[int, float, list[tuple[int, float]]]]:
        """The logprobs not yet sent with a streamed delta (and from now on counted as sent)."""
        fresh, self.reported = self.logprobs[self.reported :], len(self.logprobs)
        return fresh

    def close(self, reason: str) -> str:
        """End the sequence; the text not yet emitted."""
        self.finish_reason = reason
        delta, self.emitted = self.text[self.emitted :], len(self.text)
        return delta


@dataclass
class Row:
    """One sequence of a sampled batch: its prompt, options, and who hears its text."""

    ids: list[int]
    settings: SamplingSettings
    cancelled: Callable[[], bool] = lambda: False
    on_delta: Callable[[str], None] = lambda delta: None
    decoder: TextDecoder | None = None  # set by sample_batch: the result


def _generator(settings: SamplingSettings):
    import torch

    generator = torch.Generator()
    if settings.seed is None:
        generator.seed()
    else:
        generator.manual_seed(settings.seed)
    return generator


def sample_batch(model, tokenizer, rows: list[Row]) -> None:
    """Decode every row in one batch (models/generation.py's batched path: the shared prompt prefix run once,
    a row leaving the KV cache when it ends), each row with its own sampling options and random generator.

    A row ends at end-of-sequence, a stop string, its token limit, or when `cancelled()` turns true (checked
    every step: a client that left costs at most one more step). Deltas go to `on_delta` as they come.
    """
    import torch

    if not rows:
        return
    eos = _eos_ids(model, tokenizer)
    device = next(model.parameters()).device
    for row in rows:
        row.decoder = TextDecoder(tokenizer, eos, row.settings)
    generators = [_generator(r.settings) for r in rows]
    constraints = [Constraint.start(tokenizer, r.settings.grammar) if r.settings.grammar else None for r in rows]
    prompts = [r.ids for r in rows]
    with torch.inference_mode():
        shared, prefix = prefill_prefix(model, prompts, device)
        room = min(max(r.settings.max_new_tokens for r in rows), 256)  # buffers grow past this if they must
        out, cache, mask, positions = prefill_batch(model, prompts, shared, prefix, device, room=room)
        last = positions[:, -1]
        alive = list(range(len(rows)))  # batch row -> index into rows
        while True:
            logits = out.logits[:, -1].float()
            # logprobs are the model's own, before a grammar masks what it may pick
            scoring = (
                logits.clone()
                if any(constraints[i] and rows[i].settings.logprobs is not None for i in alive)
                else logits
            )
            for b, i in enumerate(alive):
                if constraints[i] is not None:
                    constraints[i].mask(logits[b])
            greedy = logits.argmax(-1).tolist()
            tokens = []
            for b, i in enumerate(alive):
                row = rows[i]
                if row.cancelled():
                    row.decoder.close("stop")
                    tokens.append(None)
                    continue
                c = constraints[i]
                token = c.forced_token(row.settings.max_new_tokens - row.decoder.completion_tokens) if c else None
                if token is None:
                    sampled = row.settings.temperature > 0
                    token = _pick(logits[b].cpu(), row.settings, generators[i]) if sampled else greedy[b]
                if c is not None and token not in eos:
                    c.consume(token)
                delta = row.decoder.feed(token, _scored(scoring[b], token, row.settings.logprobs))
                if c is not None and c.forced and row.decoder.finish_reason == "stop":
                    row.decoder.finish_reason = "length"  # the budget closed it, not the model
                if delta:
                    row.on_delta(delta)
                tokens.append(None if row.decoder.finish_reason else token)
            keep = [b for b, t in enumerate(tokens) if t is not None]
            if not keep:
                return
            if len(keep) < len(alive):
                index = torch.tensor(keep, device=device)
                cache.batch_select_indices(index)
                mask, last = mask[index], last[index]
                alive = [alive[b] for b in keep]
            step = torch.tensor([[tokens[b]] for b in keep], device=device)
            mask = torch.cat([mask, mask.new_ones(len(alive), 1)], dim=1)
            last = last + 1
            out, cache = forward_cached(model, cache, input_ids=step, attention_mask=mask, position_ids=last[:, None])
