"""An answer's value read from its passages: the answer must state exactly one of the values of the asked
kind that its passages hold, and the right one of a sentence's values.

A 135M reader given "Ledger pannier – waterproof rear bag, 22 litres, 95 euros." and asked the price
may answer "£1.10": a value of the asked kind that no passage states. Given "The hotel limit is 160 euros
per night, or 200 euros per night in capital cities" and asked about capital cities, it states 160 euros.
When the question asks for a kind of value ragft can recognise (rag/answer_type.py), `settle` decides:
the value whose clause the question's words pick out (rag/value_context.py), else, when the answer
states none, several or an invented value, the model chooses among the candidates — the one it finds
most likely as the start of its answer (mean log-probability per token, the multiple-choice scoring of
lm-evaluation-harness's acc_norm), cited to the passage that states it. Abstentions are kept: the
passages may not be about what was asked. Records (`value_chosen`) say which answers were settled.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ragft.facts import number_matches, stated_numbers, words
from ragft.models.generation import LocalChatModel
from ragft.rag.answer_type import answer_type, split_header, values
from ragft.rag.citations import without_citations
from ragft.rag.spans import candidate_spans, continuation_logprobs
from ragft.rag.value_context import best_value

_ABSTAINS = re.compile(
    r"\b(don'?t|do not|doesn'?t|does not|cannot|can'?t) (know|say|mention|state)|"
    r"\bno (information|mention)|\bnot (stated|mentioned|given|specified)\b",
    re.IGNORECASE,
)


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


def invents_numbers(question: str, answer: str, passages: list[str]) -> bool:
    """The answer states a number that neither its passages nor the question state ("07:00 sharp at 1:00pm")."""
    held = stated_numbers(" ".join(passages) + " " + question)
    return any(
        not any(number_matches(h, s.value) or number_matches(s, h.value) for h in held)
        for s in stated_numbers(without_citations(answer))
    )


def strays(question: str, answer: str, found: list[Candidate], passages: list[str]) -> bool:
    """A numeric answer states a number no passage states, or a value of the asked kind that is not a
    candidate (a year copied from a header: "The garage years (2009–2012) ... in 2009")."""
    kind = answer_type(question)
    if kind.kind not in ("number", "year", "time"):
        return False
    text = without_citations(answer)
    return invents_numbers(question, text, passages) or any(
        not any(states_candidate(v, c.text) for c in found) for v in values(kind, text, question)
    )


def settle(question: str, answer: str, found: list[Candidate], passages: list[str]) -> tuple[Candidate | None, list]:
    """(the value the answer must state, or None; the candidates left to the model when undecided).

    - the answer states one candidate and nothing invented: it stands, unless its passage holds
      other candidates and one of them is the question's by its clause (rag/value_context.py);
    - it states several, none, or a number no passage states: the candidate the question's words
      pick out (among the values of the first stated value's sentence), else, when its several values
      are one phrase copied from their passage ("Wednesdays and Saturdays"), it stands, else the
      model's choice among the candidates it stated (all of them if none).
    """
    if not found or _ABSTAINS.search(answer):
        return None, []
    stated = [c for c in found if states_candidate(answer, c.text)]
    if len(stated) == 1 and not strays(question, answer, found, passages):
        picked = _by_context(question, passages, [c for c in found if c.passage == stated[0].passage], stated[0])
        return (picked if picked is not None and picked != stated[0] else None), []
    # The clauses may name another candidate than the stated ones ("07:30 to 10:00" for Tuesday's 06:30).
    first = stated[0].passage if stated else found[0].passage
    # the sentence of the first stated value, where the answer stated some: its values compete
    picked = _by_context(question, passages, [c for c in found if c.passage == first], stated[0] if stated else None)
    if (
        picked is None
        and len(stated) > 1
        and not strays(question, answer, found, passages)
        and copies_one_phrase(answer, passages, stated)
    ):
        return None, []  # "Wednesdays and Saturdays", "Pennick and Daw": one value written with several
    return (picked, []) if picked is not None else (None, stated if len(stated) > 1 else found)


def copies_one_phrase(answer: str, passages: list[str], stated: list[Candidate], longest: int = 60) -> bool:
    """The answer copies one short phrase of a passage that holds every stated candidate."""
    if len({c.passage for c in stated}) != 1:
        return False
    passage = passages[stated[0].passage - 1]
    lower = passage.lower()
    spans = [(at, at + len(c.text)) for c in stated if (at := lower.find(c.text.lower())) >= 0]
    if len(spans) != len(stated):
        return False
    phrase = passage[min(a for a, _ in spans) : max(b for _, b in spans)]
    return len(phrase) <= longest and f" {' '.join(words(phrase))} " in f" {' '.join(words(answer))} "


def _by_context(
    question: str, passages: list[str], found: list[Candidate], anchor: Candidate | None = None
) -> Candidate | None:
    if len(found) < 2:
        return None
    header, body = split_header(passages[found[0].passage - 1])
    best = best_value(question, header, body, [c.text for c in found], anchor.text if anchor else None)
    return next((c for c in found if c.text == best), None)


def choose_value(model, tokenizer, messages: list[dict], found: list[Candidate]) -> Candidate:
    """The candidate the model finds most likely as its answer; the only one without asking."""
    if len(found) == 1:
        return found[0]

    prompt = tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=True, return_dict=False)
    continuations = [tokenizer(c.text, add_special_tokens=False)["input_ids"] or [0] for c in found]
    scores = [sum(lp) / len(lp) for lp in continuation_logprobs(model, prompt, continuations)]
    return found[max(range(len(found)), key=lambda i: scores[i])]


def ensure_values(
    chat_model,
    prompts: list[list[dict]],
    questions: list[str],
    answers: list[str],
    passages: list[list[str]],
    spans: bool = True,
) -> list[tuple[str, bool]]:
    """(answer, chosen) per answer: an answer that does not state exactly one of its passages' values of
    the asked kind, or states the wrong one of a sentence's values (see `settle`), is replaced by the
    right value, cited. Where the passages hold no value of a kind ragft recognises ("which function ...",
    "what extra ..."), an answer stating none of their candidate spans is replaced, with `spans`, by the
    span the model finds most likely (rag/spans.py).
    Only a local model exposes the probabilities a choice needs."""
    out = [(a, False) for a in answers]
    if not isinstance(chat_model, LocalChatModel):
        return out
    for i, (question, answer, texts) in enumerate(zip(questions, answers, passages)):
        found = candidates(question, texts)
        if not found:  # no value of a recognised kind: the passages' terms compete
            if spans and not _ABSTAINS.search(answer):
                pool = [Candidate(s.text, s.passage) for s in candidate_spans(question, texts)]
                # an answer that states one of them stands ("… listens on VHF channel 12 [1].")
                if pool and not any(s.text.lower() in answer.lower() for s in pool):
                    picked = choose_value(chat_model.model, chat_model.tokenizer, prompts[i], pool)
                    out[i] = (f"{picked.text} [{picked.passage}].", True)
            continue
        picked, pool = settle(question, answer, found, texts)
        if pool:
            picked = choose_value(chat_model.model, chat_model.tokenizer, prompts[i], pool)
        if picked is not None:
            out[i] = (f"{picked.text} [{picked.passage}].", True)
    return out
