"""SQuAD's EM and F1 on worked examples, plus ragft's citation marks."""

import pytest

from ragft.evaluate.metrics import exact_match, normalize_answer, token_f1


@pytest.mark.parametrize(
    "text, normalised",
    [
        ("The Quick, brown fox!", "quick brown fox"),
        ("An apple a day", "apple day"),
        ("Theatre and another", "theatre and another"),  # articles only as whole words
        ("  640\teuros \n", "640 euros"),
        ("1,967,825 (approx.)", "1967825 approx"),  # SQuAD deletes punctuation, it does not split on it
        ("It costs 640 euros [1].", "it costs 640 euros"),
        ("Oulu [1][2] and Espoo [1, 2]", "oulu and espoo"),
        ("see [note]", "see note"),  # only numeric citation marks are dropped
        ("", ""),
    ],
)
def test_normalize_answer(text, normalised):
    assert normalize_answer(text) == normalised


@pytest.mark.parametrize(
    "answer, reference, em",
    [
        ("640 euros", "640 euros", True),
        ("The 640 Euros.", "640 euros", True),
        ("640 euros [1]", "640 euros", True),
        ("The Lumen X2 costs 640 euros.", "640 euros", False),  # a sentence never matches a short reference
        ("", "", True),
        ("The.", "", True),
    ],
)
def test_exact_match(answer, reference, em):
    assert exact_match(answer, reference) is em


@pytest.mark.parametrize(
    "answer, reference, f1",
    [
        # tokens lumen x2 costs 640 euros (5, "the" dropped) vs 640 euros (2): 2 shared,
        # P = 2/5, R = 2/2 = 1, F1 = 2 * 0.4 * 1 / 1.4 = 4/7
        ("The Lumen X2 costs 640 euros.", "640 euros", 4 / 7),
        # the citation adds no token "1": P = 2/4, R = 1, F1 = 2 * 0.5 / 1.5 = 2/3
        ("It costs 640 euros [1].", "640 euros", 2 / 3),
        # bags, not sets: "euros" is shared once. P = 1/2, R = 1, F1 = 2/3 (and symmetric)
        ("euros euros", "euros", 2 / 3),
        ("euros", "euros euros", 2 / 3),
        # shared {640}: P = 1/2, R = 1/2, F1 = 1/2
        ("640 dollars", "640 euros", 0.5),
        ("Oulu", "Espoo", 0.0),
        ("640 euros", "the 640 EUROS!", 1.0),
        # SQuAD v2's rule: with no tokens on either side, F1 is 1 only when both have none
        ("", "", 1.0),
        ("The", "a.", 1.0),
        ("", "640 euros", 0.0),
        ("640 euros", "the", 0.0),
    ],
)
def test_token_f1(answer, reference, f1):
    assert token_f1(answer, reference) == pytest.approx(f1)
    assert isinstance(token_f1(answer, reference), float)
