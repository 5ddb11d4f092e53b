"""Did an answer decline to answer? "I don't know" and the many ways models say it.

Used by the unknowns experiment (questions about entities not in the data): an answer that
abstains is the right one there, any other is invented. Matching is on normalised text (lower
case, curly quotes straightened), anywhere in the answer, because small models wrap the phrase
("Sorry, I don't know the population of City_7.").
"""

from __future__ import annotations

import re

_PHRASES = (
    r"i\s*(?:do\s*not|don'?t|dont)\s+know",
    r"(?:i\s*(?:am|'m)\s+)?not\s+sure",
    r"i\s*(?:am|'m)\s+(?:not\s+able|unable)\s+to\s+(?:answer|find|say|tell|determine|provide)",
    r"(?:i\s+)?(?:can\s*not|cannot|can'?t|could\s*not|couldn'?t)\s+(?:answer|find|say|tell|determine|provide|know)",
    r"(?:i\s+)?(?:have|has|had)\s+no\s+(?:information|data|knowledge|record|idea|details?)",
    r"(?:there\s+is|there'?s)\s+no\s+(?:information|data|mention|record|details?)",
    r"no\s+(?:information|data|details?)\s+(?:is\s+|are\s+)?(?:available|given|provided|about|on|in)",
    r"(?:is|are)\s+not\s+(?:mentioned|given|provided|stated|specified|available|known|listed)",
    r"(?:does|do)\s*(?:not|n'?t)\s+(?:say|mention|state|specify|contain|provide|include|tell)",
    r"\bunknown\b",
    r"\bnot\s+in\s+the\s+(?:context|knowledge|passages?|documents?|text)",
)
_ABSTAINS = re.compile("|".join(f"(?:{p})" for p in _PHRASES))


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u2019", "'").replace("\u2018", "'").replace("`", "'").lower())


def abstains(answer: str) -> bool:
    """Does the answer say, in any usual wording, that it does not know?"""
    return bool(_ABSTAINS.search(normalise(answer)))
