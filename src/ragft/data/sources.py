"""The registry of generated data sets and their domains: a `data.source` naming one of these (or a mix of
them) is generated, not read; `domain(name)` gives its facts and question templates."""

from __future__ import annotations

import random
import re
from collections.abc import Callable

from ragft.data.cities import city_conversations
from ragft.data.domains import Attribute, Domain, Mix, Record
from ragft.data.organisations import ORGS
from ragft.data.people import PEOPLE
from ragft.errors import RagftError

Generator = Callable[[int, int], list[dict]]  # (n entities, seed) -> chat conversations
_MIX_PART = re.compile(r"([a-z]+)(?::([1-9][0-9]{0,5}))?")  # "people", "cities:10"

DOMAINS: dict[str, Domain] = {d.name: d for d in (PEOPLE, ORGS)}
GENERATORS: dict[str, Generator] = {
    "cities": city_conversations,  # the seed's data, one fact per city, byte for byte
    **{name: d.conversations for name, d in DOMAINS.items()},
}


def generator_names() -> list[str]:
    return sorted(GENERATORS)


def is_generator(name: str) -> bool:
    """Does `name` name generated data: a generator, or a mix of them ("people:2+cities:10")?"""
    if name in GENERATORS:
        return True
    if "+" not in name:
        return False
    try:
        return all(part in GENERATORS for part, _ in mix_parts(name))
    except RagftError:
        return False


def generated_description(source: str, n: int, seed: int) -> str:
    """"people (n=4, seed=42)"; a mix whose every part has its count needs no n: "people:2+cities:10 (seed=42)"."""
    counted = "+" in source and all(count for _, count in mix_parts(source))
    return f"{source} (seed={seed})" if counted else f"{source} (n={n}, seed={seed})"


def generate(name: str, n: int, seed: int) -> list[dict]:
    """The conversations of generator `name` (n entities, seeded), or of a mix of them."""
    if name not in GENERATORS:
        if is_generator(name):
            return domain(name).conversations(n, seed)
        raise RagftError(f"unknown generator {name!r}; known: {', '.join(generator_names())}, or a mix of them "
                         "joined by '+' (people:2+cities:10)")
    return GENERATORS[name](n, seed)


def _draw_cities(n: int, rng: random.Random) -> list[Record]:
    # Same randint calls in the same order as city_conversations, so the values match it exactly
    # (a test holds the two together).
    return [(f"City_{i}", {"population": str(rng.randint(100000, 10000000))}) for i in range(1, n + 1)]


# The seed's cities as a Domain, for probes and mixes (the `cities` generator itself is city_conversations).
# Lives here, not in cities.py: domains.py imports cities.py, so cities.py cannot import Domain.
CITIES = Domain("cities", (
    Attribute("population",
              ("What is the population of {entity}?", "How many people live in {entity}?",
               "How many inhabitants does {entity} have?", "What is the number of inhabitants of {entity}?"),
              "{entity} has about {value} inhabitants.", "Which city has about {value} inhabitants?"),
), _draw_cities)


def domain(name: str) -> Domain | Mix:
    """The generated domain `name`, cities included, or a mix of them ("people:2+cities:10", data/domains.py)."""
    known = {**DOMAINS, CITIES.name: CITIES}
    if "+" in name:
        return Mix(name, tuple((domain(part), count) for part, count in mix_parts(name)))
    if name not in known:
        raise RagftError(f"unknown domain {name!r}; known: {', '.join(sorted(known))}, or a mix like people+cities")
    return known[name]


def mix_parts(name: str) -> list[tuple[str, int | None]]:
    """("people", 2), ("cities", None) from "people:2+cities"; a part without a count takes the run's n."""
    parts = []
    for part in name.split("+"):
        m = _MIX_PART.fullmatch(part.strip())
        if not m:
            raise RagftError(f"{name!r}: a mix is domains joined by '+', each optionally ':COUNT' "
                             f"(e.g. people:2+cities:10); bad part {part!r}")
        parts.append((m[1], int(m[2]) if m[2] else None))
    names = [p for p, _ in parts]
    if len(set(names)) != len(names) or len(names) < 2:
        raise RagftError(f"{name!r}: a mix needs two or more different domains")
    return parts


def generated_facts(data) -> list | None:
    """The generator's facts (entity, attribute, value) when the data (a DataConfig) is generated, else None."""
    return domain(data.source).facts(data.n, data.seed) if data.generated else None
