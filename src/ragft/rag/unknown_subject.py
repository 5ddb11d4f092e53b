"""Is the question about something the knowledge base never mentions? Then the grounded arm abstains.

A small reader given passages about someone else answers anyway ("Odette Corvane was born in 1966"
from Hedda Dunstable's passage): retrieval always returns *something*. The question's names decide:
a name of several words ("Odette Corvane", "Kestrel RC-12") must appear whole in one passage, a
one-word name ("Aldmere", "City_7") somewhere in the knowledge base. Only names count (capitalised
words not opening the sentence, and codes with digits; not acronyms, titles more often than names),
so ordinary words never trigger it; a document's company name missing from a chunk does not either,
as long as the documents name it. Measured on the bundled documents and 2,000+ generated probes of
three domains: no known question flagged; every question about an unknown person, organisation or
city flagged (docs/grounded-rag-tuning.md).
"""

from __future__ import annotations

import re

from ragft.facts import STOPWORDS, words
from ragft.rag.citations import stem  # the citation check's stemming: "Sundays" finds "Sunday"

_TOKEN = re.compile(r"[\w'’-]+|[^\w\s]")
_NOT_NAMES = STOPWORDS | {
    "how",
    "much",
    "many",
    "long",
    "old",
    "does",
    "which",
    "whose",
    "what",
    "who",
    "when",
    "where",
    "why",
    "is",
    "are",
    "was",
    "were",
    "did",
    "do",
    "in",
    "on",
    "at",
    "for",
}


def _is_name(token: str) -> bool:
    return token[0].isupper() or any(c.isdigit() for c in token)


def names(question: str) -> list[tuple[tuple[str, ...], str]]:
    """The question's names: (stemmed words, as written), runs of capitalised words or codes
    (punctuation and a possessive end a run), a sentence-opening capital and question words left out."""
    out, run, written = [], [], []
    opening = True  # the next word opens a sentence
    for token in _TOKEN.findall(question):
        word = token.removesuffix("'s").removesuffix("’s")
        if token[0].isalnum() and _is_name(word) and not opening:
            if not (word.isupper() and word.isalpha()):  # an acronym ("CFO") is a title more often than a name
                found = [stem(w) for w in words(word) if w not in _NOT_NAMES]
                run += found
                written += [word] if found else []
            if word == token:
                opening = False
                continue
        if run:
            out.append((tuple(run), " ".join(written)))
        run, written = [], []
        opening = token in (".", "?", "!", ":")
    if run:
        out.append((tuple(run), " ".join(written)))
    return out


class KnowledgeVocabulary:
    """The words of every passage, to look names up in."""

    def __init__(self, passages):
        self.passages = [{stem(w) for w in words(p)} for p in passages]
        self.all = set().union(*self.passages) if self.passages else set()

    def unmentioned(self, question: str) -> list[str]:
        """The question's names that the knowledge base never mentions (as written in the question)."""
        missing = []
        for name, written in names(question):
            known = set(name) <= self.all if len(name) == 1 else any(set(name) <= p for p in self.passages)
            if not known:
                missing.append(written)
        return missing


def unmentioned_answer(missing: list[str]) -> str:
    return f"I don't know: the knowledge base does not mention {' or '.join(missing)}."
