"""Which of a sentence's values the question asks for, by the words of each value's own clause."""

import pytest

from ragft.rag.value_context import best_value, question_keys, value_contexts


@pytest.mark.parametrize(
    "question, body, values, expected",
    [
        # a qualifier after the second value; the words before the first are the sentence's subject
        (
            "What is the hotel limit per night in capital cities?",
            "The hotel limit is 160 euros per night, or 200 euros per night in capital cities.",
            ["160 euros", "200 euros"],
            "200 euros",
        ),
        (
            "What is the daily meal allowance for domestic trips?",
            "The daily meal allowance is 48 euros when travelling abroad and 24 euros for domestic trips.",
            ["48 euros", "24 euros"],
            "24 euros",
        ),
        # labels before their values
        (
            "How much is the fare for a car including driver?",
            "Fares (single): adult £14.50, child (5–15) £7.25, car including driver £46, bicycle free.",
            ["£14.50", "£7.25", "£46"],
            "£46",
        ),
        (
            "In which year was the Solvig built?",
            "Built in 1988 as a fjord ferry, she was bought in 2009 and fully restored in 2015.",
            ["1988", "2009", "2015"],
            "1988",
        ),
        # what a colon introduces is shared, not the first value's
        (
            "In which year did the practice buy the Kestrel AM-5 anaesthetic machine?",
            "The practice has two anaesthetic machines: the older Kestrel AM-2 was bought in 2010 and the newer "
            "Kestrel AM-5 in 2020.",
            ["2010", "2020"],
            "2020",
        ),
        # the ends of a range, whatever words ask for them
        (
            "At what time does the clinic finish?",
            "The clinic runs on Thursdays from 14:00 to 17:30.",
            ["14:00", "17:30"],
            "17:30",
        ),
        (
            "From what time may owners visit?",
            "Owners may visit between 15:00 and 16:00 each day.",
            ["15:00", "16:00"],
            "15:00",
        ),
        # comparisons and word forms meet: "more than" / "over", "deliveries" / "deliver"
        (
            "What does it cost for a dog weighing more than 20 kg?",
            "A dog under 20 kg costs 310 euros, and a dog over 20 kg costs 395 euros.",
            ["310 euros", "395 euros"],
            "395 euros",
        ),
        (
            "By what time of day are deliveries made?",
            "They deliver on Mondays, always before 10:00, and orders must reach them by 16:00 on the previous "
            "working day.",
            ["10:00", "16:00"],
            "10:00",
        ),
        # a value-less clause after a value is more about it
        (
            "What does private racking for a double cost per year?",
            "Private racking costs 85 euros a year for a single or a canoe and 140 euros for a double.",
            ["85 euros", "140 euros"],
            "140 euros",
        ),
        (
            "Below what water temperature may novices only go out with a safety launch?",
            "When the water is colder than 8 °C, novices may only go out with a safety launch in attendance, and below "
            "5 °C no single sculls may be taken out at all.",
            ["8 °C", "5 °C"],
            "8 °C",
        ),
        # ties decide nothing
        (
            "What is the hotel limit?",
            "The hotel limit is 160 euros per night, or 200 euros per night in capital cities.",
            ["160 euros", "200 euros"],
            None,
        ),
        ("How much is it?", "It is 5 euros and 7 euros.", ["5 euros"], None),  # one value: nothing to choose
    ],
)
def test_the_value_whose_clause_shares_the_questions_words(question, body, values, expected):
    assert best_value(question, "", body, values) == expected


def test_a_table_rows_values_are_told_apart_by_their_labels():
    prices = "Activity: Monthly membership; Adult: £34.99; Concession: £24.50; Child: £17.80."
    values = ["£34.99", "£24.50", "£17.80"]
    assert best_value("How much is the monthly membership for a child?", "Prices", prices, values) == "£17.80"
    assert best_value("What does an adult pay for monthly membership?", "Prices", prices, values) == "£34.99"
    assert best_value("How much is monthly membership?", "Prices", prices, values) is None  # the row's subject: shared
    times = "Day: Saturday; Session: Children's lessons; Start: 08:00; End: 12:30; Pool: Learner pool."
    assert best_value("What time do the Saturday lessons finish?", "Timetable", times, ["08:00", "12:30"]) == "12:30"
    assert best_value("When do the Saturday lessons begin?", "Timetable", times, ["08:00", "12:30"]) == "08:00"


def test_a_cell_holding_a_range_gives_its_ends():
    hours = "Day: Saturday; Central Library: 9.30am - 4.00pm; Ashgrove Library: 9.30am - 1.00pm."
    values = ["9.30am", "4.00pm", "1.00pm"]
    assert best_value("Until what time is Ashgrove Library open on a Saturday?", "Hours", hours, values) == "1.00pm"
    assert best_value("When does the Central Library close on Saturdays?", "Hours", hours, values) == "4.00pm"


def test_a_header_word_in_another_form_does_not_decide():
    body = "In every class the first prize is £5 and the second prize is £3."
    question = "How much does a second prize win in a class at the show?"
    assert best_value(question, "Show › Classes and prize money", body, ["£5", "£3"]) == "£3"


def test_the_header_names_the_subject_and_never_decides():
    body = "The Solvig was bought in 2009, and the Gannet Bay was bought in 2004."
    assert best_value("In which year was the Gannet Bay bought?", "", body, ["2009", "2004"]) == "2004"
    assert best_value("In which year was the Gannet Bay bought?", "Fleet › Gannet Bay", body, ["2009", "2004"]) is None


def test_values_are_found_whole():
    contexts = value_contexts("Fares: adult £14.50, child (5–15) £7.25.", ["5", "£14.50"])
    assert "adult" in contexts["£14.50"] and "child" in contexts["5"]


def test_question_keys_drop_what_the_question_asks_for():
    keys = question_keys("How much is the adult fare from Kellhaven?")
    assert {"adult", "fare", "_start"} <= keys and not {"much", "how"} & keys
    # "until" names the end even where "open" would name the start
    assert {"_end"} <= question_keys("Until what time is the erg room open?") - {"_start"}
    assert "_start" not in question_keys("Until what time is the erg room open?")


def test_only_the_values_of_one_sentence_compete():
    body = (
        "The station has two freezers of the model Cryolith UL-86. They hold samples at -80 °C and each has a "
        "capacity of 490 litres."
    )
    question = "What is the capacity of each Cryolith UL-86 freezer?"
    # the first sentence names the freezer; it does not make "two" its capacity
    assert best_value(question, "", body, ["two", "490 litres"]) is None
    assert best_value(question, "", body, ["two", "80 °C", "490 litres"], anchor="490 litres") == "490 litres"
    assert (
        best_value("At what temperature do they hold samples?", "", body, ["80 °C", "490 litres"], anchor="490 litres")
        == "80 °C"
    )
