"""An answer's value read from its passages: when the model states none of them, it chooses one.

A 135M reader given "Ledger pannier – waterproof rear bag, 22 litres, 95 euros." and asked the price
may answer "£1.10": a value of the asked kind that no passage states. When the question asks for a
kind of value ragft can recognise (rag/answer_type.py) and the answer states none of the values of
that kind the passages hold, the model chooses among those values instead: the one it finds most
likely as the start of its answer (mean log-probability per token, the multiple-choice scoring of
lm-evaluation-harness's acc_norm), cited to the passage that states it. Abstentions are kept: the
passages may not be about what was asked. Records say which answers were chosen this way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ragft.facts import number_matches, stated_numbers, words
from ragft.rag.answer_type import answer_type, values

_ABSTAINS = re.compile(r"\b(don'?t|do not|doesn'?t|does not|cannot|can'?t) (know|say|mention|state)|"
                       r"\bno (information|mention)|\bnot (stated|mentioned|given|specified)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Candidate:
    text: str  # as the passage writes it
    passage: int  # 1-based, as citations number passages


def candidates(question: str, passages: list[str]) -> list[Candidate]:
    """The values of the asked kind the passages state, first passage first; [] for untyped questions."""
    kind = answer_type(question)
    if kind is None:
        return []
    seen, out = set(), []
    for n, passage in enumerate(passages, start=1):
        for text in values(kind, passage, question):
            if text.lower() not in seen:
                seen.add(text.lower())
                out.append(Candidate(text, n))
    return out


def states_candidate(answer: str, candidate: str) -> bool:
    wanted = stated_numbers(candidate)
    if wanted:
        held = stated_numbers(answer)
        return all(any(number_matches(s, w.value) for s in held) for w in wanted)
    return set(words(candidate)) <= set(words(answer))


def needs_choice(question: str, answer: str, found: list[Candidate]) -> bool:
    """The answer states none of the passages' values of the asked kind (and does not abstain)."""
    return bool(found) and not _ABSTAINS.search(answer) and not any(states_candidate(answer, c.text) for c in found)


def _mean_logprob(model, tokenizer, prompt_ids: list[int], continuations: list[list[int]]) -> list[float]:
    """Mean log-probability of each continuation's tokens after the prompt (one batch, right-padded)."""
    import torch

    seqs = [prompt_ids + c for c in continuations]
    width = max(len(s) for s in seqs)
    device = next(model.parameters()).device
    ids = torch.tensor([s + [0] * (width - len(s)) for s in seqs], device=device)
    mask = torch.tensor([[1] * len(s) + [0] * (width - len(s)) for s in seqs], device=device)
    with torch.inference_mode():
        logprobs = torch.log_softmax(model(input_ids=ids, attention_mask=mask).logits.float(), dim=-1)
    out = []
    for row, c in enumerate(continuations):
        start = len(prompt_ids)
        picked = logprobs[row, start - 1:start - 1 + len(c)].gather(-1, torch.tensor(c, device=device)[:, None])
        out.append(float(picked.mean()))
    return out


def choose_value(model, tokenizer, messages: list[dict], found: list[Candidate]) -> Candidate:
    """The candidate the model finds most likely as its answer; the only one without asking."""
    if len(found) == 1:
        return found[0]
    prompt = tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=True, return_dict=False)
    continuations = [tokenizer(c.text, add_special_tokens=False)["input_ids"] or [0] for c in found]
    scores = _mean_logprob(model, tokenizer, prompt, continuations)
    return found[max(range(len(found)), key=lambda i: scores[i])]


def ensure_values(chat_model, prompts: list[list[dict]], questions: list[str], answers: list[str],
                  passages: list[list[str]]) -> list[tuple[str, bool]]:
    """(answer, chosen) per answer: answers stating none of their passages' values of the asked kind
    are replaced by the value the model chooses, cited. Only a local model exposes the probabilities."""
    from ragft.models.generation import LocalChatModel

    out = [(a, False) for a in answers]
    if not isinstance(chat_model, LocalChatModel):
        return out
    for i, (question, answer, texts) in enumerate(zip(questions, answers, passages)):
        found = candidates(question, texts)
        if needs_choice(question, answer, found):
            chosen = choose_value(chat_model.model, chat_model.tokenizer, prompts[i], found)
            out[i] = (f"{chosen.text} [{chosen.passage}].", True)
    return out
