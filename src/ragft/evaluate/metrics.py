"""Scoring answers against references, and Wilson intervals for every accuracy."""

from __future__ import annotations

import math
import re
from dataclasses import replace

from ragft.facts import (
    STOPWORDS,
    Stated,
    asked_unit,
    competes,
    content_words,
    number_matches,
    stated_numbers,
    states_value,
    term,
    words,
)

_SEED_NUMBER = re.compile(r"\s(\d+)")


def seed_number(text: str) -> int | None:
    """The blog post's extractor: the first run of digits that follows whitespace."""
    matches = _SEED_NUMBER.findall(text)
    return int(matches[0]) if matches else None


def number_correct(answer: str, references: list[Stated], question: str = "") -> bool:
    """The answer states every value of the reference ("09:00 to 16:00" has two) and no competing value
    (facts.competes: same order of magnitude and, where both name one, the same unit). Numbers the
    question itself states ("the Wren 20", "at the end of 2022") name the subject, not a value."""
    stated = stated_numbers(answer)
    if not all(any(number_matches(s, r.value) for s in stated) for r in references):
        return False
    asked = {s.value for s in stated_numbers(question)}
    extra = [s for s in stated if s.value not in asked and not any(number_matches(s, r.value) for r in references)]
    return not any(competes(s, r) for s in extra for r in references)


def text_correct(answer: str, reference: str, question: str) -> bool:
    needed = content_words(reference, question)  # what an answer must contain
    if not needed:  # the reference adds nothing: fall back to containing it whole
        return " ".join(words(reference)) in " ".join(words(answer))
    return needed <= set(words(answer))


def reference_values(reference: str, question: str = "") -> list[Stated]:
    """The reference's numbers; a bare count takes its unit from the question ("How many cars…?" / "38")."""
    unit = asked_unit(question)
    return [
        replace(s, unit=unit) if s.unit is None and unit and s.unit != "time" else s for s in stated_numbers(reference)
    ]


def restates(answer: str, question: str) -> bool:
    """The answer only says the question back ("Which extra adds SOCKS support?" -> "The extra that adds
    SOCKS support."): every content word the question's, and at least 80 % of the question's. It answers
    nothing, even where the reference is among the question's words ("sync or async?")."""
    said = {w for w in words(_CITATION_MARK.sub(" ", answer)) if w not in STOPWORDS}
    asked = {w for w in words(question) if w not in STOPWORDS}
    return len(said) >= 2 and said <= asked and len(said) >= 0.8 * len(asked)


def is_correct(answer: str, reference: str, question: str) -> bool:
    """ragft's robust metric: a reply that restates the question answers nothing; a term must be stated
    whole (`states_term`); else the reference's numbers if it has any, else the words it adds."""
    if restates(answer, question):
        return False
    if term(reference) is not None:
        return states_value(answer, reference)
    values = reference_values(reference, question)
    return number_correct(answer, values, question) if values else text_correct(answer, reference, question)


def is_correct_seed(answer: str, reference: str, question: str) -> bool:
    """The seed's metric; for references with no number it uses the robust word check instead
    (the seed's rule would count None == None as correct)."""
    ref = seed_number(reference)
    if ref is None:
        return text_correct(answer, reference, question)
    return seed_number(answer) == ref


def wilson_interval(correct: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """Wilson score 95 % interval: sensible at 0 % and 100 %, unlike the normal approximation."""
    if n == 0:
        return (0.0, 1.0)
    p = correct / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


# Free-text scoring, exactly as SQuAD's official evaluation script defines it (v1.1 EM/F1, v2's empty rule),
# so the numbers compare with the literature; facts.words splits on punctuation where SQuAD deletes it.
_CITATION_MARK = re.compile(r"\[\d{1,3}(?:\s*,\s*\d{1,3})*\]")  # ragft's "[1]" (and "[1, 2]")
_ARTICLES = re.compile(r"\b(a|an|the)\b", re.UNICODE)


def normalize_answer(text: str) -> str:
    """SQuAD's normalisation (lower-case, drop punctuation, drop a/an/the, collapse whitespace), after
    removing citation marks, which would otherwise leave their digits behind as tokens."""
    import string

    text = _CITATION_MARK.sub(" ", text).lower()
    text = "".join(ch for ch in text if ch not in string.punctuation)
    return " ".join(_ARTICLES.sub(" ", text).split())


def exact_match(answer: str, reference: str) -> bool:
    return normalize_answer(answer) == normalize_answer(reference)


def token_f1(answer: str, reference: str) -> float:
    """F1 over the bags of normalised tokens; if either side has none, 1.0 only when both have none."""
    from collections import Counter

    predicted, gold = normalize_answer(answer).split(), normalize_answer(reference).split()
    if not predicted or not gold:
        return float(predicted == gold)
    same = sum((Counter(predicted) & Counter(gold)).values())
    if same == 0:
        return 0.0
    precision, recall = same / len(predicted), same / len(gold)
    return 2 * precision * recall / (precision + recall)
