"""Held-out phrasings of a user's own questions, rewritten by an OpenAI-compatible endpoint.

Generated domains have held-out templates (data/probes.py); a team's own chat JSONL has one phrasing
per fact. `--rewriter-url` asks any OpenAI-compatible model (OpenAI, vLLM, `ragft serve`) to reword
each trained question k times; a rewrite is kept only if it is a new question that still names what
the original names (every word with a capital or a digit, e.g. `City_7`, `Marten E2`), so the
reference answer still holds. Kept rewrites are asked as split "test", family "rewritten".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ragft.data.questions import QAItem
from ragft.errors import RagftError
from ragft.facts import words
from ragft.models.openai_backend import api_error, chat_create, openai_client

REWRITE_SYSTEM = (
    "You reword questions. Reply with one question that asks the same thing in other words, keeping "
    "every name, number and code exactly as written."
)
# Worked examples: small models otherwise answer the question instead of rewording it.
REWRITE_EXAMPLES = (
    ("What is the capital of Norway?", "Which city is Norway's capital?"),
    ("How tall is the Eiffel Tower?", "What is the height of the Eiffel Tower?"),
    ("When was Acme Corp founded?", "In which year did Acme Corp start?"),
)


def rewrite_messages(question: str) -> list[dict]:
    messages = [{"role": "system", "content": REWRITE_SYSTEM}]
    for asked, reworded in REWRITE_EXAMPLES:
        messages += [{"role": "user", "content": asked}, {"role": "assistant", "content": reworded}]
    return messages + [{"role": "user", "content": question}]


_NAMED = re.compile(r"\b\w*(?:[A-Z]\w*\d|\d)\w*\b|\b[A-Z][\w'-]*")  # City_7, 2019, Marten, E2


@dataclass(frozen=True)
class RewriteSettings:
    url: str | None
    model: str
    api_key: str | None = None
    k: int = 3  # rewrites asked per question
    seed: int = 0


def keeps_meaning(original: str, rewrite: str) -> bool:
    """A new question that names everything the original names (the reference answer still holds)."""
    if not rewrite.endswith("?") or words(rewrite) == words(original) or len(rewrite) > 3 * len(original) + 40:
        return False
    named = {
        w
        for w in _NAMED.findall(original)
        if w.lower() not in ("what", "who", "where", "when", "which", "how", "in", "is", "the", "a", "an", "i")
    }
    return all(re.search(rf"(?<!\w){re.escape(w)}(?!\w)", rewrite, re.IGNORECASE) for w in named)


def _first_line(text: str) -> str:
    line = next((x.strip() for x in text.strip().splitlines() if x.strip()), "")
    return line.strip("\"'“”")


def rewrite_items(items: list[QAItem], settings: RewriteSettings) -> tuple[list[QAItem], dict]:
    """(rewritten items, counts): up to k kept rewrites per item, each with the item's reference and gold."""
    from openai import OpenAIError

    client = openai_client(settings.url, settings.api_key)
    out, asked, rejected = [], 0, 0
    for item in items:
        seen = {" ".join(words(item.question))}
        for j in range(settings.k):
            asked += 1
            try:
                response = chat_create(
                    client, settings.model, rewrite_messages(item.question), 64, temperature=1.0, seed=settings.seed + j
                )
            except OpenAIError as e:
                raise api_error(e, f"rewriting questions with {settings.model!r} at {settings.url}") from None
            text = _first_line(response.choices[0].message.content or "") if response.choices else ""
            key = " ".join(words(text))
            if key in seen or not keeps_meaning(item.question, text):
                rejected += 1
                continue
            seen.add(key)
            out.append(QAItem(f"{item.id}-r{j + 1}", text, item.reference, item.gold_ids, "test", "rewritten"))
    if items and not out:
        raise RagftError(
            f"the rewriter {settings.model!r} at {settings.url} kept no rewrite of {asked} asked "
            "(each must be a new question naming everything the original names)"
        )
    return out, {"asked": asked, "kept": len(out), "rejected": rejected}
