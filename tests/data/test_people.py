from collections import Counter

import pytest

from ragft.data.generated import organisations, people
from ragft.data.generated.people import DOMAIN as PEOPLE
from ragft.errors import RagftError


def by_attribute(facts):
    out = {}
    for f in facts:
        out.setdefault(f.attribute, []).append(f.value)
    return out


def test_five_attributes_with_values_in_their_ranges():
    assert [a.name for a in PEOPLE.attributes] == ["birth_year", "birthplace", "employer", "trade", "height_cm"]
    values = by_attribute(PEOPLE.facts(400, seed=42))
    assert all(1931 <= int(v) <= 2004 for v in values["birth_year"])
    assert all(152 <= int(v) <= 198 for v in values["height_cm"])  # never a year: confusions are visible
    assert set(values["birthplace"]) <= set(people.TOWNS)
    assert set(values["employer"]) <= set(people.EMPLOYERS)
    assert set(values["trade"]) <= set(people.TRADES)
    assert len(set(values["birthplace"])) > 30 and len(set(values["employer"])) > 25  # values are spread


def test_vocabularies_are_large_enough_and_distinct():
    for vocabulary, least in [
        (people.TOWNS, 40),
        (people.EMPLOYERS, 30),
        (people.TRADES, 25),
        (people.FIRST, 30),
        (people.LAST, 30),
    ]:
        assert len(vocabulary) >= least and len(set(vocabulary)) == len(vocabulary)
    assert not set(people.TOWNS) & set(organisations.CITIES)


def test_trades_read_right_after_a():
    assert all(t[0] not in "aeiou" for t in people.TRADES)


def test_answers_are_sentences_naming_the_person():
    facts = PEOPLE.facts(3, seed=1)
    name = facts[0].entity
    first, last = name.split()
    assert first in people.FIRST and last in people.LAST
    answers = {f.attribute: f.answer for f in facts[:5]}
    values = {f.attribute: f.value for f in facts[:5]}
    assert answers["birth_year"] == f"{name} was born in {values['birth_year']}."
    assert answers["employer"] == f"{name} is employed by {values['employer']}."
    assert answers["height_cm"] == f"{name} is {values['height_cm']} cm tall."
    assert facts[0].question == f"In what year was {name} born?"
    assert facts[0].ask(2) == f"What is the birth year of {name}?"


def test_names_unique_up_to_every_pairing_then_an_error():
    capacity = len(people.FIRST) * len(people.LAST)
    names = [f.entity for f in PEOPLE.facts(capacity, seed=4)[:: len(PEOPLE.attributes)]]
    assert len(names) == capacity and not [n for n, k in Counter(names).items() if k > 1]
    with pytest.raises(RagftError, match=f"at most {capacity} distinct people names"):
        PEOPLE.facts(capacity + 1, seed=4)


def test_seed_42_is_pinned():
    # A (domain, n, seed) triple names a data set: if this changes, past runs' data can't be regenerated.
    facts = PEOPLE.facts(2, seed=42)
    assert (facts[0].entity, facts[0].value, facts[4].value) == ("Hedda Dunstable", "1934", "160")
    assert facts[1].answer == "Hedda Dunstable was born in the town of Tillingford."
