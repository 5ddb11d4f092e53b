"""Citations in answers (`[1]`, `[2][3]`) and whether each cited passage supports the answer."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ragft.evaluate.metrics import content_words, number_matches, stated_numbers

_CITATION = re.compile(r"\[(\d{1,3})\]")


@dataclass(frozen=True)
class Citation:
    number: int  # as written in the answer: passage numbers start at 1
    valid: bool  # the passage exists and holds the value the answer states


def cited_numbers(answer: str) -> list[int]:
    """Distinct passage numbers cited, in order of first appearance."""
    return list(dict.fromkeys(int(n) for n in _CITATION.findall(answer)))


def without_citations(answer: str) -> str:
    return _CITATION.sub("", answer)


def supports(passage: str, answer: str, question: str) -> bool:
    """Does the passage hold the value the answer states?

    Numeric answers: some number the answer states (names like City_7 excluded) is in the passage.
    Other answers: at least half of the words the answer adds to the question are in the passage.
    """
    answer = without_citations(answer)
    stated = stated_numbers(answer)
    if stated:
        held = stated_numbers(passage)
        return any(number_matches(s, h.value) for s in stated for h in held)
    words = content_words(answer, question)
    if not words:
        return False
    return len(words & content_words(passage, "")) * 2 >= len(words)


def check_citations(answer: str, passages: list[str], question: str) -> list[Citation]:
    """One Citation per cited number; a number outside 1..len(passages) is invalid."""
    return [Citation(n, 1 <= n <= len(passages) and supports(passages[n - 1], answer, question))
            for n in cited_numbers(answer)]
