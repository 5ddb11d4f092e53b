"""A citation for every grounded answer: when the model cites nothing, ask it which passage it used.

Small models rarely follow "cite the passage as [n]" (SmolLM2-135M never does), so for an answer
without a citation ragft appends " [" and lets the model choose the number: the most likely of the
digits 1..n after its own answer (constrained decoding of one token). The choice is the model's;
ragft then checks it like any other citation. Records say which citations were asked for this way.
"""

from __future__ import annotations

import re

from ragft.models.generation import LocalChatModel, prefill_batch, prefill_prefix
from ragft.rag.citations import cited_numbers

_CUT_CITATION = re.compile(r"\s*\[\d*\s*$")  # "... 1966 [1" where the token budget ran out mid-citation

MAX_SLOT = 9  # digits are single tokens; a slot chooses among the first nine passages


def _digit_ids(tokenizer) -> list[int] | None:
    ids = [tokenizer(str(d), add_special_tokens=False)["input_ids"] for d in range(1, MAX_SLOT + 1)]
    return [i[0] for i in ids] if all(len(i) == 1 for i in ids) else None


def choose_citations(
    model, tokenizer, prompts: list[list[dict]], answers: list[str], n_passages: list[int], batch_size: int = 64
) -> list[int | None]:
    """The passage number the model puts after `answer [`, for each prompt; None where it cannot.

    The prompts' shared prefix (system prompt, instructions) is run once, as in generation.
    """
    import torch

    digits = _digit_ids(tokenizer)
    out: list[int | None] = [None] * len(prompts)
    todo = [i for i in range(len(prompts)) if digits and n_passages[i] > 0]
    if not todo:
        return out
    seqs = {
        i: tokenizer.apply_chat_template(prompts[i], add_generation_prompt=True, tokenize=True, return_dict=False)
        + tokenizer(answers[i].rstrip() + " [", add_special_tokens=False)["input_ids"]
        for i in todo
    }
    device = next(model.parameters()).device
    with torch.inference_mode():
        shared, prefix = prefill_prefix(model, [seqs[i] for i in todo], device)
        todo.sort(key=lambda i: len(seqs[i]))  # length-sorted batches: little padding
        for start in range(0, len(todo), batch_size):
            batch = todo[start : start + batch_size]
            logits = prefill_batch(model, [seqs[i] for i in batch], shared, prefix, device)[0].logits
            for row, i in enumerate(batch):
                allowed = digits[: min(n_passages[i], MAX_SLOT)]
                out[i] = int(torch.argmax(logits[row, -1, allowed]).item()) + 1
    return out


def ensure_citations(
    chat_model, prompts: list[list[dict]], answers: list[str], n_passages: list[int]
) -> list[tuple[str, bool]]:
    """(answer, forced) per answer: answers that cite nothing get the model's chosen " [n]" appended.

    Only a local model exposes the probabilities this needs; other backends' answers stay as they are.
    """
    answers = [_CUT_CITATION.sub("", a) for a in answers]
    need = [i for i, a in enumerate(answers) if not cited_numbers(a)]
    if not need or not isinstance(chat_model, LocalChatModel):
        return [(a, False) for a in answers]
    chosen = choose_citations(
        chat_model.model,
        chat_model.tokenizer,
        [prompts[i] for i in need],
        [answers[i] for i in need],
        [n_passages[i] for i in need],
    )
    out = [(a, False) for a in answers]
    for i, n in zip(need, chosen):
        if n is not None:
            out[i] = (f"{answers[i].rstrip()} [{n}]", True)
    return out
