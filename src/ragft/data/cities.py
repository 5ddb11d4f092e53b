"""The seed's synthetic dataset: fake cities and their populations, exactly as the blog post made it."""

from __future__ import annotations

import json
import random

SEED_SYSTEM = "You're a helpful assistant"


def city_conversations(n: int = 100, seed: int = 42) -> list[dict]:
    """n chats `What is the population of City_i?` -> `City_i has about N inhabitants.`.

    With the defaults this is byte-for-byte the seed's data (City_1 1967825, City_2 519610, ...):
    the random calls happen in the same order as in the original list comprehension.
    """
    rng = random.Random(seed)
    return [
        {
            "messages": [
                {"role": "system", "content": SEED_SYSTEM},
                {"role": "user", "content": f"What is the population of City_{i}?"},
                {"role": "assistant", "content": f"City_{i} has about {rng.randint(100000, 10000000)} inhabitants."},
            ]
        }
        for i in range(1, n + 1)
    ]


def to_jsonl(conversations: list[dict]) -> str:
    """The seed's serialisation: one JSON object per line, joined by newlines, no trailing newline."""
    return "\n".join(json.dumps(c) for c in conversations)
