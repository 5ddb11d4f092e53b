"""Token-level distillation: a teacher's distribution over each answer token, and training on it.

Prompt distillation (Kujanpää et al. 2024) trains a student — the model without the document in its prompt — to
match the teacher — the same model with it — token by token. Here the teacher's answer is scored once, before any
fine-tune, keeping its TOP_K most likely tokens at each answer position (as an API's `top_logprobs` would give); the
training conversation carries them as `teacher`, and the loss at those positions is the cross-entropy against the
teacher's distribution renormalised over its top-k (the KL to it, up to the teacher's constant entropy). A position
without one (another conversation, or a student tokenization that does not match the teacher's) keeps its hard label:
the same sum with the label's probability 1, so one loss covers both.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from ragft.finetune.tokenize import IGNORE, tokenize_conversation

TOP_K = 20  # OpenAI's top_logprobs allows up to 20; the rest of a 135M model's mass at a position is mostly tail


def labelled(row: dict) -> list[int]:
    """The tokens a row's loss is on: its shifted labels that are not IGNORE."""
    return [label for label in row["labels"][1:] if label != IGNORE]


def teacher_targets(
    model,
    tokenizer,
    conversations: list[dict],
    batch_size: int = 8,
    progress: Callable[[int], None] | None = None,
    top_k: int = TOP_K,
    max_length: int = 1024,
) -> list[dict]:
    """For each conversation (the teacher's prompt and its answer), its top-k tokens and log-probabilities at every
    trained position: {"tokens": [...], "top_ids": [[k ids]...], "top_logprobs": [[k floats]...]}."""
    import torch

    rows = [tokenize_conversation(tokenizer, _last_answer_only(c["messages"]), max_length) for c in conversations]
    device = next(model.parameters()).device
    out: list[dict] = []
    with torch.no_grad():
        for start in range(0, len(rows), batch_size):
            batch = rows[start : start + batch_size]
            width = max(len(r["input_ids"]) for r in batch)
            pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
            ids = torch.tensor([r["input_ids"] + [pad] * (width - len(r["input_ids"])) for r in batch], device=device)
            mask = torch.tensor([[1] * len(r["input_ids"]) + [0] * (width - len(r["input_ids"])) for r in batch])
            logits = model(input_ids=ids, attention_mask=mask.to(device)).logits
            for r, row in enumerate(batch):
                positions = [t for t, label in enumerate(row["labels"][1:]) if label != IGNORE]
                top = torch.log_softmax(logits[r, positions].float(), dim=-1).topk(top_k, dim=-1)
                out.append(
                    {
                        "tokens": labelled(row),
                        "top_ids": top.indices.tolist(),
                        "top_logprobs": [[round(v, 4) for v in p] for p in top.values.tolist()],
                    }
                )
            if progress:
                progress(len(batch))
    return out


def _last_answer_only(messages: list[dict]) -> list[dict]:
    """The teacher scores its own answer, the last message: worked examples before it (assistant turns of a
    few-shot prompt) are context, not targets."""
    last = len(messages) - 1
    return [{**m, "weight": 0} if m["role"] == "assistant" and i < last else m for i, m in enumerate(messages)]


def soft_targets(row: dict, teacher: dict | None) -> list | None:
    """Per shifted label position of a tokenized row, the teacher's (ids, probabilities) there, or None. The teacher
    scored the row's last labelled tokens (its answer); None for the whole row where those are other tokens (another
    template, a cut at max_length): it trains on its labels."""
    tokens = teacher["tokens"] if teacher else []
    positions = [t for t, label in enumerate(row["labels"][1:]) if label != IGNORE][-len(tokens) :] if tokens else []
    if not positions or [row["labels"][t + 1] for t in positions] != tokens:
        return None
    out: list = [None] * (len(row["labels"]) - 1)
    for t, logprobs, ids in zip(positions, teacher["top_logprobs"], teacher["top_ids"]):
        weights = [math.exp(v) for v in logprobs]
        out[t] = (ids, [w / sum(weights) for w in weights])
    return out


def target_tensors(rows: list[dict], width: int, top_k: int):
    """(ids, probs), each (rows, width, top_k): at shifted position t of row r the tokens the loss is on and their
    weights — the teacher's top-k where the row has them, else its label with weight 1 (IGNORE positions: zeros)."""
    import torch

    ids = torch.zeros(len(rows), width, top_k, dtype=torch.long)
    probs = torch.zeros(len(rows), width, top_k)
    for r, row in enumerate(rows):
        soft = row.get("soft") or [None] * (len(row["labels"]) - 1)
        for t, (label, target) in enumerate(zip(row["labels"][1:], soft)):
            if target is not None:
                n = min(top_k, len(target[0]))
                ids[r, t + 1, :n], probs[r, t + 1, :n] = torch.tensor(target[0][:n]), torch.tensor(target[1][:n])
            elif label != IGNORE:
                ids[r, t + 1, 0], probs[r, t + 1, 0] = label, 1.0
    return ids, probs


def soft_cross_entropy(logits, ids, probs):
    """Mean over positions of -sum_j probs_j * log softmax(logits)[ids_j]: the cross-entropy against each position's
    target distribution (with one id of weight 1, exactly F.cross_entropy)."""
    import torch

    logp = torch.log_softmax(logits.float(), dim=-1)
    return -(probs * logp.gather(1, ids)).sum(dim=1).mean()
