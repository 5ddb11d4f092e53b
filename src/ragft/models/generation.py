"""Chat generation. Every backend is one small class with one method: `complete`."""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass

Messages = list[dict]
ProgressFn = Callable[[int], None]  # called with the number of conversations just finished


@dataclass(frozen=True)
class GenerationSettings:
    max_new_tokens: int = 64
    batch_size: int = 16


@dataclass(frozen=True)
class Completion:
    text: str
    prompt_tokens: int
    completion_tokens: int
    latency_s: float  # the batch's wall time shared equally by its members


class ChatModel(ABC):
    """Anything that answers chat conversations (local model, remote API, ...)."""

    @abstractmethod
    def complete(self, conversations: list[Messages], settings: GenerationSettings,
                 progress: ProgressFn | None = None) -> list[Completion]:
        """Answer each conversation greedily; results in input order."""


class LocalChatModel(ChatModel):
    """A transformers causal LM with a chat template, decoding greedily in length-sorted batches."""

    def __init__(self, model, tokenizer):
        self.model = model
        self.tokenizer = tokenizer

    def prompt_ids(self, messages: Messages) -> list[int]:
        return self.tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=True,
                                                  return_dict=False)

    def complete(self, conversations, settings, progress=None):
        import torch

        prompts = [self.prompt_ids(m) for m in conversations]
        # Sorting by length keeps padding (wasted compute) small; results go back to input order.
        order = sorted(range(len(prompts)), key=lambda i: len(prompts[i]))
        results: list[Completion | None] = [None] * len(prompts)
        pad = self.tokenizer.pad_token_id
        device = next(self.model.parameters()).device
        for start in range(0, len(order), settings.batch_size):
            batch = order[start:start + settings.batch_size]
            width = max(len(prompts[i]) for i in batch)
            # Left padding so every prompt ends where generation starts.
            ids = torch.tensor([[pad] * (width - len(prompts[i])) + prompts[i] for i in batch], device=device)
            mask = torch.tensor([[0] * (width - len(prompts[i])) + [1] * len(prompts[i]) for i in batch],
                                device=device)
            began = time.perf_counter()
            with torch.inference_mode():
                out = self.model.generate(input_ids=ids, attention_mask=mask, do_sample=False,
                                          max_new_tokens=settings.max_new_tokens, pad_token_id=pad,
                                          eos_token_id=self.tokenizer.eos_token_id,
                                          temperature=None, top_p=None, top_k=None)
            elapsed = time.perf_counter() - began
            for row, i in enumerate(batch):
                new = out[row, width:].tolist()
                n_new = _until_eos(new, self.tokenizer.eos_token_id, pad)
                text = self.tokenizer.decode(new[:n_new], skip_special_tokens=True).strip()
                results[i] = Completion(text, len(prompts[i]), n_new, elapsed / len(batch))
            if progress:
                progress(len(batch))
        return results  # type: ignore[return-value]


def _until_eos(tokens: list[int], eos: int, pad: int) -> int:
    """Number of generated tokens up to and including the first end-of-sequence token."""
    for n, t in enumerate(tokens):
        if t == eos:
            return n + 1
        if t == pad and pad != eos:
            return n
    return len(tokens)
