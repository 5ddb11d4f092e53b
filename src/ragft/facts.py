"""What a text states: numbers (with the precision they claim) and content words.

Shared by scoring (evaluate/metrics.py) and citation checks (rag/citations.py), so "the answer
states the reference's value" and "the passage states the answer's value" mean the same thing.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

# A number not glued to a word (so the 7 of "City_7" is a name, not a value), with optional
# thousands separators, decimals and a scale word.
_NUMBER = re.compile(
    r"(?<![\w.,])(\d{1,3}(?:[,\u202f\u00a0]\d{3})+|\d+)(?:\.(\d+))?(?:(?![\w])|(?=p\b))"  # 75p: pence
    r"(?:\s*(million|mio|m|billion|bn|b|thousand|k)\b)?",
    re.IGNORECASE,
)
_SCALE = {"thousand": 3, "k": 3, "million": 6, "mio": 6, "m": 6, "billion": 9, "bn": 9, "b": 9}
MIN_APPROX_DIGITS = 3  # "1.97 million" counts; "about 2 million" is too vague to count
WORD = re.compile(r"[a-z0-9]+")
STOPWORDS = frozenset(
    "a an the is are was were be been of in on at to for from by with and or it its this that these those "
    "what which who whom whose where when how why has have had about than as do does did i you he she they we "
    "there their our your his her my".split()
)


# 08:45, 9.30: one value. A dotted pair after a currency sign or before a unit word is a decimal
# (£3.20, 2.45 metres), not a time.
_TIME = re.compile(r"(?<![\w.:])([€$£¥]?\s?)([01]?\d|2[0-3])([:.])([0-5]\d)(?!(?![ap]m\b)[\w:]|\.\d)", re.IGNORECASE)
_WORD_AFTER = re.compile(r"\s*([^\W\d_]+)")
_CLOCK_WORDS = frozenset({"am", "pm", "a", "p", "h", "hrs", "o"})
_HOW_MANY = re.compile(r"\bhow many\s+([^\W\d_]+)", re.IGNORECASE)
_UNIT_AFTER = re.compile(r"\s*(%|°\s*[CF]\b|[^\W\d_]+)")
_CURRENCY_BEFORE = re.compile(r"([€$£¥])\s*$")


@dataclass(frozen=True)
class Stated:
    """A number a text states, how many significant digits it claims, and the unit it names, if any."""

    value: float
    digits: int
    unit: str | None = None  # "euro", "kg", "%", "€", "inhabitant"...; None: a bare number
    grouped: bool = False  # written with thousands separators (1,967,825): never a year

    @property
    def looks_like_year(self) -> bool:
        return self.unit is None and not self.grouped and self.value.is_integer() and 1800 <= self.value <= 2100


def _unit(text: str, start: int, end: int) -> str | None:
    """The word right after a number ("640 euros" -> "euro"), or a currency sign before it ("€640")."""
    before = _CURRENCY_BEFORE.search(text[max(0, start - 3) : start])
    if before:
        return before.group(1)
    after = _UNIT_AFTER.match(text, end)
    if not after:
        return None
    word = after.group(1).lower().replace(" ", "")
    if word in STOPWORDS:
        return None
    return word[:-1] if len(word) > 3 and word.endswith("s") else word


def _is_time(text: str, match: re.Match) -> bool:
    if match.group(3) == ":":
        return True
    if match.group(1).strip():
        return False
    after = _WORD_AFTER.match(text, match.end())
    return not after or after.group(1).lower() in STOPWORDS | _CLOCK_WORDS


def stated_numbers(text: str) -> list[Stated]:
    """Numbers in order of appearance; a clock time (08:45) is one value, in minutes, with unit "time"."""
    return [stated for stated, _ in stated_spans(text)]


def stated_spans(text: str) -> list[tuple[Stated, str]]:
    """Each stated number with the words that state it ("2,490 euros", "£46", "16:45"), in order."""
    original = text
    times = [m for m in _TIME.finditer(text) if _is_time(text, m)]
    found = [(m.start(2), m.end(), Stated(int(m.group(2)) * 60 + int(m.group(4)), 4, "time")) for m in times]
    for m in times:  # same offsets, times masked out
        text = text[: m.start(2)] + " " * (m.end() - m.start(2)) + text[m.end() :]
    for match in _NUMBER.finditer(text):
        whole, frac, scale = match.groups(default="")
        integer = re.sub(r"[,\u202f\u00a0]", "", whole)
        value = float(f"{integer}.{frac}" if frac else integer) * 10 ** _SCALE.get(scale.lower(), 0)
        significant = (integer + frac).lstrip("0")
        digits = len(significant) if (frac or scale) else len(integer.lstrip("0") or "0")
        unit = _unit(text, match.start(), match.end())
        start, end = match.start(), match.end()
        if unit is not None and unit in "€$£¥":
            start = original.rindex(unit, 0, start)
        elif unit is not None:
            end = _UNIT_AFTER.match(text, end).end()
        found.append((start, end, Stated(value, max(digits, 1), unit, integer != whole)))
    return [(stated, original[start:end]) for start, end, stated in sorted(found, key=lambda f: f[0])]


def asked_unit(question: str) -> str | None:
    """The unit a question asks a count in: "How many cars can it carry?" -> "car"."""
    match = _HOW_MANY.search(question)
    if not match:
        return None
    word = match.group(1).lower()
    return word[:-1] if len(word) > 3 and word.endswith("s") else word


def competes(stated: Stated, reference: Stated) -> bool:
    """Could `stated` be another value for the reference's quantity (a hedge, a wrong candidate)?

    A number of another order of magnitude cannot; nor one with another unit ("in 2019" beside
    "2,490 euros"; "34 kg" beside "625 Wh"). A bare number may be any quantity, except that a
    year-like bare number does not compete with a value that has a unit.
    """
    if number_matches(stated, reference.value) or not same_order(stated.value, reference.value):
        return False
    if stated.unit is not None and reference.unit is not None:
        return stated.unit == reference.unit
    if reference.unit is not None and stated.looks_like_year:
        return False
    return True


def number_matches(stated: Stated, reference: float) -> bool:
    if stated.value == reference:
        return True
    if stated.digits < MIN_APPROX_DIGITS or reference == 0:
        return False
    # An approximation is right if the reference rounds to it at the precision it claims.
    magnitude = math.floor(math.log10(abs(reference)))
    step = 10 ** (magnitude - stated.digits + 1)
    return abs(round(reference / step) * step - stated.value) < step / 2


def same_order(a: float, b: float) -> bool:
    return a > 0 and b > 0 and abs(math.log10(a) - math.log10(b)) < 1


def words(text: str) -> list[str]:
    """Lower-case word tokens (letters and digits)."""
    return WORD.findall(text.lower())


def content_words(text: str, question: str) -> set[str]:
    """Words a text adds to the question ("X is headquartered in Oulu." -> {"oulu"})."""
    asked = set(words(question))
    return {w for w in words(text) if w not in asked and w not in STOPWORDS}


_MONTHS = frozenset("january february march april may june july august september october november december".split())


def states_value(text: str, reference: str, question: str = "") -> bool:
    """Does `text` state the reference answer's value? Its number if it has one, else the words it adds.

    Unlike scoring, other numbers beside it are fine: a passage may state many facts. A term (`corpus.jsonl`,
    `1.2.3`) is stated whole or not at all, as scoring reads it.
    """
    if (t := term(reference)) is not None:
        return states_term(text, t) if case_matters(t) else states_term(text.lower(), t.lower())
    wanted = stated_numbers(reference)
    if wanted:
        held = stated_numbers(text)
        # A date's day is not the date: "31 October" is not stated by "£31".
        months = set(words(reference)) & _MONTHS
        return all(any(number_matches(s, w.value) for s in held) for w in wanted) and months <= set(words(text))
    needed = content_words(reference, question)
    if not needed:
        return " ".join(words(reference)) in " ".join(words(text))
    return needed <= set(words(text))


# A term is one token a reader must copy whole: a file name, identifier, flag, version, URL, package extra.
_QUOTES = "`'\"“”‘’"
_TERM_INSIDE = re.compile(r"[^\W_][._/:=@+#~\[\]-]+[\w\[]|^--?[^\W\d]|[a-z][A-Z]|_[^\W_]")
# plain numbers, amounts, clock times, numbers with a short unit ("10.15am", "8.8MB", "60ns"): scored as numbers
_QUANTITY = re.compile(r"[£$€¥]?\d[\d,]*(?:[.:]\d+)?(?:%|[A-Za-z]{1,3})?")
_JOINED = "._/:=@+#~-"  # characters that join a term's parts: "corpus.jsonl" is not "corpus" + "jsonl"


def term(reference: str) -> str | None:
    """The reference as a term (`corpus.jsonl`, `--timeout`, `1.2.3`, `load_dotenv`), or None for prose,
    plain numbers and quantities (those have their own checks)."""
    t = reference.strip().strip(_QUOTES).strip()
    if not t or any(c.isspace() for c in t) or _QUANTITY.fullmatch(t) or not _TERM_INSIDE.search(t):
        return None
    return t


def states_term(answer: str, term_text: str) -> bool:
    """Does the answer state the term whole: not inside a longer one (`my-corpus.jsonl`, `corpus.jsonl.gz`),
    though qualified by its module (`psutil.wait_procs()`)?
    A sentence's full stop or a quote after it is fine; case is not (`-v` and `-V` are different flags)."""
    lower, t = answer, term_text  # the caller lower-cases both where case does not matter
    start = lower.find(t)
    while start >= 0:
        before = lower[start - 1] if start else " "
        end = start + len(t)
        after, beyond = (lower[end] if end < len(lower) else " "), (lower[end + 1] if end + 1 < len(lower) else " ")
        # "psutil.wait_procs()" names wait_procs (an attribute of its module); "my-corpus.jsonl" is another file
        glued_before = before.isalnum() or before == "_" or (before in _JOINED.replace(".", "") and t[0] not in _JOINED)
        # "PYTHON_DOTENV_DISABLED=1" sets the variable it names
        glued_after = (
            after.isalnum()
            or after == "_"
            or (after in _JOINED.replace("=", "") and (beyond.isalnum() or beyond == "_"))
        )
        if not glued_before and not glued_after:
            return True
        start = lower.find(t, start + 1)
    return False


def case_matters(t: str) -> bool:
    """A flag's case is its meaning (`-v`, `-V`); a name's is style (`FastAPI`, `fastapi`)."""
    return t.startswith("-")
