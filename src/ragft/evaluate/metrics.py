"""Scoring answers against references, and Wilson intervals for every accuracy."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

_SEED_NUMBER = re.compile(r"\s(\d+)")
# A number not glued to a word (so the 7 of "City_7" is a name, not a value), with optional
# thousands separators, decimals and a scale word.
_NUMBER = re.compile(
    r"(?<![\w.,])(\d{1,3}(?:[,\u202f\u00a0]\d{3})+|\d+)(?:\.(\d+))?(?![\w])"
    r"(?:\s*(million|mio|m|billion|bn|b|thousand|k)\b)?",
    re.IGNORECASE,
)
_SCALE = {"thousand": 3, "k": 3, "million": 6, "mio": 6, "m": 6, "billion": 9, "bn": 9, "b": 9}
MIN_APPROX_DIGITS = 3  # "1.97 million" counts; "about 2 million" is too vague to count
_WORD = re.compile(r"[a-z0-9]+")
_STOPWORDS = set(
    "a an the is are was were be been of in on at to for from by with and or it its this that these those "
    "what which who whom whose where when how why has have had about than as do does did i you he she they we "
    "there their our your his her my".split()
)


def seed_number(text: str) -> int | None:
    """The blog post's extractor: the first run of digits that follows whitespace."""
    matches = _SEED_NUMBER.findall(text)
    return int(matches[0]) if matches else None


@dataclass(frozen=True)
class Stated:
    """A number an answer states, and how many significant digits it claims."""

    value: float
    digits: int


def stated_numbers(text: str) -> list[Stated]:
    found = []
    for whole, frac, scale in _NUMBER.findall(text):
        integer = re.sub(r"[,\u202f\u00a0]", "", whole)
        value = float(f"{integer}.{frac}" if frac else integer) * 10 ** _SCALE.get(scale.lower(), 0)
        significant = (integer + frac).lstrip("0")
        digits = len(significant) if (frac or scale) else len(integer.lstrip("0") or "0")
        found.append(Stated(value, max(digits, 1)))
    return found


def number_matches(stated: Stated, reference: float) -> bool:
    if stated.value == reference:
        return True
    if stated.digits < MIN_APPROX_DIGITS or reference == 0:
        return False
    # An approximation is right if the reference rounds to it at the precision it claims.
    magnitude = math.floor(math.log10(abs(reference)))
    step = 10 ** (magnitude - stated.digits + 1)
    return abs(round(reference / step) * step - stated.value) < step / 2


def _same_order(a: float, b: float) -> bool:
    return a > 0 and b > 0 and abs(math.log10(a) - math.log10(b)) < 1


def number_correct(answer: str, reference_value: float) -> bool:
    """The answer states the reference's value and no competing value of the same order of magnitude."""
    stated = stated_numbers(answer)
    if not any(number_matches(s, reference_value) for s in stated):
        return False
    return not any(not number_matches(s, reference_value) and _same_order(s.value, reference_value) for s in stated)


def content_words(text: str, question: str) -> set[str]:
    """Words a text adds to the question ("X is headquartered in Oulu." -> {"oulu"})."""
    asked = set(_WORD.findall(question.lower()))
    return {w for w in _WORD.findall(text.lower()) if w not in asked and w not in _STOPWORDS}



def text_correct(answer: str, reference: str, question: str) -> bool:
    words = content_words(reference, question)  # what an answer must contain
    said = set(_WORD.findall(answer.lower()))
    if not words:  # the reference adds nothing: fall back to containing it whole
        return " ".join(_WORD.findall(reference.lower())) in " ".join(_WORD.findall(answer.lower()))
    return words <= said


def reference_value(reference: str) -> float | None:
    stated = stated_numbers(reference)
    return stated[0].value if stated else None


def is_correct(answer: str, reference: str, question: str) -> bool:
    """ragft's robust metric: the reference's number if it has one, else the words it adds."""
    value = reference_value(reference)
    return number_correct(answer, value) if value is not None else text_correct(answer, reference, question)


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
