import pytest

from ragft.evaluate.metrics import is_correct, is_correct_seed, seed_number, wilson_interval
from ragft.facts import content_words

REF = "City_1 has about 1967825 inhabitants."
Q = "What is the population of City_1?"


@pytest.mark.parametrize(
    "answer, robust, seed",
    [
        ("City_1 has about 1967825 inhabitants.", True, True),
        ("City_1 has about 1,967,825 inhabitants.", True, False),
        ("About 1.97 million people live there.", True, False),
        ("About 2 million.", False, False),  # too vague to count
        ("In 2020, City_1 had 1967825 inhabitants.", True, False),  # first number is not the population
        ("City_1 has 1967825; City_77 has 3784531.", False, True),  # hedging between candidates is wrong
        ("City_1 has about 1444444 inhabitants.", False, False),
        ("I don't know.", False, False),
        ("The population is 1967825.", True, True),
    ],
)
def test_robust_and_seed_metrics(answer, robust, seed):
    assert is_correct(answer, REF, Q) is robust
    assert is_correct_seed(answer, REF, Q) is seed


@pytest.mark.parametrize(
    "answer, correct",
    [
        ("It launched in 2019 and costs 2,490 euros.", True),  # a year is not a competing price
        ("Product Line-up 2025 › Marten E2: costs 2,490 euros [1]", True),
        ("It costs 2,490 euros, or 2,190 euros on sale.", False),  # two prices: a hedge
        ("It costs €2,490.", True),
        ("It weighs 34 kg and costs 2,490 euros.", True),  # another unit, another quantity
        ("2,490 or 2,190", False),  # bare numbers may be the same quantity
    ],
)
def test_competing_values_need_the_same_unit(answer, correct):
    assert is_correct(answer, "2,490 euros", "How much does the Marten E2 cost?") is correct


@pytest.mark.parametrize(
    "answer, reference, question, correct",
    [
        ("At 16:45.", "16:45", "At what time does the last ferry leave?", True),
        ("It leaves at 08:30, 12:15 and 16:45.", "16:45", "At what time does the last ferry leave?", False),
        ("It is open from 9:00 to 16:00.", "09:00 to 16:00", "What are the opening hours?", True),
        ("It is open from 9:00.", "09:00 to 16:00", "What are the opening hours?", False),  # half the answer
        ("She carries 240 passengers and 38 cars.", "38", "How many cars can the MV Gannet Bay carry?", True),
        ("She carries 240 cars.", "38", "How many cars can the MV Gannet Bay carry?", False),
        ("She carries 38 or 40.", "38", "How many cars can the MV Gannet Bay carry?", False),
        ("The Wren 20 weighs 8.9 kg.", "8.9 kg", "How much does the Wren 20 weigh?", True),  # 20 names the bike
        ("The Wren 20 weighs 9.8 kg.", "8.9 kg", "How much does the Wren 20 weigh?", False),
        # a dotted pair after a currency sign or before a unit is a decimal, not a clock time
        ("A visitor mooring costs £3.20 per metre.", "£3.20", "How much does a mooring cost?", True),
        ("It is 2.45 metres long.", "2.45 metres", "How long is it?", True),
        ("The bus leaves at 9.30.", "09:30", "At what time does the bus leave?", True),
        ("The bus leaves at 9.30 am.", "9:30", "At what time does the bus leave?", True),
        # pence written on the number
        ("A handling fee of 75p is charged [1].", "75p", "What fee is charged per refunded ticket?", True),
        ("A handling fee of 30p is charged.", "75p", "What fee is charged per refunded ticket?", False),
    ],
)
def test_times_ranges_and_counts(answer, reference, question, correct):
    assert is_correct(answer, reference, question) is correct


def test_seed_number_is_the_blog_posts_rule():
    assert seed_number("City_7 has about 1819583 inhabitants.") == 1819583
    assert seed_number("1967825 people") is None  # needs whitespace before the digits
    assert seed_number("nothing") is None


def test_text_references_use_the_words_they_add():
    q, ref = "Where is Nokia headquartered?", "Nokia is headquartered in Oulu."
    assert content_words(ref, q) == {"oulu"}
    assert is_correct("It is in Oulu, Finland.", ref, q)
    assert not is_correct("It is in Helsinki.", ref, q)
    assert is_correct_seed("Oulu", ref, q)  # no number: the seed metric uses the same word check


def test_wilson_interval():
    lo, hi = wilson_interval(87, 100)
    assert lo == pytest.approx(0.790, abs=1e-3) and hi == pytest.approx(0.922, abs=1e-3)
    lo, hi = wilson_interval(0, 100)
    assert lo == pytest.approx(0.0, abs=1e-12) and hi == pytest.approx(0.0370, abs=1e-4)
    assert wilson_interval(0, 0) == (0.0, 1.0)
    assert wilson_interval(10, 10)[1] == pytest.approx(1.0)


@pytest.mark.parametrize(
    "answer, reference, correct",
    [
        ("The corpus is described in train.jsonl, see corpus [1].", "corpus.jsonl", False),  # its words, apart
        ("Put them in `corpus.jsonl`.", "corpus.jsonl", True),
        ("my-corpus.jsonl", "corpus.jsonl", False),
        ("corpus.jsonl.gz", "corpus.jsonl", False),
        ("Pass --timeout 300.", "--timeout", True),
        ("Pass timeout.", "--timeout", False),
        ("Use -v.", "-V", False),  # a flag's case is its meaning
        ("New in version 1.2.3 [2].", "1.2.3", True),
        ("It arrived in 2023.", "1.2.3", False),
        ("Call load_dotenv() first.", "load_dotenv", True),
        ("Load the dotenv file.", "load_dotenv", False),
        ("Install FASTAPI.", "FastAPI", True),  # a name's case is style
        ("pip install fastapi[standard]", "fastapi[standard]", True),
        ("pip install fastapi", "fastapi[standard]", False),
        ("See https://example.org/docs.", "https://example.org/docs", True),
    ],
)
def test_a_term_must_be_stated_whole(answer, reference, correct):
    assert is_correct(answer, reference, "Which one?") is correct


def test_quantities_are_not_terms():
    from ragft.evaluate.metrics import term

    assert [term(r) for r in ("17:00", "3.8", "10%", "2,490", "£46", "Wednesdays and Fridays")] == [None] * 6
    assert [term(r) for r in ("`corpus.jsonl`", "--timeout", "snake_case", "camelCase")] == [
        "corpus.jsonl",
        "--timeout",
        "snake_case",
        "camelCase",
    ]


def test_a_reply_that_restates_the_question_answers_nothing():
    question = "Which is the default mode of the client, sync or async?"
    assert not is_correct("The default mode of the client is sync or async [1].", "async", question)
    assert is_correct("The default mode is async [1].", "async", question)
    assert is_correct("async", "async", question)


def test_a_term_may_be_qualified_by_its_module():
    assert is_correct("Use psutil.wait_procs() [1].", "wait_procs", "Which helper?")
    assert not is_correct("Use psutil.wait_procs_all() [1].", "wait_procs", "Which helper?")


def test_a_variable_set_to_a_value_names_the_variable():
    assert is_correct("Set PYTHON_DOTENV_DISABLED=1 [1].", "PYTHON_DOTENV_DISABLED", "Which variable?")
