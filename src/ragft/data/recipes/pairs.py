"""Synthetic question/answer pairs about the chunks, and the filter every pair passes before it is trained on.

Pairs come from the chunks' structure (a table row's cells, a key–value line: no model), from questions the
generator proposes for a span of a chunk (a number, a name, a term: the answer is known, only the question is
asked for, which even a small local model can do), and, from a remote generator, question/answer pairs it writes
itself. A pair is kept only if the untouched model, reading the chunk, states its answer (the round-trip filter),
and never if its question is close to a test question.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from ragft.data.recipes.recipe import RecipeInput
from ragft.data.recipes.structure import column, key_value, subject, table_row
from ragft.facts import STOPWORDS, stated_spans, states_value, words
from ragft.rag.chunking import Chunk

ANSWER_CHARS = 300  # a chunk body longer than this is not a one-sentence answer: the span is said alone
NEAR_TEST = 0.7  # content-word overlap (Jaccard) at which a question counts as a test question reworded
SPAN_SYSTEM = (
    "You write quiz questions. Given a text and an answer taken from it, reply with one question that the text "
    "answers with exactly that answer. The question names its subject in full."
)
# Worked examples (made up, about no bundled document): small models otherwise answer instead of asking.
SPAN_EXAMPLES = (
    ("Zoo Guide › Penguins: Feeding time is at 14:30.", "14:30", "When is feeding time for the penguins?"),
    ("Garden Club › Committee: The treasurer is Ada Brook.", "Ada Brook", "Who is the garden club's treasurer?"),
)
QA_SYSTEM = (
    "You write question-answer pairs for studying a document. Each question asks about one fact the passage states, "
    "names its subject in full (never 'it' or 'the passage') and can be answered without the passage; each answer "
    "is one short sentence stating that fact."
)
_NAME = re.compile(r"(?<=[a-z,;:(] )[A-Z][\w'’.-]*(?: (?:[A-Z][\w'’.-]*|(?:of|de|van|von|&)(?= [A-Z])))*(?<![ .])")
_CODE = re.compile(r"`([^`\s]{2,60})`")
_QA_LINE = re.compile(r"Q:\s*(?P<q>.+?\?)\s*A:\s*(?P<a>.+?)(?=\s*Q:|$)", re.DOTALL)
_CITATION = re.compile(r"\s*\[\d+(?:,\s*\d+)*\]")


@dataclass(frozen=True)
class Pair:
    question: str
    answer: str  # what a fine-tune learns to say
    value: str  # what the answer must state (the round-trip check)
    chunk_id: str
    origin: str  # "table row", "key-value", "span", "generator"
    teacher: str = ""  # the untouched model's answer with the chunk in its prompt (prompt distillation's target)


def structure_pairs(chunk_id: str, chunk: Chunk) -> list[Pair]:
    """One pair per cell of a labelled table row, one for a key–value line: no model asked."""
    row = table_row(chunk.body)
    if row:
        # A row keyed by a name asks about it; one keyed by a value (a timetable's time) names its section too.
        about = row.subject if not stated_spans(row.subject) else f"{row.key} {row.subject} ({subject(chunk)})"
        return [
            Pair(
                f"What is the {column(c)} of {about}?", f"The {column(c)} of {about} is {v}.", v, chunk_id, "table row"
            )
            for c, v in row.cells
        ]
    pair = key_value(chunk.body)
    if pair:
        key, value = pair
        return [Pair(f"What does {chunk.header} say about {key}?", f"{key}: {value}", value, chunk_id, "key-value")]
    return []


def spans(chunk: Chunk) -> list[str]:
    """What a question about the chunk could have as its answer: the numbers it states (with their unit), the
    names in it (not the one it is about) and the code terms it quotes; each once, in order."""
    found = [s for _, s in stated_spans(chunk.body)] + _NAME.findall(chunk.body) + _CODE.findall(chunk.body)
    about = set(words(subject(chunk)))
    return list(dict.fromkeys(s for s in found if not set(words(s)) <= about))


def span_prompt(chunk: Chunk, span: str) -> list[dict]:
    messages = [{"role": "system", "content": SPAN_SYSTEM}]
    for text, answer, question in SPAN_EXAMPLES:
        messages += [
            {"role": "user", "content": f"Text: {text}\nAnswer: {answer}"},
            {"role": "assistant", "content": question},
        ]
    return messages + [{"role": "user", "content": f"Text: {chunk.text}\nAnswer: {span}"}]


def qa_prompt(chunk: Chunk, k: int) -> list[dict]:
    return [
        {"role": "system", "content": QA_SYSTEM},
        {
            "role": "user",
            "content": f"Passage ({chunk.header}): {chunk.body}\n\nWrite {k} pairs, one per line, as:\n"
            "Q: <question> A: <answer>",
        },
    ]


def proposed_question(text: str) -> str | None:
    """The question a completion proposes: its first line, if it is one."""
    line = next((x.strip() for x in text.strip().splitlines() if x.strip()), "")
    line = re.sub(r"^(?:Q(?:uestion)?\s*[:.]\s*)", "", line).strip("\"'“” ")
    return line if line.endswith("?") and 10 <= len(line) <= 200 else None


def parse_pairs(text: str) -> list[tuple[str, str]]:
    """(question, answer) from lines "Q: ... A: ..." (a pair may span two lines)."""
    return [(m["q"].strip(), " ".join(m["a"].split())) for m in _QA_LINE.finditer(text)]


ASKING = frozenset({"who", "what", "when", "where", "which", "why", "how", "much", "many", "long"})


def key_words(text: str) -> set[str]:
    """The words of a question that say what it asks: not stopwords, but the question words ("who built" and
    "when was ... built" ask different things)."""
    return {w for w in words(text) if w not in STOPWORDS or w in ASKING}


def near_test(question: str, tests: list[set[str]]) -> bool:
    """Is the question one of the test questions, or close to one (most of its content words shared)?"""
    mine = key_words(question)
    return any(mine and len(mine & t) / len(mine | t) >= NEAR_TEST for t in tests)


def clean_answer(text: str) -> str:
    """A grounded answer as a closed-book answer: its citations ([1]) taken out."""
    return " ".join(_CITATION.sub("", text).split())


def candidate_pairs(given: RecipeInput) -> tuple[list[Pair], dict[str, int]]:
    """Every pair proposed for the chunks, before the filter, and how many proposals gave no usable pair."""
    pairs: list[Pair] = []
    unusable = {"no question proposed": 0, "answer not in the chunk": 0}
    asked: list[tuple[str, str, list[dict]]] = []  # (chunk id, span, prompt)
    for cid, chunk in given.chunks.items():
        mine = structure_pairs(cid, chunk)[: given.k]
        pairs += mine
        asked += [(cid, s, span_prompt(chunk, s)) for s in spans(chunk)[: max(0, given.k - len(mine))]]
    for (cid, span, _), text in zip(asked, given.generate([p for _, _, p in asked])):
        question, chunk = proposed_question(text), given.chunks[cid]
        if question is None or states_value(question, span):
            unusable["no question proposed"] += 1
            continue
        answer = chunk.body if len(chunk.body) <= ANSWER_CHARS else span
        pairs.append(Pair(question, answer, span, cid, "span"))
    if given.generator != "local":  # a capable generator writes whole pairs too
        ids = list(given.chunks)
        for cid, text in zip(ids, given.generate([qa_prompt(given.chunks[c], given.k) for c in ids])):
            for question, answer in parse_pairs(text)[: given.k]:
                if not states_value(given.chunks[cid].text, answer, question):
                    unusable["answer not in the chunk"] += 1
                    continue
                pairs.append(Pair(question, answer, answer, cid, "generator"))
    return pairs, unusable


def filtered_pairs(given: RecipeInput) -> tuple[list[Pair], dict]:
    """The pairs kept (each with the untouched model's grounded answer as `teacher`) and what was dropped, why."""
    proposed, dropped = candidate_pairs(given)
    tests = [key_words(q) for q in given.test_questions]
    seen: set[tuple[str, ...]] = set()
    unique = []
    dropped.update({"duplicate": 0, "near a test question": 0, "untouched model wrong with the chunk": 0})
    for p in proposed:
        key = tuple(words(p.question))
        if key in seen:
            dropped["duplicate"] += 1
        elif near_test(p.question, tests):
            dropped["near a test question"] += 1
        else:
            seen.add(key)
            unique.append(p)
    answers = given.read([(p.question, given.chunks[p.chunk_id]) for p in unique])
    kept = []
    for p, answer in zip(unique, answers):
        if states_value(answer, p.value, p.question):
            kept.append(replace(p, teacher=clean_answer(answer)))
        else:
            dropped["untouched model wrong with the chunk"] += 1
    origins = dict.fromkeys(p.origin for p in proposed)
    stats = {
        "generator": given.generator,
        "proposed": len(proposed) + dropped["no question proposed"] + dropped["answer not in the chunk"],
        "kept": len(kept),
        "dropped": dropped,
        "kept_by_origin": {o: sum(p.origin == o for p in kept) for o in origins},
    }
    return kept, stats
