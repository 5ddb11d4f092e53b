"""Which of a sentence's values the question asks for: the one whose own clause shares its words.

"The daily meal allowance is 48 euros when travelling abroad and 24 euros for domestic trips." holds
two prices; asked for the allowance on domestic trips, SmolLM2-135M states the first one. Each value
of the asked kind gets the words of its own clause (clauses split at , ; : – and at and / or / but),
see `value_contexts`. A value wins when its clause shares more of the question's distinguishing words
than any other's does: words that name the passage's subject (its header), that every clause shares,
or that are stopwords do not count. On a tie nothing is decided and the reader's answer stands.
This is the sliding-window lexical baseline of reading comprehension (Richardson et al. 2013, MCTest)
applied within one sentence, where a 135M reader is weakest.
"""

from __future__ import annotations

import re

from ragft.facts import STOPWORDS, words
from ragft.rag.chunking import split_sentences

_CLAUSE_BREAK = re.compile(r"[,;:–—]\s+|\s+(?:and|or|but|while|whereas)\s+")
# What the question's words ask for, not what it is about.
_CUE_WORDS = frozenset("much many long often far old cost costs price amount date year time name named per".split())
_CUE_PHRASES = re.compile(r"\btime of (the )?day\b", re.IGNORECASE)
# Comparisons and the two ends of a range, whichever words say them.
_SYNONYMS = {
    **dict.fromkeys("over above more exceed exceeds exceeding greater".split(), "_more"),
    **dict.fromkeys("under below less fewer".split(), "_less"),
}
_START_WORDS = frozenset("start starts starting begin begins open opens opening from earliest since".split())
_END_WORDS = frozenset("finish finishes end ends close closes closing until till latest".split())
_RANGE_JOIN = re.compile(r"\s*(?:to|until|till|–|—|-)\s*$|^\s*and\s*$")
_SIBILANT_ES = re.compile(r"(?:s|x|z|ch|sh)es$")
PREFIX = 6  # words meet on their first letters after the suffix strip: deliver / deliveries


def _stem(word: str) -> str:
    """A crude stemmer: booked/book, carried/carry, cities/city, deliver/deliveries, class/classes,
    price/prices/priced meet."""
    word = _SYNONYMS.get(word, word)
    for suffix, to in (("ies", "y"), ("ied", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if len(word) > len(suffix) + 2 and word.endswith(suffix):
            if suffix == "es" and not _SIBILANT_ES.search(word):
                suffix = "s"  # prices -> price; classes, boxes, churches -> class, box, church
            elif suffix == "s" and word.endswith(("ss", "us", "is")):
                break  # class, bus, basis are not plurals
            word = word[: -len(suffix)] + to
            break
    if len(word) > 4 and word.endswith("e"):
        word = word[:-1]  # close / closed / closing
    return word[:PREFIX]


def _keys(text: str) -> set[str]:
    return {_stem(w) for w in words(text) if w not in STOPWORDS or w in _SYNONYMS}


def question_keys(question: str) -> set[str]:
    """The question's words that can tell one value from another, plus "_start"/"_end" for a range's ends."""
    text = _CUE_PHRASES.sub("time", question)
    keys = _keys(text) - {_stem(w) for w in _CUE_WORDS}
    asked = set(words(text))
    if asked & _END_WORDS:  # "until what time is it open": the end, though "open" starts things too
        return keys | {"_end"}
    return keys | ({"_start"} if asked & _START_WORDS else set())


def _clauses(sentence: str) -> list[tuple[str, bool]]:
    """(clause, whether a colon ends it), in order."""
    out, start = [], 0
    for brk in [*_CLAUSE_BREAK.finditer(sentence), None]:
        clause = sentence[start : brk.start() if brk else len(sentence)]
        if clause.strip():
            out.append((clause, bool(brk) and brk.group().startswith(":")))
        start = brk.end() if brk else start
    return out


def _value_at(text: str, value: str) -> int:
    """Where the value is written whole in the text (-1: not): "5" is not in "£14.50", nor "15" in "2015"."""
    found = re.search(rf"(?<![\w.,]){re.escape(value)}(?![\w])", text)
    return found.start() if found else -1


def _range_ends(sentence: str, values: list[str]) -> dict[str, str]:
    """{value: "_start" | "_end"} for values written as a range: "from 14:00 to 17:30",
    "between 1 June and 15 September"."""
    placed = sorted((at, v) for v in values if (at := _value_at(sentence, v)) >= 0)
    ends = {}
    for (a, first), (b, second) in zip(placed, placed[1:]):
        between = sentence[a + len(first) : b]
        is_and = between.strip() == "and"
        if _RANGE_JOIN.search(between) and (not is_and or re.search(r"\bbetween\s*$", sentence[:a], re.IGNORECASE)):
            ends.setdefault(first, "_start")
            ends[second] = "_end"
    return ends


_CELL = re.compile(r"^([^:;]{1,40}):\s+(.+)$")


def _row_contexts(sentence: str, values: list[str]) -> dict[str, set[str]] | None:
    """A labelled table row ("Activity: Gym session; Adult: £6.20; Concession: £4.45."; data/documents.py
    writes rows so): each value's words are its cell's label; cells without a value (the row's subject)
    are shared. None for a sentence that is not such a row."""
    cells = [_CELL.match(part.strip()) for part in sentence.strip().rstrip(".").split("; ")]
    if len(cells) < 2 or not all(cells):
        return None
    lead, out = set(), {}
    for cell in cells:
        label, text = cell.groups()
        held = [v for v in values if v not in out and _value_at(text, v) >= 0]
        if not held:
            lead |= _keys(label) | _keys(text)
            continue
        said = set(words(label))
        end = {"_start"} if said & _START_WORDS else {"_end"} if said & _END_WORDS else set()
        written = [v for v in values if _value_at(text, v) >= 0]
        ranged = _range_ends(text, written)  # "Central Library: 9.00am - 8.00pm"
        rest = _keys(text) - set().union(*(_keys(v) for v in written))
        for value in held:
            out[value] = _keys(label) | end | rest | ({ranged[value]} if value in ranged else set())
    return {v: c | lead for v, c in out.items()}


def value_contexts(passage_body: str, values: list[str]) -> dict[str, set[str]]:
    """{value: the words that tell what it is}, for the values the body states.

    A value's words are those of its clause, of the value-less clauses after it up to the next value, and
    (for the sentence's first value) of those before it.
    The sentence's lead is shared by all its values, not the first value's own: what a colon introduces
    them with ("The practice has two machines: the older AM-2 was bought in 2010 and ..."),
    and, when a later value's clause names nothing before its value ("..., or 200 euros per night in
    capital cities"), the words before the first value ("The hotel limit is"), which otherwise label
    it ("adult £14.50, child £7.25"). Ends of a range also carry "_start" / "_end".
    """
    contexts: dict[str, set[str]] = {}
    for sentence in split_sentences(passage_body):
        row = _row_contexts(sentence, [v for v in values if v not in contexts])
        if row is not None:
            contexts.update(row)
            continue
        entries, pending, lead = [], set(), set()  # entries: (values, words before the first, words from it on)
        for clause, colon in _clauses(sentence):
            held = [v for v in values if v not in contexts and _value_at(clause, v) >= 0]
            if not held and colon and not entries:
                lead |= pending | _keys(clause)
                pending = set()
                continue
            if not held and entries:  # after a value: more about it ("85 euros for a single | or a canoe")
                entries[-1][2].update(_keys(clause))
                continue
            if not held:
                pending |= _keys(clause)
                continue
            first = min(_value_at(clause, v) for v in held)
            entries.append((held, pending | _keys(clause[:first]), _keys(clause[first:])))
            contexts.update({v: set() for v in held})
            pending = set()
        if len(entries) > 1 and any(not before for _, before, _ in entries[1:]):
            lead |= entries[0][1]
            entries[0] = (entries[0][0], set(), entries[0][2])
        ends = _range_ends(sentence, [v for held, _, _ in entries for v in held])
        for held, before, rest in entries:
            for value in held:
                contexts[value] = (before | rest | lead | {ends.get(value, "")}) - _keys(value) - {""}
    return contexts


def best_value(question: str, header: str, body: str, values: list[str], anchor: str | None = None) -> str | None:
    """The value whose context shares strictly more distinguishing question words than any other's; None on a tie.

    Only values of one sentence compete: the anchor's (the value the reader stated), else the only sentence
    holding values. Across sentences the words name different things: the sentence that introduces the
    subject ("two freezers ... Cryolith UL-86") would beat the one that states its capacity ("They ...").
    """
    sentences = [s for s in split_sentences(body) if any(_value_at(s, v) >= 0 for v in values)]
    if anchor is not None:
        sentences = [s for s in sentences if _value_at(s, anchor) >= 0][:1]
    if len(sentences) != 1:
        return None
    contexts = value_contexts(sentences[0], values)
    if len(contexts) < 2:
        return None
    shared = set.intersection(*contexts.values())
    asked = question_keys(question) - _keys(header) - shared
    scores = {v: len(asked & c) for v, c in contexts.items()}
    ranked = sorted(scores.values(), reverse=True)
    if ranked[0] == 0 or ranked[0] == ranked[1]:
        return None
    return max(scores, key=scores.get)
