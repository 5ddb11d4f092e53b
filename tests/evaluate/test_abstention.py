"""Abstentions in the many ways models say them, and answers that only look like one."""

import pytest

from ragft.evaluate.abstention import abstains


@pytest.mark.parametrize(
    "answer",
    [
        "I don't know.",
        "I don’t know the population of City_7.",
        "I do not know",
        "i dont know",
        "Sorry, I cannot answer that.",
        "I can't say.",
        "The context does not say.",
        "I'm not sure.",
        "There is no information about Odette Corvane.",
        "I have no information on that.",
        "The birth year is not mentioned.",
        "Her height is unknown.",
        "I am unable to determine it.",
        "I don't know: the knowledge base does not mention Odette Corvane.",
    ],
)
def test_abstentions(answer):
    assert abstains(answer)


@pytest.mark.parametrize(
    "answer",
    [
        "City_7 has 2000 inhabitants.",
        "Maria Lopez was born in 1960.",
        "I know that Paris is big.",
        "She does not work for Acme; she works for Zeta.",
        "He is known as a baker.",
        "Notes say 12.",
    ],
)
def test_answers(answer):
    assert not abstains(answer)
