"""Reranking retrieved passages by the reader model itself: how likely is the question, given the passage?

Unsupervised passage reranking (UPR, Sachan et al. 2022): a language model that reads a passage which
answers a question finds that question more likely than after a passage that does not. It needs no
reranker weights (none can be downloaded here), works zero-shot with small models, and judges
paraphrase ("the alternative docs" / "ReDoc") where word overlap and a small embedding model do not.
Only the top `depth` fused candidates are rescored; the fused score breaks near-ties.
"""

from __future__ import annotations

from dataclasses import replace

from ragft.rag.hits import Hit

PROMPT = "Passage: {passage}\nPlease write a question based on this passage.\nQuestion:"


def question_logprobs(model, tokenizer, question: str, passages: list[str], batch: int = 16) -> list[float]:
    """Mean log-probability per token of ` question` after each passage's prompt."""
    import torch

    device = next(model.parameters()).device
    asked = tokenizer(" " + question, add_special_tokens=False)["input_ids"]
    out: list[float] = []
    with torch.inference_mode():
        for start in range(0, len(passages), batch):
            prompts = [tokenizer(PROMPT.format(passage=p), add_special_tokens=False)["input_ids"]
                       for p in passages[start:start + batch]]
            seqs = [p + asked for p in prompts]
            width = max(len(s) for s in seqs)
            ids = torch.tensor([s + [0] * (width - len(s)) for s in seqs], device=device)
            mask = torch.tensor([[1] * len(s) + [0] * (width - len(s)) for s in seqs], device=device)
            logprobs = torch.log_softmax(model(input_ids=ids, attention_mask=mask).logits.float(), dim=-1)
            target = torch.tensor(asked, device=device)
            for row, p in enumerate(prompts):
                picked = logprobs[row, len(p) - 1:len(p) - 1 + len(asked)].gather(-1, target[:, None])
                out.append(float(picked.mean()))
    return out


def rerank(model, tokenizer, questions: list[str], candidates: list[list[Hit]], depth: int = 10,
           weight: float = 1.0, progress=None) -> list[list[Hit]]:
    """Each question's candidates, the top `depth` reordered by question log-likelihood plus `weight` x their
    fused score (in [0, 1]); the rest kept below them. Scores become the combined ones, rescaled to [0, 1]."""
    out = []
    for question, hits in zip(questions, candidates, strict=True):
        top, rest = hits[:depth], hits[depth:]
        if len(top) > 1:
            likelihood = question_logprobs(model, tokenizer, question, [h.text for h in top])
            combined = [lp + weight * h.score for lp, h in zip(likelihood, top)]
            low, high = min(combined), max(combined)
            scaled = [(c - low) / (high - low) if high > low else 1.0 for c in combined]
            top = sorted((replace(h, score=s) for h, s in zip(top, scaled)), key=lambda h: -h.score)
            rest = [replace(h, score=min(h.score, 0.0)) for h in rest]
        out.append(top + rest)
        if progress:
            progress(1)
    return out
