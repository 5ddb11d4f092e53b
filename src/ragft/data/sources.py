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


def is_generator(name: str) -> bool:
    """Does `name` name generated data: a generator, or a mix of them ("people:2+cities:10")?"""
    if name in GENERATORS:
        return True
    if "+" not in name:
        return False
    from ragft.data.probes import mix_parts

    try:
        return all(part in GENERATORS for part, _ in mix_parts(name))
    except RagftError:
        return False


def generate(name: str, n: int, seed: int) -> list[dict]:
    """The conversations of generator `name` (n entities, seeded), or of a mix of them."""
    if name not in GENERATORS:
        if is_generator(name):
            from ragft.data.probes import domain

            return domain(name).conversations(n, seed)
        raise RagftError(f"unknown generator {name!r}; known: {', '.join(generator_names())}, or a mix of them "
                         "joined by '+' (people:2+cities:10)")
    return GENERATORS[name](n, seed)
