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


# Extra training-only wordings, by domain and attribute. Phrasing 0 is always the domain's own
# template 0 and answer; phrasing j >= 1 uses question j-1 here and answer (j-1) mod len here.
# None may repeat a held-out template (the domain's questions 1..): _check_pools enforces it.
TRAIN_QUESTIONS: dict[str, dict[str, tuple[str, ...]]] = {
    "people": {
        "birth_year": (
            "Which year was {entity} born in?", "What year was {entity} born?",
            "Do you know the year {entity} was born?", "Can you tell me the year of {entity}'s birth?",
            "What was the year of {entity}'s birth?", "In which year did {entity} come into the world?",
            "Tell me the year {entity} was born.", "What is {entity}'s year of birth?",
            "Remind me, what year was {entity} born in?"),
        "birthplace": (
            "Where was {entity} born?", "Which town is {entity}'s birthplace?",
            "What is {entity}'s place of birth?", "What is the name of the town where {entity} was born?",
            "In what town did {entity} come into the world?", "Tell me the town where {entity} was born.",
            "Name the town of {entity}'s birth.", "Do you know where {entity} was born?",
            "What town is the birthplace of {entity}?"),
        "employer": (
            "Which company does {entity} work for?", "Where does {entity} work?", "Who employs {entity}?",
            "What company employs {entity}?", "Which firm does {entity} work at?",
            "Who is {entity}'s employer?", "What is the name of {entity}'s employer?",
            "For which company does {entity} work?", "Tell me which company {entity} works for."),
        "trade": (
            "What does {entity} do for a living?", "What is {entity}'s occupation?",
            "What does {entity} work as?", "Which occupation does {entity} have?",
            "What is {entity}'s line of work?", "What kind of work does {entity} do?",
            "What is the profession of {entity}?", "What job does {entity} have?",
            "Tell me what {entity} does for work."),
        "height_cm": (
            "How tall is {entity}?", "What is {entity}'s height in centimetres?",
            "How tall is {entity}, measured in cm?", "What height does {entity} stand at, in centimetres?",
            "What is {entity}'s height?", "Tell me how tall {entity} is in centimetres.",
            "What does {entity} measure in height, in cm?", "Do you know how tall {entity} is?",
            "How much does {entity} measure from head to toe, in centimetres?"),
    },
    "orgs": {
        "founded": (
            "Which year was {entity} founded in?", "What year was {entity} established?",
            "In which year was {entity} set up?", "When did {entity} come into being?",
            "In what year did {entity} begin operating?", "Tell me the year {entity} was founded.",
            "What is {entity}'s year of founding?", "Do you know when {entity} was established?",
            "What year did {entity} start out?"),
        "employees": (
            "How many people work at {entity}?", "What is the number of staff at {entity}?",
            "How many workers are on the payroll of {entity}?", "How big is {entity}'s staff?",
            "What is {entity}'s total number of employees?", "How many people are employed at {entity}?",
            "Tell me how many people {entity} employs.", "What size is the staff of {entity}?",
            "Do you know how many people work for {entity}?"),
        "headquarters": (
            "Where is {entity} headquartered?", "Where is {entity} based?", "Which city is {entity} based in?",
            "What city is home to {entity}'s headquarters?", "Where does {entity} have its head office?",
            "In what city is {entity}'s head office?", "Where is the head office of {entity} located?",
            "Tell me where {entity} is headquartered.", "Which city serves as the base of {entity}?"),
        "chief_executive": (
            "Who runs {entity}?", "Who is the CEO of {entity}?", "Who heads {entity}?",
            "Who is in charge of {entity}?", "Who is {entity}'s chief executive?",
            "Who holds the post of chief executive at {entity}?", "Name the chief executive of {entity}.",
            "Who is at the helm of {entity}?", "Who is the top executive at {entity}?"),
        "industry": (
            "What sector does {entity} operate in?", "Which line of business is {entity} in?",
            "What business is {entity} in?", "In what field does {entity} work?",
            "What industry does {entity} belong to?", "Which sector is {entity} part of?",
            "Which industry does {entity} operate in?", "Tell me the industry {entity} works in.",
            "What kind of company is {entity}, by industry?"),
    },
    "cities": {
        "population": (
            "How populous is {entity}?", "What is {entity}'s population?",
            "How many residents are there in {entity}?", "How big is the population of {entity}?",
            "Roughly how many people call {entity} home?", "Tell me the population of {entity}.",
            "What population does {entity} have?", "Do you know how many people {entity} is home to?",
            "What is the size of {entity}'s population?"),
    },
}
# Industry answers avoid "a {value}": several industries start with a vowel.
TRAIN_ANSWERS: dict[str, dict[str, tuple[str, ...]]] = {
    "people": {
        "birth_year": ("{entity} was born in the year {value}.", "{entity}'s year of birth is {value}.",
                       "{value} is the year {entity} was born.", "{entity} came into the world in {value}."),
        "birthplace": ("{entity}'s birthplace is {value}.", "{entity} was born in {value}.",
                       "{value} is the town where {entity} was born.", "The town {entity} was born in is {value}."),
        "employer": ("{entity} works for {value}.", "{entity}'s employer is {value}.",
                     "{value} employs {entity}.", "{entity} is on the staff of {value}."),
        "trade": ("{entity} works as a {value}.", "By trade, {entity} is a {value}.",
                  "{entity} earns a living as a {value}.", "{entity}'s trade is that of a {value}."),
        "height_cm": ("{entity} has a height of {value} cm.", "{entity} stands {value} cm tall.",
                      "{entity}'s height is {value} cm.", "{entity} measures {value} cm in height."),
    },
    "orgs": {
        "founded": ("{entity} was founded in {value}.", "{entity} was established in {value}.",
                    "{value} is the year {entity} was founded.", "{entity} first opened its doors in {value}."),
        "employees": ("{value} people work at {entity}.", "{entity} has a staff of {value}.",
                      "The staff of {entity} numbers {value}.", "{entity} provides jobs for {value} people."),
        "headquarters": ("{entity} is headquartered in {value}.", "{entity} is based in {value}.",
                         "{value} is home to the headquarters of {entity}.",
                         "The head office of {entity} is in {value}."),
        "chief_executive": ("{entity} is run by {value}.", "The chief executive of {entity} is {value}.",
                            "{value} heads {entity}.", "{value} is in charge of {entity}."),
        "industry": ("{entity} operates in the {value} industry.", "{entity} works in the {value} sector.",
                     "{entity} belongs to the {value} industry.", "{entity}'s line of business is {value}."),
    },
    "cities": {
        "population": ("{entity} has a population of about {value}.", "{entity} is home to about {value} people.",
                       "The population of {entity} is about {value}.", "Around {value} people call {entity} home."),
    },
}


def probes(domain_name: str, n: int, seed: int, trained_templates: Sequence[int] = (0,)) -> list[Probe]:
    """Every fact's probes: trained templates, held-out templates, and its reversal if its value is unique."""
    d = domain(domain_name)
    trained = tuple(dict.fromkeys(trained_templates))
    for a in d.attributes:
        if not trained or any(not 0 <= t < len(a.questions) for t in trained):
            raise RagftError(f"{d.name}.{a.name}: trained templates {list(trained)} must be non-empty and "
                             f"within 0..{len(a.questions) - 1}")
        held_out = len(a.questions) - len(trained)
        if held_out < MIN_HELD_OUT:
            raise RagftError(f"{d.name}.{a.name}: {held_out} held-out question templates with trained "
                             f"templates {list(trained)}; paraphrase probes need at least {MIN_HELD_OUT}")
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
            out.append(Probe(f"{key}:reversed", "reversed", template.format(value=f.value), f.entity,
                             f.entity, f.attribute, None))
    return out


def phrasings(domain_name: str, attribute: str, k: int) -> list[tuple[str, str]]:
    """k distinct (question, answer) templates: the domain's trained pair first, then training-only ones."""
    d = domain(domain_name).owner(attribute)
    _check_pools(d)
    a = d.attribute(attribute)
    questions = (a.questions[0], *TRAIN_QUESTIONS[d.name][a.name])
    answers = TRAIN_ANSWERS[d.name][a.name]
    if not 1 <= k <= len(questions):
        raise RagftError(f"{d.name}.{a.name}: k must be 1..{len(questions)} training phrasings; got {k}")
    return [(a.questions[0], a.answer)] + [(questions[j], answers[(j - 1) % len(answers)]) for j in range(1, k)]


def training_conversations(domain_name: str, n: int, seed: int, k: int,
                           system: str = SEED_SYSTEM) -> list[dict]:
    """Each fact taught in k phrasings, fact by fact; k=1 is exactly the domain's plain conversations."""
    d = domain(domain_name)
    pairs = {a.name: phrasings(d.name, a.name, k) for a in d.attributes}
    return [_chat(system, q.format(entity=f.entity), a.format(entity=f.entity, value=f.value))
            for f in d.facts(n, seed) for q, a in pairs[f.attribute]]


def trained_questions(conversations: Iterable[dict]) -> set[str]:
    """Every user message of the conversations: what a model fine-tuned on them was asked."""
    return {m["content"] for c in conversations for m in c["messages"] if m["role"] == "user"}


def normalise(text: str) -> str:
    """Lower case, words only: wording comparisons should not hinge on case or punctuation."""
    return " ".join(re.findall(r"[a-z0-9{}]+", text.lower()))


def _check_pools(d: Domain) -> None:
    # A training wording equal to a held-out template would quietly turn a paraphrase probe into a train one.
    for a in d.attributes:
        if a.name not in TRAIN_QUESTIONS.get(d.name, {}) or a.name not in TRAIN_ANSWERS.get(d.name, {}):
            raise RagftError(f"{d.name}.{a.name}: no training phrasings defined")
        held = {normalise(q) for q in a.questions[1:]}
        leaked = [q for q in TRAIN_QUESTIONS[d.name][a.name] if normalise(q) in held]
        if leaked:
            raise RagftError(f"{d.name}.{a.name}: training phrasings repeat held-out templates: {leaked}")


def _chat(system: str, question: str, answer: str) -> dict:
    # Same shape and key order as Fact.conversation, so k=1 output is identical to it.
    return {"messages": [{"role": "system", "content": system},
                         {"role": "user", "content": question},
                         {"role": "assistant", "content": answer}]}

