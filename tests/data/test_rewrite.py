"""Which rewrites of a question keep its meaning (the reference answer must still hold)."""

import pytest

from ragft.data.rewrite import keeps_meaning


@pytest.mark.parametrize(
    "rewrite, kept",
    [
        ("How many people live in City_7?", True),
        ("City_7 has how many inhabitants?", True),
        ("How many people live in City_77?", False),  # another city
        ("How many people live in the city?", False),  # lost its subject
        ("What is the population of City_7?", False),  # the same question
        ("what is the population of city_7", False),  # not a question, and the same words
        ("How many people live in City_7? " + "And more. " * 40, False),  # rambles on
    ],
)
def test_a_rewrite_must_be_new_and_keep_every_name(rewrite, kept):
    assert keeps_meaning("What is the population of City_7?", rewrite) is kept


def test_codes_and_names_with_capitals_are_kept():
    original = "How much does the Marten E2 cost in 2025?"
    assert keeps_meaning(original, "What is the price of the Marten E2 in 2025?")
    assert not keeps_meaning(original, "What is the price of the Marten in 2025?")
    assert not keeps_meaning(original, "What is the price of the Marten E2?")
