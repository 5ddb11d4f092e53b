"""The `cities` domain: the seed's fake cities, one fact each (population). Its conversations are the seed's own,
byte for byte (data/cities.py); the domain gives the same values for probes and mixes (a test holds the two
together)."""

from __future__ import annotations

import random

from ragft.data.cities import city_conversations
from ragft.data.domains import Attribute, Domain, Record

GENERATOR = city_conversations


def draw(n: int, rng: random.Random) -> list[Record]:
    # Same randint calls in the same order as city_conversations, so the values match it exactly.
    return [(f"City_{i}", {"population": str(rng.randint(100000, 10000000))}) for i in range(1, n + 1)]


# Training-only wordings for augmentation (data/probes.py): phrasing 0 is the attribute's own template 0 and answer;
# phrasing j >= 1 uses question j-1 here and answer (j-1) mod len here. None may repeat a held-out template.
TRAIN_QUESTIONS: dict[str, tuple[str, ...]] = {
    "population": (
        "How populous is {entity}?",
        "What is {entity}'s population?",
        "How many residents are there in {entity}?",
        "How big is the population of {entity}?",
        "Roughly how many people call {entity} home?",
        "Tell me the population of {entity}.",
        "What population does {entity} have?",
        "Do you know how many people {entity} is home to?",
        "What is the size of {entity}'s population?",
    ),
}
TRAIN_ANSWERS: dict[str, tuple[str, ...]] = {
    "population": (
        "{entity} has a population of about {value}.",
        "{entity} is home to about {value} people.",
        "The population of {entity} is about {value}.",
        "Around {value} people call {entity} home.",
    ),
}


DOMAIN = Domain(
    "cities",
    (
        Attribute(
            "population",
            (
                "What is the population of {entity}?",
                "How many people live in {entity}?",
                "How many inhabitants does {entity} have?",
                "What is the number of inhabitants of {entity}?",
            ),
            "{entity} has about {value} inhabitants.",
            "Which city has about {value} inhabitants?",
        ),
    ),
    draw,
    TRAIN_QUESTIONS,
    TRAIN_ANSWERS,
)
