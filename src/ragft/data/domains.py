"""Generated knowledge as (entity, attribute, value) facts, each askable in several phrasings.

A domain draws entities with their attribute values from one seeded random.Random, so a
(domain, n, seed) triple names a data set exactly. Question template 0 is the phrasing used for
training and testing; the others are held-out paraphrases for generalisation studies.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import zip_longest

from ragft.data.cities import SEED_SYSTEM
from ragft.errors import RagftError

# An entity and its attribute values, keyed by attribute name.
Record = tuple[str, dict[str, str]]
Drawer = Callable[[int, random.Random], list[Record]]


@dataclass(frozen=True)
class Attribute:
    """What can be known about an entity and how it is asked and answered.

    `answer` should add nothing to a question but the value (no words beyond {entity}, {value} and
    stop words that are missing from any question template): ragft scores text answers by the words
    the reference adds to the question, so a bare value then counts as correct for every phrasing.
    """

    name: str
    questions: tuple[str, ...]  # templates with {entity}; [0] is the trained phrasing
    answer: str  # a sentence with {entity} and {value}
    reversed: str | None = None  # asks for the entity given {value}; only used where the value is unique

    def ask(self, entity: str, i: int = 0) -> str:
        return self.questions[i].format(entity=entity)

    def state(self, entity: str, value: str) -> str:
        return self.answer.format(entity=entity, value=value)


@dataclass(frozen=True)
class Fact:
    entity: str
    attribute: str  # the Attribute's name
    value: str
    answer: str  # the rendered answer sentence: the knowledge-base passage
    questions: tuple[str, ...]  # every question template, rendered for this entity

    @property
    def question(self) -> str:
        """The trained phrasing (template 0)."""
        return self.questions[0]

    def ask(self, i: int) -> str:
        """Question template i, rendered; 1.. are paraphrases never seen in training."""
        return self.questions[i]

    def conversation(self, system: str = SEED_SYSTEM) -> dict:
        return {
            "messages": [
                {"role": "system", "content": system},
                {"role": "user", "content": self.question},
                {"role": "assistant", "content": self.answer},
            ]
        }


@dataclass(frozen=True)
class Domain:
    name: str
    attributes: tuple[Attribute, ...]
    draw: Drawer  # n entities with a value for every attribute, from the given rng
    # Training-only wordings per attribute, for augmentation (data/probes.py); none: k = 1 only.
    train_questions: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    train_answers: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def facts(self, n: int, seed: int = 42) -> list[Fact]:
        """Every fact of n entities, entity by entity in attribute order; the same for the same seed."""
        records = self.draw(n, random.Random(seed))
        names = [entity for entity, _ in records]
        if len(set(names)) != len(names):  # two entities with one name would make questions ambiguous
            raise RagftError(f"{self.name}: duplicate entity names {sorted(_repeated(names))[:3]}")
        return [
            Fact(
                entity,
                a.name,
                values[a.name],
                a.state(entity, values[a.name]),
                tuple(a.ask(entity, i) for i in range(len(a.questions))),
            )
            for entity, values in records
            for a in self.attributes
        ]

    def conversations(self, n: int, seed: int = 42, system: str = SEED_SYSTEM) -> list[dict]:
        """One chat per fact: system, question template 0, the answer sentence."""
        return [f.conversation(system) for f in self.facts(n, seed)]

    def attribute(self, name: str) -> Attribute:
        return next(a for a in self.attributes if a.name == name)

    def owner(self, attribute: str) -> Domain:
        """The domain an attribute belongs to: this one (a Mix has several)."""
        return self

    def sample(self, size: int, seed: int = 42) -> list[Fact]:
        """The first `size` facts of as many entities as they need."""
        return self.facts(math.ceil(size / len(self.attributes)), seed)[:size]

    def reversals(self, facts: Sequence[Fact]) -> list[tuple[str, str]]:
        """(question, entity) pairs asking for the entity by a value only one entity has."""
        counts = Counter((f.attribute, f.value) for f in facts)
        out = []
        for f in facts:
            template = self.attribute(f.attribute).reversed
            if template and counts[(f.attribute, f.value)] == 1:
                out.append((template.format(value=f.value), f.entity))
        return out


def unique_names(
    first: Sequence[str], last: Sequence[str], n: int, rng: random.Random, what: str = "names"
) -> list[str]:
    """n distinct "First Last" names, drawn without replacement from every pairing."""
    capacity = len(first) * len(last)
    if n > capacity:
        raise RagftError(f"at most {capacity} distinct {what} can be generated; asked for {n}")
    return [f"{first[i // len(last)]} {last[i % len(last)]}" for i in rng.sample(range(capacity), n)]


def _repeated(names: list[str]) -> set[str]:
    return {name for name, k in Counter(names).items() if k > 1}


@dataclass(frozen=True)
class Mix:
    """Several generated domains as one knowledge base ("people:2+cities:10"): the study of a mixed team wiki.

    Each part is drawn exactly as on its own (`count` entities, or the run's n where no count is given, with
    the run's seed), so a mix holds the same facts as its parts generated one by one. It answers to what a
    Domain answers to; each attribute belongs to one part, which phrases, reverses and names it.
    """

    name: str
    parts: tuple[tuple[Domain, int | None], ...]

    def __post_init__(self):
        names = [a.name for d, _ in self.parts for a in d.attributes]
        if len(set(names)) != len(names):
            raise RagftError(f"{self.name}: the domains share attribute names {sorted(_repeated(names))}")

    @property
    def attributes(self) -> tuple[Attribute, ...]:
        return tuple(a for d, _ in self.parts for a in d.attributes)

    def facts(self, n: int, seed: int = 42) -> list[Fact]:
        """Each part's facts as it draws them alone, taken in turn."""
        per_part = [d.facts(count or n, seed) for d, count in self.parts]
        entities = [e for facts in per_part for e in {f.entity for f in facts}]
        if len(set(entities)) != len(entities):  # one name in two domains would make questions ambiguous
            raise RagftError(f"{self.name}: entities named alike in two domains {sorted(_repeated(entities))[:3]}")
        return _in_turn(per_part)

    def conversations(self, n: int, seed: int = 42, system: str = SEED_SYSTEM) -> list[dict]:
        return [f.conversation(system) for f in self.facts(n, seed)]

    def attribute(self, name: str) -> Attribute:
        return self.owner(name).attribute(name)

    def owner(self, attribute: str) -> Domain:
        """The part this attribute belongs to."""
        return next(d for d, _ in self.parts if any(a.name == attribute for a in d.attributes))

    def reversals(self, facts: Sequence[Fact]) -> list[tuple[str, str]]:
        return [r for d, _ in self.parts for r in d.reversals([f for f in facts if self.owner(f.attribute) is d])]

    def sample(self, size: int, seed: int = 42) -> list[Fact]:
        """`size` facts taken in turn from each part (for knowledge bases of a given size)."""
        return _in_turn([d.sample(math.ceil(size / len(self.parts)), seed) for d, _ in self.parts])[:size]


def _in_turn(lists: list[list[Fact]]) -> list[Fact]:
    """One fact of each part in turn, so the first questions of a mix (--limit) span every domain."""
    return [f for row in zip_longest(*lists) for f in row if f is not None]
