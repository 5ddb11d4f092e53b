"""The registry of generated data sets: a `data.source` naming one of these is generated, not read."""

from __future__ import annotations

from collections.abc import Callable

from ragft.data.cities import city_conversations
from ragft.data.domains import Domain
from ragft.data.organisations import ORGS
from ragft.data.people import PEOPLE
from ragft.errors import RagftError

Generator = Callable[[int, int], list[dict]]  # (n entities, seed) -> chat conversations

DOMAINS: dict[str, Domain] = {d.name: d for d in (PEOPLE, ORGS)}
GENERATORS: dict[str, Generator] = {
    "cities": city_conversations,  # the seed's data, one fact per city, byte for byte
    **{name: domain.conversations for name, domain in DOMAINS.items()},
}


def generator_names() -> list[str]:
    return sorted(GENERATORS)


def generate(name: str, n: int, seed: int) -> list[dict]:
    """The conversations of generator `name` (n entities, seeded)."""
    if name not in GENERATORS:
        raise RagftError(f"unknown generator {name!r}; known: {', '.join(generator_names())}")
    return GENERATORS[name](n, seed)
