"""Citations in answers (`[1]`, `[2][3]`) and whether each cited passage supports the answer.

A citation is valid only when one sentence of the cited passage states the answer's value *and*
names what the question asks about (with the passage's section header as that sentence's
context). A passage that merely contains the same number somewhere (another product's price,
another person's birth year) does not support the answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ragft.facts import STOPWORDS, content_words, number_matches, stated_numbers, words
from ragft.rag.chunking import split_sentences

_CITATION = re.compile(r"\[(\d{1,3})\]")
HEADER_MARK = " › "  # chunk headers: "Title › Section: body" (rag/chunking.py)
# A name or code in the question: a capitalised word not opening the sentence, or a token with a digit.
_NAME = re.compile(r"\b([A-Z][\w'-]*|\w*\d\w*)")
_QUESTION_WORDS = {"how", "much", "many", "long", "old", "does", "which", "whose", "name", "named"}


@dataclass(frozen=True)
class Citation:
    number: int  # as written in the answer: passage numbers start at 1
    valid: bool  # the passage has a sentence stating the answer's value about what was asked
    sentence: str | None = None  # that sentence (None when invalid)


def cited_numbers(answer: str) -> list[int]:
    """Distinct passage numbers cited, in order of first appearance."""
    return list(dict.fromkeys(int(n) for n in _CITATION.findall(answer)))


def without_citations(answer: str) -> str:
    return _CITATION.sub("", answer)


def without_phantom_citations(answer: str, passages: int) -> str:
    """The answer without citations of passages its prompt did not hold, and without repeats: a small model
    given one passage may write "Redwater [1] [2] [3] ... [9]", of which only [1] cites anything."""
    seen: set[int] = set()

    def keep(match: re.Match) -> str:
        n = int(match.group(1))
        if not 1 <= n <= passages or n in seen:
            return ""
        seen.add(n)
        return match.group(0)

    text = _CITATION.sub(keep, answer)
    return re.sub(r"\s+([.,;:!?])", r"\1", re.sub(r"[ \t]{2,}", " ", text)).strip()


def stem(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") else word


def subject_words(question: str) -> set[str]:
    """What the question is about: its names and codes ("Lumen X2", "City_7", "Mara Olsen"), else its
    content words; stemmed so "Sundays" finds "Sunday"."""
    question = re.sub(r"['’]s\b", "", question)  # "Hedda's trade": the name is Hedda
    names = set()
    for match in _NAME.finditer(question):
        before = question[: match.start()].rstrip()
        if match.group(1)[0].isupper() and (not before or before[-1] in ".?!:"):
            continue  # a capital that only opens a sentence
        names.update(w for w in words(match.group(1)) if len(w) > 1 or w.isdigit())
    names -= STOPWORDS | _QUESTION_WORDS
    if names:
        return {stem(w) for w in names}
    return {stem(w) for w in content_words(question, "") - _QUESTION_WORDS}


def _names_subject(context: str, subject: set[str]) -> bool:
    """Every code in the subject (a word with a digit: Lumen X1 is not Lumen X2, City_7 is not City_77),
    and at least half of its other words ("Aldmere's CFO Marit Kvale": the passage may not repeat the
    company's name)."""
    said = {stem(w) for w in words(context)}
    codes = {w for w in subject if any(c.isdigit() for c in w)}
    rest = subject - codes
    return codes <= said and (not rest or len(rest & said) * 2 >= len(rest))


def _states_answer(sentence: str, answer: str, question: str) -> bool:
    stated = stated_numbers(answer)
    if stated:
        held = stated_numbers(sentence)
        return any(number_matches(s, h.value) for s in stated for h in held)
    added = content_words(answer, question)
    return bool(added) and len(added & content_words(sentence, "")) * 2 >= len(added)


def supporting_sentence(passage: str, answer: str, question: str) -> str | None:
    """The passage's first sentence that states the answer's value and names the question's subject."""
    answer = without_citations(answer)
    header, body = "", passage
    if HEADER_MARK in passage.split(": ", 1)[0]:
        header, body = passage.split(": ", 1)
    subject = subject_words(question)
    for sentence in split_sentences(body) or [body]:
        if _states_answer(sentence, answer, question) and _names_subject(f"{header} {sentence}", subject):
            return sentence
    return None


def supports(passage: str, answer: str, question: str) -> bool:
    return supporting_sentence(passage, answer, question) is not None


def check_citations(answer: str, passages: list[str], question: str) -> list[Citation]:
    """One Citation per cited number; a number outside 1..len(passages) is invalid."""
    out = []
    for n in cited_numbers(answer):
        sentence = supporting_sentence(passages[n - 1], answer, question) if 1 <= n <= len(passages) else None
        out.append(Citation(n, sentence is not None, sentence))
    return out
