"""The behaviour experiment's data: conversations to train a style on, held-out requests to test it on, the style
spec that scores a reply, the long instructions that describe it and the one-line system prompt that replaces them.

From the support generator (data/support.py), or from a team's own chat JSONL (config `behaviour`): there the
held-out requests are the test file, else a seeded share of the conversations (then train and test may share
wording: say so when reporting).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from ragft.data import support
from ragft.data.load import read_chat_file
from ragft.errors import RagftError
from ragft.evaluate.study_config import StyleConfig


@dataclass(frozen=True)
class Request:
    """One held-out request: the conversation up to the reply (system prompt removed) and the reference reply."""

    id: str
    dialog: list[dict]
    reference: str


@dataclass(frozen=True)
class BehaviourTask:
    description: str
    train: list[dict]  # conversations, the one-line system prompt first
    test: list[Request]
    style: object  # config.StyleConfig
    instructions: str | None
    system: str


def _without_system(messages: list[dict]) -> list[dict]:
    return [m for m in messages if m["role"] != "system"]


def _with_system(conversation: dict, system: str) -> dict:
    return {"messages": [{"role": "system", "content": system}, *_without_system(conversation["messages"])]}


def requests(conversations: list[dict], where: str) -> list[Request]:
    """Each conversation's last assistant message is the reference; what comes before it is asked."""
    out = []
    for k, conv in enumerate(conversations):
        messages = _without_system(conv["messages"])
        last = max((i for i, m in enumerate(messages) if m["role"] == "assistant"), default=None)
        if last is None or last == 0:
            raise RagftError(f"{where}: conversation {k + 1} has no user message followed by an assistant reply")
        out.append(Request(f"r{k:04d}", messages[:last], messages[last]["content"]))
    return out


def load_behaviour(config) -> BehaviourTask:
    """The task `config` (config.BehaviourConfig) describes."""
    if config.generated:
        train = support.conversations(config.n, config.seed, config.format, "train")
        test = support.conversations(config.test_n, config.seed, config.format, "test")
        style = config.style if not config.style.is_empty() else StyleConfig(**support.style(config.format))
        system = config.system or support.SYSTEM
        return BehaviourTask(
            f"support ({config.format}, n={config.n}, test {config.test_n}, seed={config.seed})",
            [_with_system(c, system) for c in train],
            requests(test, "support"),
            style,
            config.instructions or support.instructions(config.format),
            system,
        )

    conversations = read_chat_file(Path(config.source))
    if config.test:
        train, held = conversations, read_chat_file(Path(config.test))
        where = f"{config.source} (test {config.test})"
    else:
        order = list(range(len(conversations)))
        random.Random(config.seed).shuffle(order)
        cut = max(1, round(config.test_share * len(order)))
        if cut >= len(order):
            raise RagftError(
                f"{config.source}: {len(order)} conversation(s) leave none to train on after holding out "
                f"{config.test_share:.0%}; give more, or a test file (behaviour.test)"
            )
        held = [conversations[i] for i in sorted(order[:cut])]
        train = [conversations[i] for i in sorted(order[cut:])]
        where = f"{config.source} ({len(held)} held out at random, seed {config.seed})"
    system = config.system or next(
        (m["content"] for c in conversations for m in c["messages"] if m["role"] == "system"),
        "You are a helpful assistant.",
    )
    return BehaviourTask(
        where,
        [_with_system(c, system) for c in train],
        requests(held, config.test or config.source),
        config.style,
        config.instructions,
        system,
    )
