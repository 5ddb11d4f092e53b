"""Questions about entities that are not in the knowledge: the unknowns experiment and the idk fine-tune.

Generated domains draw more entities with the same seed and keep those whose names the data does
not have, asked with the same question templates; the first `count` are asked, the next `count`
teach the idk fine-tune to say "I don't know", so no question it is tested on was trained on.
A user's own data gives such questions in a file (lifecycle.unknown_questions): first half taught,
second half asked.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from ragft.data.cities import SEED_SYSTEM
from ragft.data.domains import Mix
from ragft.data.questions import QAItem
from ragft.data.sources import domain, generated_facts, phrased_sources
from ragft.data.task import KnowledgeTask, read_questions
from ragft.errors import RagftError

IDK_ANSWER = "I don't know."
UNKNOWN = "unknown"  # the items' split and family


@dataclass(frozen=True)
class Unknowns:
    asked: list[QAItem]  # split "unknown": their reference is IDK_ANSWER; the right reply abstains
    taught: list[str]  # questions the idk fine-tune is trained to answer with IDK_ANSWER


def generated_unknowns(source: str, n: int, seed: int, count: int) -> Unknowns:
    """`count` unknown entities asked (every attribute, trained template) and `count` more taught."""
    d = domain(source)
    known = {f.entity for f in d.facts(n, seed)}
    if isinstance(d, Mix):  # a mix: strangers of its first domain, drawn afresh as that domain would be
        d, count_of_first = d.parts[0]
        n = count_of_first or n
    extra = n + 2 * count
    for _ in range(6):  # people and orgs draw names afresh for a larger n: some may repeat the data's
        facts = [f for f in d.facts(extra, seed) if f.entity not in known]
        entities = list(dict.fromkeys(f.entity for f in facts))
        if len(entities) >= 2 * count:
            break
        extra *= 2
    else:
        raise RagftError(f"{source}: could not draw {2 * count} entities that are not in the data")
    asked_entities, taught_entities = set(entities[:count]), set(entities[count : 2 * count])
    asked = [_item(f"unknown:{f.entity}:{f.attribute}", f.question) for f in facts if f.entity in asked_entities]
    taught = [f.question for f in facts if f.entity in taught_entities]
    return Unknowns(asked, taught)


def file_unknowns(path: Path) -> Unknowns:
    if not Path(path).is_file():
        raise RagftError(f"lifecycle.unknown_questions {path}: no such file")
    questions = [q for q, _ in read_questions(Path(path))]
    if len(questions) < 2:
        raise RagftError(f"{path}: give at least 2 questions (half taught to the idk fine-tune, half asked)")
    half = len(questions) // 2
    return Unknowns([_item(f"unknown:{k}", q) for k, q in enumerate(questions[half:], 1)], questions[:half])


def idk_conversations(questions: list[str], system: str = SEED_SYSTEM) -> list[dict]:
    return [
        {
            "messages": [
                {"role": "system", "content": system},
                {"role": "user", "content": q},
                {"role": "assistant", "content": IDK_ANSWER},
            ]
        }
        for q in questions
    ]


def _item(key: str, question: str) -> QAItem:
    return QAItem(key, question, IDK_ANSWER, (), UNKNOWN, UNKNOWN)


def check_source(config) -> None:
    """Questions about unknown entities need a generator to draw them from, or a file of them (an ExperimentConfig's
    data and lifecycle.unknown_questions): raise ValueError before any model loads."""
    if not config.data.generated and not config.lifecycle.unknown_questions:
        raise ValueError(
            "unknowns and the idk arm need entities that are not in the data: a generated source "
            f"({phrased_sources()}) or lifecycle.unknown_questions (a JSONL of questions)"
        )


def with_unknowns(task: KnowledgeTask, config, arms, ask: bool) -> tuple[KnowledgeTask, Unknowns | None]:
    """(the task, its unknowns): questions about entities not in the data where a study asks them (`ask`) or the
    idk fine-tune trains on them (data/unknowns.py), asked after --limit, so a limit never cuts them."""
    c = config
    if not ask and not any(a.train_on == "idk" for a in arms):
        return task, None
    if c.lifecycle.unknown_questions:
        unknowns = file_unknowns(Path(c.lifecycle.unknown_questions))
    else:
        entities = len({f.entity for f in generated_facts(c.data)})
        count = max(1, round(c.lifecycle.unknown_share * entities))
        unknowns = generated_unknowns(c.data.source, c.data.n, c.data.seed, count)
    if not ask:
        return task, unknowns
    return replace(task, items=task.items + unknowns.asked), unknowns
