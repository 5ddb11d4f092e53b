"""The registry of generated data sets and their domains: a `data.source` naming one of these (or a mix of
them) is generated, not read; `domain(name)` gives its facts and question templates."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache

from ragft.data.domains import Domain, Mix
from ragft.errors import RagftError
from ragft.plugins import discover_modules

Generator = Callable[[int, int], list[dict]]  # (n entities, seed) -> chat conversations
ENTRY_POINT_GROUP = "ragft.domains"  # a module of another package defining DOMAIN (and GENERATOR)
_MIX_PART = re.compile(r"([a-z]+)(?::([1-9][0-9]{0,5}))?")  # "people", "cities:10"


@cache
def _registered() -> dict[str, tuple[Domain, Generator]]:
    """{name: (domain, its generator)} of every module of ragft.data.generated and every entry point: found on first
    use, never at import time."""
    out: dict[str, tuple[Domain, Generator]] = {}
    for module in discover_modules("ragft.data.generated", ENTRY_POINT_GROUP, "DOMAIN"):
        domain = module.DOMAIN
        if domain.name in out:
            raise RagftError(f"two generated domains are called {domain.name!r}; rename one")
        out[domain.name] = (domain, getattr(module, "GENERATOR", domain.conversations))
    return out


def domains() -> dict[str, Domain]:
    return {name: d for name, (d, _) in _registered().items()}


def phrased_sources() -> str:
    """The data sources whose facts can be asked in several phrasings (data/probes.py), for messages."""
    return f"{', '.join(generator_names())}, or a mix like people:2+cities:10"


def generator_names() -> list[str]:
    return sorted(_registered())


def is_generator(name: str) -> bool:
    """Does `name` name generated data: a generator, or a mix of them ("people:2+cities:10")?"""
    if name in _registered():
        return True
    if "+" not in name:
        return False
    try:
        return all(part in _registered() for part, _ in mix_parts(name))
    except RagftError:
        return False


def generated_description(source: str, n: int, seed: int) -> str:
    """ "people (n=4, seed=42)"; a mix whose every part has its count needs no n: "people:2+cities:10 (seed=42)"."""
    counted = "+" in source and all(count for _, count in mix_parts(source))
    return f"{source} (seed={seed})" if counted else f"{source} (n={n}, seed={seed})"


def generate(name: str, n: int, seed: int) -> list[dict]:
    """The conversations of generator `name` (n entities, seeded), or of a mix of them."""
    if name not in _registered():
        if is_generator(name):
            return domain(name).conversations(n, seed)
        raise RagftError(
            f"unknown generator {name!r}; known: {', '.join(generator_names())}, or a mix of them "
            "joined by '+' (people:2+cities:10)"
        )
    return _registered()[name][1](n, seed)


def domain(name: str) -> Domain | Mix:
    """The generated domain `name`, cities included, or a mix of them ("people:2+cities:10", data/domains.py)."""
    known = domains()
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
            raise RagftError(
                f"{name!r}: a mix is domains joined by '+', each optionally ':COUNT' "
                f"(e.g. people:2+cities:10); bad part {part!r}"
            )
        parts.append((m[1], int(m[2]) if m[2] else None))
    names = [p for p, _ in parts]
    if len(set(names)) != len(names) or len(names) < 2:
        raise RagftError(f"{name!r}: a mix needs two or more different domains")
    return parts


def generated_facts(data) -> list | None:
    """The generator's facts (entity, attribute, value) when the data (a DataConfig) is generated, else None."""
    return domain(data.source).facts(data.n, data.seed) if data.generated else None
