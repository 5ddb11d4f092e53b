"""What kind of value a question asks for, and whether a passage holds one (answer-type filtering).

A passage that names the question's subject but holds no value of the asked kind cannot answer it:
"How much does the Wren 20 weigh?" is not answered by "The Wren 20 is a children's bike with
20-inch wheels", however well that sentence matches the question's words. Classic QA systems
classify the expected answer type from the question's wh-phrase (Li & Roth 2002) and prefer
candidates holding one; ragft reorders (never drops) by the types it can check without a model:
numbers (with the unit family the question implies), years, clock times, calendar dates, weekdays,
frequencies ("every 3 weeks"), postcodes, street addresses, phone numbers, names, and names ending in the noun a
"which" question names ("which bridge" -> "Stanmoor Bridge").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ragft.facts import STOPWORDS, asked_unit, stated_numbers, stated_spans, words

CURRENCY = frozenset(
    "€ $ £ ¥ euro eur dollar usd pound gbp krone kroner kr nok sek dkk franc chf yen cent p pence penny".split()
)
MASS = frozenset("kg g gram kilogram kilo tonne ton lb pound ounce oz".split())
LENGTH = frozenset("km m metre meter mile cm mm ft feet foot inch nm yard kilometre kilometer".split())
DURATION = frozenset("second sec minute min hour h hr day week month year".split())
SPEED = frozenset("knot kn km/h kmh mph rpm".split())
_MEASURES = (CURRENCY, MASS, LENGTH, DURATION, SPEED, frozenset({"time", "%"}))

# (pattern in the question, unit family the answer's number carries; None: any number)
_NUMBER_QUESTIONS = (
    # "how far in advance" asks for a time, not a distance
    (re.compile(r"\bhow (far|long|early|much time) (in advance|ahead|beforehand)\b"), DURATION),
    (
        re.compile(
            r"\b(cost|costs|price|priced|pay|paid|fee|fare|charge|charged|spend|spent|salary|budget|"
            r"subscription|dues|toll|tariff|tuition|premium)\b"
        ),
        CURRENCY,
    ),
    (re.compile(r"\b(weigh|weighs|weight|heavy)\b"), MASS),
    (re.compile(r"\b(speed|how fast)\b"), SPEED),
    (re.compile(r"\bhow long (does|do|did|will|may|can|is the (wait|trip|crossing|journey|delay))\b"), DURATION),
    (re.compile(r"\b(how far|distance|range|how deep|depth|how tall|how high|length)\b"), LENGTH),
    (re.compile(r"\b(how many|how much|how long|how old|how big|how large|what percentage)\b"), None),
    # a measure asked for by name ("what is the battery capacity of ...")
    (
        re.compile(
            r"\b(capacity|population|headcount|temperature|voltage|number of|limit|allowance|deposit|discount|"
            r"amount)\b"
        ),
        None,
    ),
)
_DATE_QUESTION = re.compile(r"\b(which|what) date\b|\b(until|by|from) when\b")
_FREQUENCY_QUESTION = re.compile(r"\bhow (often|frequently)\b")
_WHEN_QUESTION = re.compile(r"^\W*when\b")
_POSTCODE_QUESTION = re.compile(r"\b(post ?code|postal code|zip( code)?)\b")
_WEEKDAY_QUESTION = re.compile(
    r"\b(which|what) (days?|evenings?|nights?|mornings?|afternoons?)\b"
    r"(?! of the (month|year))"
)
_ADDRESS_QUESTION = re.compile(r"\baddress\b|\b(which|what) street\b")
# "Which shipyard built it?" asks for a name as "who" does.
_ORGANISATION_QUESTION = re.compile(
    r"\b(which|what) (company|firm|shipyard|yard|supplier|manufacturer|maker|builder|bank|agency|contractor|"
    r"vendor|brand|partner|insurer|carrier|airline|publisher|university|school|hospital|organisation|"
    r"organization|person|sponsor|donor|architect|designer|coach|artist|author|wholesaler|distributor)\b"
)
_MONTH = (
    "(?:january|february|march|april|may|june|july|august|september|october|november|december|"
    "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)"
)
_DATE = re.compile(
    rf"\b(?:\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH}(?:\s+\d{{4}})?|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?"
    rf"(?:,?\s+\d{{4}})?)\b",
    re.IGNORECASE,
)
_PERIOD = r"(?:day|week|fortnight|month|year|hour|minute|morning|evening|night|quarter|season|shift|visit|use)s?"
_WEEKDAY = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
_FREQUENCY = re.compile(
    rf"\b(?:every\s+(?:other\s+|second\s+|\d+\s+|few\s+|two\s+|three\s+|four\s+|six\s+)?(?:{_PERIOD}|{_WEEKDAY})"
    rf"|(?:once|twice|\d+\s+times|three times|four times)\s+(?:a|an|per|each|every)\s+{_PERIOD}"
    r"|daily|weekly|fortnightly|monthly|quarterly|yearly|annually|hourly|nightly)\b",
    re.IGNORECASE,
)
_ADDRESS = re.compile(
    r"\b\d{1,4}[a-z]?\s(?:[A-Z][\w'’-]+\s){0,3}(?:Street|St|Road|Rd|Avenue|Ave|Lane|Way|Square|Place|Drive|Quay|"
    r"Boulevard|Row|Terrace|Close|Court|Strasse|Straße|Gasse|Weg)\b"
    r"|\b(?:[A-Z][\w'’-]+\s){1,3}\d{1,4}[a-z]?\b(?![.,]\d)"
)
# A number right after a capitalised word inside a sentence is a label, not a quantity: "Berth 6",
# "Kadewerf 7", "Room 12".
_LABEL_BEFORE = re.compile(r"(?<![.!?:]\s)(?<!^)\b[A-Z][\w'’-]*\s$")
_YEAR_QUESTION = re.compile(r"\b(which|what) year\b|\bsince when\b")
# "at what time", "what is the latest time"; a journey's or a wait's time is a duration
_TIME_QUESTION = re.compile(r"\b(what|which)(?: \w+){0,3}? time\b")
# ... but a journey's, a show's or a wait's time is a duration
_DURATION_TIME = re.compile(
    r"\b(journey|travel|travelling|crossing|waiting|wait|running|run|cooking|baking|drying|"
    r"lead|response|turnaround|processing|flight|walking|driving|charging|delivery|"
    r"playing|screen)"
    r" times?\b"
)
_WHO_QUESTION = re.compile(r"^\s*(who|whom)\b|\bwhich (person|people|one of)\b")
_NUMBER_WORDS = frozenset(
    "one two three four five six seven eight nine ten eleven twelve fifteen twenty thirty forty "
    "fifty hundred thousand dozen half".split()
)
_WORD = re.compile(r"[^\W\d_]+")
_CAPITAL = r"(?:(?=[^\W\d_])[^\W\d_a-zß-ÿ][\w'’.-]*)"  # a word starting with an upper-case letter
_NAME_RUN = re.compile(rf"{_CAPITAL}(?:\s+(?:&\s+)?{_CAPITAL})*")
# Capitalised at a sentence's start, never a name on their own.
DAYS_AND_MONTHS = (
    "monday tuesday wednesday thursday friday saturday sunday january february march april may june "
    "july august september october november december"
).split()
NOT_NAMES = frozenset(
    "every each all both she he it they we you our its their this that these those if when "
    "while after before since until during for from please no yes".split()
    + DAYS_AND_MONTHS
    + [d + "s" for d in DAYS_AND_MONTHS]
)
_SENTENCE_START = re.compile(r"(?:^|[.!?:;]\s+)$")
# "At which bridge ...?": a name ending in that noun ("Stanmoor Bridge"), if the passage has one.
_WHICH_NOUN = re.compile(r"\b(?:[Ww]hich|[Ww]hat) (?:[A-Z][\w-]* )*([a-z]{3,})\b")  # "which VHF channel": channel
_PHONE_QUESTION = re.compile(r"\b(phone|telephone|mobile|fax|extension)\b")
_PHONE = re.compile(
    r"(?<![\w.,])(?:\+\d{1,3}[\s-]?)?\(?\d{2,5}\)?(?:[\s-]\d{2,8}){1,4}(?![\w])"
    r"|(?<=\bextension )\d{2,5}\b|(?<=\bext\. )\d{2,5}\b"
)


@dataclass(frozen=True)
class AnswerType:
    kind: str  # number, year, time, date, when, weekday, frequency, postcode, address, phone, name, named
    units: frozenset | None = None  # for "number": the unit family the value carries; None: any
    counted: str | None = None  # "how many cars": a number of cars beats any other number
    head: str | None = None  # for "named": the noun the name ends in ("bridge")


def answer_type(question: str) -> AnswerType | None:
    """The kind of value `question` asks for; None when it could be anything (what, which, why...)."""
    lower = question.lower()
    if _YEAR_QUESTION.search(lower):
        return AnswerType("year")
    if _DURATION_TIME.search(lower):
        return AnswerType("number", DURATION, asked_unit(question))
    if _TIME_QUESTION.search(lower):
        return AnswerType("time")
    for kind, pattern in (
        ("date", _DATE_QUESTION),
        ("frequency", _FREQUENCY_QUESTION),
        ("postcode", _POSTCODE_QUESTION),
        ("address", _ADDRESS_QUESTION),
        ("phone", _PHONE_QUESTION),
        ("weekday", _WEEKDAY_QUESTION),
    ):
        if pattern.search(lower):
            return AnswerType(kind)
    if _WHEN_QUESTION.search(lower):
        return AnswerType("when")
    # The wh-phrase outranks the verbs after it: "Which sponsor paid for ...?" asks for a name, not a price.
    if _WHO_QUESTION.search(lower) or _ORGANISATION_QUESTION.search(lower):
        return AnswerType("name")
    for pattern, units in _NUMBER_QUESTIONS:
        if pattern.search(lower):
            return AnswerType("number", units, asked_unit(question))
    if which := _WHICH_NOUN.search(question):
        return AnswerType("named", head=_singular(which.group(1)))
    return None


def _singular(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def split_header(passage: str) -> tuple[str, str]:
    """("Title › Section", body), or ("", passage) when it has no header (rag/chunking.py writes them)."""
    head, sep, body = passage.partition(": ")
    is_header = "›" in head or (len(head) < 80 and "." not in head)
    return (head, body) if sep and is_header else ("", passage)


def passage_body(passage: str) -> str:
    """The passage without its header (a header's years are not the passage's facts)."""
    return split_header(passage)[1]


def _title(passage: str) -> str:
    """The last part of a passage's header ("Marit Kvale — Chief Financial Officer"): a section may be
    titled by the person or thing its sentences call "she" or "it"."""
    return split_header(passage)[0].split("›")[-1].strip()


def values(kind: AnswerType, passage: str, question: str) -> list[str]:
    """The values of this kind the passage states and the question does not, as written ("95 euros")."""
    body = passage_body(passage)
    if kind.kind == "when":  # a date, a clock time, or a year no date holds
        dates, times = values(AnswerType("date"), passage, question), values(AnswerType("time"), passage, question)
        years = [y for y in values(AnswerType("year"), passage, question) if not any(y in d for d in dates)]
        return list(dict.fromkeys(dates + times + years))
    if kind.kind == "named":
        return [n for n in _names(body, question, kind.head) if _singular(n.split()[-1].lower()) == kind.head]
    if kind.kind == "phone":
        return list(
            dict.fromkeys(
                m.group(0)
                for m in _PHONE.finditer(body)
                if sum(c.isdigit() for c in m.group(0)) >= 6
                or not m.group(0)[0].isdigit()
                or body[: m.start()].lower().endswith(("extension ", "ext. "))
            )
        )
    if kind.kind == "name":
        titled = [n for n in _names(_title(passage), question) if len(n.split()) > 1]
        return list(dict.fromkeys(_names(body, question) + titled))
    if kind.kind in _PATTERNS:
        asked = question.lower()
        return list(
            dict.fromkeys(m.group(0) for m in _PATTERNS[kind.kind].finditer(body) if m.group(0).lower() not in asked)
        )
    asked = {n.value for n in stated_numbers(question)}
    spans = [(n, text) for n, text in _compound(stated_spans(body), body) if n.value not in asked]
    if kind.kind == "year":
        return [text for n, text in spans if n.looks_like_year]
    if kind.kind == "time":
        return [text for n, text in spans if n.unit == "time"]
    if kind.units is not None:
        return [text for n, text in spans if n.unit in kind.units]
    counted = _counts(kind, body, spans)
    if counted:
        return counted
    if kind.counted and not any(kind.counted in family for family in _MEASURES):
        # "how many bicycles": a price, a weight or a duration is not a count of things
        spans = [(n, text) for n, text in spans if not any(n.unit in family for family in _MEASURES)]
    numbers = [
        text
        for n, text, before in _with_prefix(spans, body)
        if not n.looks_like_year and n.unit != "time" and not (n.unit is None and _LABEL_BEFORE.search(before))
    ]
    return numbers + [w for w in _WORD.findall(body) if w.lower() in _NUMBER_WORDS]


_WEEKDAYS = re.compile(rf"\b(?:{_WEEKDAY}s?|weekdays|weekends?)\b", re.IGNORECASE)
# British, Canadian, Dutch, and five-digit (US, German, French...) postcodes
_POSTCODE = re.compile(
    r"\b(?:[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}|[A-Z]\d[A-Z]\s?\d[A-Z]\d|\d{4}\s?[A-Z]{2}"
    r"|\d{5}(?:-\d{4})?)\b"
)
_PATTERNS = {"date": _DATE, "frequency": _FREQUENCY, "address": _ADDRESS, "weekday": _WEEKDAYS, "postcode": _POSTCODE}


def _compound(spans: list, body: str) -> list:
    """ "1 hour 20 minutes", "2 hours and 15 minutes": one duration, stated by its first number."""
    out = []
    for (n, text), (_, _, before) in zip(spans, _with_prefix(spans, body)):
        if out and n.unit in DURATION and out[-1][0].unit in DURATION:
            previous = out[-1][1]
            start = body.rfind(previous, 0, len(before))
            if start >= 0 and re.fullmatch(r"\s+(?:and\s+)?", before[start + len(previous) :]):
                out[-1] = (out[-1][0], body[start : len(before) + len(text)])
                continue
        out.append((n, text))
    return out


def _with_prefix(spans: list, body: str) -> list:
    """(number, text, the body before it) for spans in order of appearance."""
    out, cursor = [], 0
    for n, text in spans:
        at = body.find(text, cursor)
        at = cursor if at < 0 else at
        out.append((n, text, body[:at]))
        cursor = at + len(text)
    return out


def _names(body: str, question: str, head: str | None = None) -> list[str]:
    """Runs of capitalised words the question does not use ("Udo Brandt", "Harlow & Sons"), but for the
    noun `head` a name may end in ("Stanmoor Bridge" for "which bridge")."""
    asked = set(words(question)) - {head, f"{head}s"}
    out = []
    for match in _NAME_RUN.finditer(body):
        kept = [w for w in match.group().split() if w == "&" or not set(words(w)) <= asked | STOPWORDS | NOT_NAMES]
        if not kept or kept[0] == "&":
            continue
        if len(kept) == 1 and _SENTENCE_START.search(body[: match.start()]):
            continue  # one capitalised word opening a sentence: "Book a place ...", seldom a name
        out.append(" ".join(kept).rstrip(" &.’'"))
    return list(dict.fromkeys(out))


def holds(kind: AnswerType, passage: str, question: str) -> bool:
    """Does the passage state a value of this kind that the question does not already state?"""
    return bool(values(kind, passage, question))


def _counts(kind: AnswerType, body: str, spans: list) -> list[str]:
    """Numbers of the things a "how many" question counts: "38 cars", "212 Roman silver coins"."""
    if not kind.counted:
        return []
    noun = re.compile(rf"\s*(?:[^\W\d_][\w'’-]*\s+){{0,3}}?{re.escape(kind.counted)}(?:s|es)?\b", re.IGNORECASE)
    return [
        text
        for n, text, before in _with_prefix(spans, body)
        if n.unit == kind.counted or noun.match(body, len(before) + len(text))
    ]


def fit(kind: AnswerType, passage: str, question: str) -> int:
    """2: it states a number of the things counted ("how many cars" -> "38 cars"); 1: a value of the
    asked kind; 0: none."""
    found = values(kind, passage, question)
    if kind.counted and found:
        body = passage_body(passage)
        asked = {n.value for n in stated_numbers(question)}
        counted = _counts(kind, body, [(n, t) for n, t in _compound(stated_spans(body), body) if n.value not in asked])
        if counted and set(found) <= set(counted):
            return 2
    return 1 if found else 0


def answerable_first(question: str, passages: list, text=lambda p: p.text) -> list:
    """The passages that best hold a value of the asked kind first (see `fit`), ties in their original order."""
    kind = answer_type(question)
    if kind is None:
        return list(passages)
    fits = [fit(kind, text(p), question) for p in passages]
    return [p for _, p in sorted(zip(fits, passages), key=lambda f: -f[0])]
