"""Chat generation. Every backend is one small class with one method: `complete`."""

from __future__ import annotations

import json
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from ragft.models.grammar import Constraint, json_schema_grammar
from ragft.models.precision import inference_copy
from ragft.runtime import keep_freed_memory

Messages = list[dict]
CUDA_BATCH = 128  # on a GPU, batches at least this large: a 135M model leaves it idle at 16
# Every row of a batch holds its own copy of the prompt's key/value cache: long prompts (the whole
# knowledge base in the prompt) get smaller batches, at most this many cached tokens in all
# (SmolLM2-135M: 46 KB per token in fp32, so about 3 GB).
BATCH_TOKENS = 65536
ProgressFn = Callable[[int], None]  # called with the number of conversations just finished


@dataclass(frozen=True)
class GenerationSettings:
    max_new_tokens: int = 64
    # Decoding a token reads every weight once for the whole batch: large batches amortise it
    # (measured on 2 cores: 50 rambling answers in one batch 1.4x faster than in batches of 16).
    batch_size: int = 64
    loop_guard: bool = True  # stop a reply whose last tokens repeat one sequence (see `looping`)
    # a JSON schema (as JSON text) every reply must be valid against: a local model decodes under its grammar
    # (models/grammar.py; the loop guard, which would cut the JSON, is off), a remote one is sent response_format
    json_schema: str | None = None


@dataclass(frozen=True)
class Completion:
    text: str
    prompt_tokens: int
    completion_tokens: int
    latency_s: float  # the batch's wall time shared equally by its members


class ChatModel(ABC):
    """Anything that answers chat conversations (local model, remote API, ...)."""

    @abstractmethod
    def complete(
        self, conversations: list[Messages], settings: GenerationSettings, progress: ProgressFn | None = None
    ) -> list[Completion]:
        """Answer each conversation greedily; results in input order."""


class LocalChatModel(ChatModel):
    """A transformers causal LM with a chat template, decoding greedily with a KV cache.

    Work that nobody needs is skipped; the answers are those of transformers' greedy `generate` run
    one prompt at a time (tests check it; float rounding aside, as with any batching):
    - the prompt prefix all conversations share (system prompt, instructions) is run once and its
      key/value cache copied into every batch;
    - prompts are length-sorted into batches; the few pad slots sit between the prefix and each
      suffix and are masked out, with position ids counting real tokens only;
    - logits are computed for the last position only (the vocabulary projection is the largest matmul);
    - a sequence that has emitted end-of-sequence leaves the batch (its rows leave the cache), so
      one long answer no longer keeps a whole batch decoding;
    - the key/value cache is written in place into preallocated buffers (see _batch_cache).

    With precision "bf16" it answers with a bf16 copy of the weights taken now (models/precision.py):
    train the model afterwards and build a new LocalChatModel to answer with the trained weights.
    """

    def __init__(self, model, tokenizer, precision: str = "fp32"):
        keep_freed_memory()
        self.precision = precision
        self.model = inference_copy(model, precision)
        self.tokenizer = tokenizer

    def prompt_ids(self, messages: Messages) -> list[int]:
        return self.tokenizer.apply_chat_template(
            messages, add_generation_prompt=True, tokenize=True, return_dict=False
        )

    def complete(self, conversations, settings, progress=None):
        import torch

        prompts = [self.prompt_ids(m) for m in conversations]
        results: list[Completion | None] = [None] * len(prompts)
        if not prompts:
            return []
        eos = self.tokenizer.eos_token_id
        device = next(self.model.parameters()).device
        grammar = json_schema_grammar(json.loads(settings.json_schema)) if settings.json_schema else None
        with torch.inference_mode():
            began = time.perf_counter()
            shared, prefix = prefill_prefix(self.model, prompts, device)
            setup = time.perf_counter() - began  # shared by every question, spread over all of them
            # Sorting by length keeps padding small; results go back to input order.
            order = sorted(range(len(prompts)), key=lambda i: len(prompts[i]))
            size = settings.batch_size if device.type != "cuda" else max(settings.batch_size, CUDA_BATCH)
            longest = max(len(p) for p in prompts) + settings.max_new_tokens
            size = max(1, min(size, BATCH_TOKENS // longest))
            for start in range(0, len(order), size):
                batch = order[start : start + size]
                began = time.perf_counter()
                constraints = (
                    [Constraint.start(self.tokenizer, grammar) for _ in batch] if grammar is not None else None
                )
                generated = _greedy_batch(
                    self.model,
                    [prompts[i] for i in batch],
                    shared,
                    prefix,
                    settings.max_new_tokens,
                    eos,
                    device,
                    settings.loop_guard and constraints is None,
                    constraints,
                )
                elapsed = time.perf_counter() - began
                for i, new in zip(batch, generated):
                    text = self.tokenizer.decode(new, skip_special_tokens=True).strip()
                    results[i] = Completion(
                        text, len(prompts[i]), len(new), elapsed / len(batch) + setup / len(prompts)
                    )
                if progress:
                    progress(len(batch))
        return results  # type: ignore[return-value]


def shared_prefix_length(prompts: list[list[int]]) -> int:
    """Tokens every prompt starts with, leaving at least one token of each prompt to run in its batch."""
    first, shortest = prompts[0], min(len(p) for p in prompts)
    n = 0
    while n < shortest - 1 and all(p[n] == first[n] for p in prompts):
        n += 1
    return n


def forward_cached(model, cache=None, **inputs):
    """model(**inputs) continuing `cache` (None: a fresh one); returns (output, the grown cache).

    transformers 5.24 renamed the model's `past_key_values` to `cache` (the old name warns on every run and
    goes in 5.40); the name the installed model's forward takes is used, and read back.
    """
    keyword = cache_keyword(type(model.get_base_model() if hasattr(model, "get_base_model") else model))
    out = model(**inputs, **({keyword: cache} if cache is not None else {}), use_cache=True, logits_to_keep=1)
    return out, out["cache"] if "cache" in out else out["past_key_values"]


@lru_cache(maxsize=None)
def cache_keyword(model_class) -> str:
    import inspect

    return "cache" if "cache" in inspect.signature(model_class.forward).parameters else "past_key_values"


def _prefill_prefix(model, prefix: list[int], device):
    import torch

    return forward_cached(model, input_ids=torch.tensor([prefix], device=device))[1]


def prefill_prefix(model, prompts: list[list[int]], device) -> tuple[int, object]:
    """(shared length, its KV cache) for the tokens every prompt starts with; (0, None) if none."""
    shared = shared_prefix_length(prompts)
    return shared, (_prefill_prefix(model, prompts[0][:shared], device) if shared else None)


def prefill_batch(model, prompts: list[list[int]], shared: int, prefix, device, room: int = 0):
    """Run a batch of prompts after their shared prefix; returns (model output, KV cache, attention mask,
    positions): the output holds the last position's logits, the cache has `room` free slots.
    """
    import torch

    suffixes = [p[shared:] for p in prompts]
    width = max(len(s) for s in suffixes)
    pads = [width - len(s) for s in suffixes]
    ids = torch.tensor([[0] * k + s for k, s in zip(pads, suffixes)], device=device)
    # Pads sit between the shared prefix and each suffix: masked out, and skipped by the position ids.
    mask = torch.tensor([[1] * shared + [0] * k + [1] * len(s) for k, s in zip(pads, suffixes)], device=device)
    positions = torch.tensor(
        [[shared] * k + list(range(shared, shared + len(s))) for k, s in zip(pads, suffixes)], device=device
    )
    out, cache = forward_cached(
        model,
        _batch_cache(prefix, len(prompts), room=width + room),
        input_ids=ids,
        attention_mask=mask,
        position_ids=positions,
    )
    return out, cache, mask, positions


LOOP_PERIOD = 12  # longest repeating token sequence looked for


def looping(tokens: list[int]) -> int | None:
    """Where a reply caught in a loop should end, or None: its last tokens repeat one sequence of p tokens
    (p <= LOOP_PERIOD) max(3, ceil(8 / p)) times in a row ("-bang-bang-bang-bang", a token 8 times);
    the cut keeps one copy. Greedy decoding never leaves such a loop by itself: a 135M reader given
    technical text produced "…-sqlite-bang-bang-bang…" until its token budget ran out."""
    for p in range(1, min(LOOP_PERIOD, len(tokens) // 3) + 1):
        repeats = max(3, -(-8 // p))
        if repeats * p > len(tokens):
            continue
        tail = tokens[-repeats * p :]
        if tail == tail[:p] * repeats:
            return len(tokens) - (repeats - 1) * p
    return None


def _greedy_batch(
    model,
    prompts: list[list[int]],
    shared: int,
    prefix,
    max_new: int,
    eos: int,
    device,
    loop_guard: bool = True,
    constraints: list[Constraint] | None = None,
) -> list[list[int]]:
    """Greedy decoding of one batch; returns each prompt's new tokens, up to and including EOS. With
    `constraints` (one per prompt) each row picks only among the tokens its grammar allows."""
    import torch

    def pick(logits, alive: list[int]):
        for row, i in enumerate(alive if constraints else ()):
            constraints[i].mask(logits[row])
        chosen = logits.argmax(-1)
        for row, i in enumerate(alive if constraints else ()):  # the budget may force how a reply closes
            forced = constraints[i].forced_token(max_new - len(generated[i]))
            if forced is not None:
                chosen[row] = forced
        return chosen

    n = len(prompts)
    out, cache, mask, positions = prefill_batch(model, prompts, shared, prefix, device, room=max_new)
    alive = list(range(n))  # batch rows still decoding, as indices into prompts
    generated: list[list[int]] = [[] for _ in range(n)]
    nxt = pick(out.logits[:, -1], alive)
    last = positions[:, -1]
    for step in range(max_new):
        tokens = nxt.tolist()
        keep = []
        for row, (i, t) in enumerate(zip(alive, tokens)):
            generated[i].append(t)
            if constraints and t != eos:
                constraints[i].consume(t)
            if loop_guard and (cut := looping(generated[i])) is not None:
                del generated[i][cut:]  # a reply caught in a loop says it once, and stops
            elif t != eos and step + 1 < max_new:
                keep.append(row)
        if not keep:
            break
        if len(keep) < len(alive):
            index = torch.tensor(keep, device=device)
            cache.batch_select_indices(index)
            mask, nxt, last = mask[index], nxt[index], last[index]
            alive = [alive[r] for r in keep]
        mask = torch.cat([mask, mask.new_ones(len(alive), 1)], dim=1)
        last = last + 1
        out, cache = forward_cached(
            model, cache, input_ids=nxt[:, None], attention_mask=mask, position_ids=last[:, None]
        )
        nxt = pick(out.logits[:, -1], alive)
    return generated


def _batch_cache(prefix, n: int, room: int):
    """A KV cache for a batch of n: the shared prefix's keys and values in every row, in growing buffers.

    transformers' DynamicCache concatenates the whole cache at every decoding step (quadratic copying);
    these buffers are allocated with `room` free positions (the prompt suffix and the tokens to
    generate), written in place, and grow only if they must. Models with other cache layers
    (sliding windows, ...) get a copy of the prefix's own cache instead.
    """
    import copy
    from functools import partial

    from transformers.cache_utils import DynamicCache, DynamicLayer

    if prefix is not None and any(type(layer) is not DynamicLayer for layer in prefix.layers):
        cache = copy.deepcopy(prefix)
        cache.batch_repeat_interleave(n)
        return cache
    growing = partial(_growing_layer_class(), room=room)
    cache = DynamicCache()
    cache.layer_class_to_replicate = growing  # layers are added as the model first writes to them
    if prefix is not None:
        for old in prefix.layers:
            layer = growing()
            if old.is_initialized:
                layer.update(old.keys.expand(n, -1, -1, -1), old.values.expand(n, -1, -1, -1))
            cache.layers.append(layer)
    return cache


@lru_cache(maxsize=1)
def _growing_layer_class():
    from transformers.cache_utils import DynamicLayer

    class GrowingLayer(DynamicLayer):
        """A DynamicLayer whose keys/values are views of buffers with room to grow."""

        def __init__(self, room: int = 64):
            super().__init__()
            self.room = room

        def update(self, key_states, value_states, *args, **kwargs):
            if not self.is_initialized:
                self.lazy_initialization(key_states, value_states)
                self.length, self.buffers = 0, None
            end = self.length + key_states.shape[-2]
            if self.buffers is None or end > self.buffers[0].shape[-2]:
                size = end + max(self.room, self.buffers[0].shape[-2] if self.buffers else 0)
                grown = []
                for old, new in zip(self.buffers or (None, None), (key_states, value_states)):
                    buf = new.new_empty(*new.shape[:-2], size, new.shape[-1])
                    if old is not None:
                        buf[..., : self.length, :] = old[..., : self.length, :]
                    grown.append(buf)
                self.buffers = grown
            self.buffers[0][..., self.length : end, :] = key_states
            self.buffers[1][..., self.length : end, :] = value_states
            self.length = end
            self.keys, self.values = (b[..., :end, :] for b in self.buffers)
            return self.keys, self.values

        def batch_select_indices(self, indices) -> None:
            if self.is_initialized:
                self.buffers = [b[indices] for b in self.buffers]
                self.keys, self.values = (b[..., : self.length, :] for b in self.buffers)

    return GrowingLayer
