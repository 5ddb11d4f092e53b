"""Probe families per generated fact, and training phrasings for paraphrase augmentation.

A fact is probed three ways: with its trained question ("train"), with held-out question templates
never seen in training ("paraphrase"), and backwards, asking for the entity by a value only it has
("reversed"). Augmented training data states each fact in k phrasings drawn from training-only
pools, which are disjoint from the held-out templates so a paraphrase probe stays unseen.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from ragft.data.cities import SEED_SYSTEM
from ragft.data.domains import Domain
from ragft.data.sources import domain
from ragft.errors import RagftError

Family = Literal["train", "paraphrase", "reversed"]
MIN_HELD_OUT = 3  # fewer held-out templates per attribute make a paraphrase score too noisy to compare


@dataclass(frozen=True)
class Probe:
    id: str  # domain:entity:attribute:family[:template], stable across runs
    family: Family
    question: str
    reference: str  # the fact's answer sentence; for "reversed", the entity's name
    entity: str
    attribute: str
    template: int | None  # question template index; None for "reversed"


def probes(domain_name: str, n: int, seed: int, trained_templates: Sequence[int] = (0,)) -> list[Probe]:
    """Every fact's probes: trained templates, held-out templates, and its reversal if its value is unique."""
    d = domain(domain_name)
    trained = tuple(dict.fromkeys(trained_templates))
    for a in d.attributes:
        if not trained or any(not 0 <= t < len(a.questions) for t in trained):
            raise RagftError(
                f"{d.name}.{a.name}: trained templates {list(trained)} must be non-empty and "
                f"within 0..{len(a.questions) - 1}"
            )
        held_out = len(a.questions) - len(trained)
        if held_out < MIN_HELD_OUT:
            raise RagftError(
                f"{d.name}.{a.name}: {held_out} held-out question templates with trained "
                f"templates {list(trained)}; paraphrase probes need at least {MIN_HELD_OUT}"
            )
    facts = d.facts(n, seed)
    unique = set(d.reversals(facts))  # Domain decides which values are unique enough to ask backwards
    out: list[Probe] = []
    for f in facts:
        key = f"{d.owner(f.attribute).name}:{f.entity}:{f.attribute}"
        for i, question in enumerate(f.questions):
            family: Family = "train" if i in trained else "paraphrase"
            out.append(Probe(f"{key}:{family}:{i}", family, question, f.answer, f.entity, f.attribute, i))
        template = d.attribute(f.attribute).reversed
        if template and (template.format(value=f.value), f.entity) in unique:
            out.append(
                Probe(
                    f"{key}:reversed", "reversed", template.format(value=f.value), f.entity, f.entity, f.attribute, None
                )
            )
    return out


def phrasings(domain_name: str, attribute: str, k: int) -> list[tuple[str, str]]:
    """k distinct (question, answer) templates: the domain's trained pair first, then training-only ones."""
    d = domain(domain_name).owner(attribute)
    _check_pools(d)
    a = d.attribute(attribute)
    questions = (a.questions[0], *d.train_questions[a.name])
    answers = d.train_answers[a.name]
    if not 1 <= k <= len(questions):
        raise RagftError(f"{d.name}.{a.name}: k must be 1..{len(questions)} training phrasings; got {k}")
    return [(a.questions[0], a.answer)] + [(questions[j], answers[(j - 1) % len(answers)]) for j in range(1, k)]


def training_conversations(domain_name: str, n: int, seed: int, k: int, system: str = SEED_SYSTEM) -> list[dict]:
    """Each fact taught in k phrasings, fact by fact; k=1 is exactly the domain's plain conversations."""
    d = domain(domain_name)
    pairs = {a.name: phrasings(d.name, a.name, k) for a in d.attributes}
    return [
        _chat(system, q.format(entity=f.entity), a.format(entity=f.entity, value=f.value))
        for f in d.facts(n, seed)
        for q, a in pairs[f.attribute]
    ]


def trained_questions(conversations: Iterable[dict]) -> set[str]:
    """Every user message of the conversations: what a model fine-tuned on them was asked."""
    return {m["content"] for c in conversations for m in c["messages"] if m["role"] == "user"}


def normalise(text: str) -> str:
    """Lower case, words only: wording comparisons should not hinge on case or punctuation."""
    return " ".join(re.findall(r"[a-z0-9{}]+", text.lower()))


def _check_pools(d: Domain) -> None:
    # A training wording equal to a held-out template would quietly turn a paraphrase probe into a train one.
    for a in d.attributes:
        if a.name not in d.train_questions or a.name not in d.train_answers:
            raise RagftError(f"{d.name}.{a.name}: no training phrasings defined")
        held = {normalise(q) for q in a.questions[1:]}
        leaked = [q for q in d.train_questions[a.name] if normalise(q) in held]
        if leaked:
            raise RagftError(f"{d.name}.{a.name}: training phrasings repeat held-out templates: {leaked}")


def _chat(system: str, question: str, answer: str) -> dict:
    # Same shape and key order as Fact.conversation, so k=1 output is identical to it.
    return {
        "messages": [
            {"role": "system", "content": system},
            {"role": "user", "content": question},
            {"role": "assistant", "content": answer},
        ]
    }
