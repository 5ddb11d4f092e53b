"""Knowledge that changes: some facts get a new value, some are deleted (the update and deletion experiments).

A fact is one passage of a question-answer task (a chat answer, a generated fact's sentence). A
changed fact keeps its sentence with another value: for generated facts another entity's value of
the same attribute (so it stays plausible), else the first number moved by 10-40 % (a year by 2-25). Changed and
deleted facts are disjoint, drawn with the run's seed, so a run's plan is reproducible.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, replace

from ragft.data.questions import QAItem, passage_id
from ragft.errors import RagftError

_NUMBER = re.compile(r"(?<![\w.,])\d{2,}(?!\w|[.,]\d)")


@dataclass(frozen=True)
class Fact:
    key: str  # the passage id
    text: str
    value: str | None  # the changeable value as written in the text; None: cannot be changed
    kind: str  # the generated attribute, or "number"


@dataclass(frozen=True)
class Change:
    key: str
    old: str
    new: str

    @property
    def new_key(self) -> str:
        return passage_id(self.new)


@dataclass(frozen=True)
class EditPlan:
    changes: list[Change]
    deleted: list[Fact]
    unchanged: list[Fact]

    def conversations(self, train: list[dict]) -> list[dict]:
        """The training data once the world has changed: changed answers rewritten, deleted facts gone."""
        new = {c.key: c.new for c in self.changes}
        gone = {f.key for f in self.deleted}
        out = []
        for conv in train:
            answer = _answer(conv)
            key = passage_id(answer["content"]) if answer else None
            if key in gone:
                continue
            out.append(_with_answer(conv, new[key]) if key in new else conv)
        return out

    def changed_conversations(self, train: list[dict]) -> list[dict]:
        """Only the changed facts, as they are now: what continued training teaches."""
        new = {c.key: c.new for c in self.changes}
        return [
            _with_answer(conv, new[k])
            for conv in train
            if (a := _answer(conv)) and (k := passage_id(a["content"])) in new
        ]


def knowledge_facts(passages: dict[str, str], generated: list | None = None) -> list[Fact]:
    """The task's facts: generated ones know their value; others offer their first number, if any."""
    known = {f.answer: f for f in generated or []}
    out = []
    for key, text in passages.items():
        g = known.get(text)
        if g is not None:
            out.append(Fact(key, text, g.value, g.attribute))
            continue
        m = _NUMBER.search(text)
        out.append(Fact(key, text, m.group(0) if m else None, "number"))
    return out


def plan_edits(
    facts: list[Fact],
    fraction: float,
    seed: int,
    change: bool = True,
    delete: bool = True,
    values_from: list[Fact] | None = None,
) -> EditPlan:
    """Change `fraction` of the facts and delete another `fraction` (each at least one), the rest unchanged.

    A changed generated fact takes a value its attribute has among `values_from` (default: `facts`).
    """
    rng = random.Random(seed)
    pools: dict[str, list[str]] = {}
    for f in values_from or facts:
        if f.value is not None and f.kind != "number":
            pools.setdefault(f.kind, []).append(f.value)
    # A value changes to another its attribute takes, or a number moves; a name no other entity shares cannot.
    changeable = [
        f for f in facts if f.value is not None and (f.value.isdigit() or set(pools.get(f.kind, [])) - {f.value})
    ]
    count = max(1, round(fraction * len(facts)))
    needed = count * (int(change) + int(delete)) + 1  # at least one fact stays as it was
    if len(facts) < needed or (change and len(changeable) < count):
        raise RagftError(
            f"update and deletion need at least {needed} facts ({count} changed or deleted and one "
            f"kept){' with a number or a generated value' if change else ''}; the data has "
            f"{len(changeable) if change else len(facts)}"
        )
    changed = rng.sample(changeable, count) if change else []
    rest = [f for f in facts if f not in changed]
    deleted = rng.sample(rest, count) if delete else []
    changes = [Change(f.key, f.text, _rewrite(f, pools, rng)) for f in changed]
    unchanged = [f for f in rest if f not in deleted]
    return EditPlan(changes, deleted, unchanged)


def items_about(items: list[QAItem], facts) -> list[QAItem]:
    """The trained-phrasing questions (not paraphrases, not reversed) about these facts, in fact order."""
    keys = [f.key for f in facts]
    asked = [i for i in items if i.family in (None, "train") and i.gold_ids and i.gold_ids[0] in keys]
    return sorted(asked, key=lambda i: keys.index(i.gold_ids[0]))


def changed_items(items: list[QAItem], changes: list[Change]) -> list[tuple[QAItem, QAItem]]:
    """(as it was, as it is now) for every question about a changed fact."""
    by_key = {c.key: c for c in changes}
    return [
        (i, replace(i, reference=by_key[i.gold_ids[0]].new, gold_ids=(by_key[i.gold_ids[0]].new_key,)))
        for i in items_about(items, changes)
    ]


def _rewrite(fact: Fact, pools: dict[str, list[str]], rng: random.Random) -> str:
    others = sorted(set(pools.get(fact.kind, [])) - {fact.value})
    if others:
        new = rng.choice(others)
    else:
        old = int(fact.value)
        if len(fact.value) == 4 and 1000 <= old <= 2100:  # a year: another plausible year
            step = rng.randint(2, 25)
            new = str(old - step if old + step > 2100 or rng.random() < 0.5 else old + step)
        else:
            step = max(1, round(old * rng.uniform(0.1, 0.4)))
            new = str(old + step if rng.random() < 0.5 or old - step <= 0 else old - step)
    return _replace_value(fact.text, fact.value, new)


def _replace_value(text: str, old: str, new: str) -> str:
    pattern = re.compile(rf"(?<![\w.,]){re.escape(old)}(?![\w]|[.,]\d)")
    if not pattern.search(text):
        raise RagftError(f"cannot change the value {old!r} in {text[:80]!r}")
    return pattern.sub(new, text, count=1)


def _answer(conv: dict) -> dict | None:
    answers = [m for m in conv["messages"] if m["role"] == "assistant"]
    return answers[-1] if answers else None


def _with_answer(conv: dict, text: str) -> dict:
    last = max(i for i, m in enumerate(conv["messages"]) if m["role"] == "assistant")
    messages = [dict(m, content=text) if i == last else m for i, m in enumerate(conv["messages"])]
    return {**conv, "messages": messages}
