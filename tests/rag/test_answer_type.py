import pytest

from ragft.rag.answer import SelectionSettings, select_passages
from ragft.rag.answer_type import answer_type, answerable_first, fit, holds, values
from ragft.rag.hits import Hit


@pytest.mark.parametrize(
    "question, kind",
    [
        ("How much does the Marten E2 cost?", "number"),
        ("How much does the Wren 20 weigh?", "number"),
        ("In which year was the MV Solvig built?", "year"),
        ("In what year was Pyrelle Institute founded?", "year"),
        ("At what time does the last ferry leave?", "time"),
        ("Who is the deputy harbour master?", "name"),
        ("How many passengers can she carry?", "number"),
        ("What is the capacity of each freezer?", "number"),  # a measure asked for by name
        ("What is the hotel limit in capital cities?", "number"),
        ("Until which date does the excursion run?", "date"),
        ("How often is the eluent replaced?", "frequency"),
        ("What is the street address of the head office?", "address"),
        ("Which shipyard built the MV Gannet Bay?", "name"),
        # the wh-phrase outranks the verb after it
        ("Which sponsor paid for the eight Marigold?", "name"),
        ("Who pays the deposit?", "name"),
        ("On which days of the week is the Reading Room open?", "weekday"),
        ("What day is the market held?", "weekday"),
        ("What is the postcode of the Ferrymead Lane site?", "postcode"),
        ("What is the running time of the pantomime?", "number"),
        ("What is the yearly subscription for a full member?", "number"),
        ("When does the Monday early swim finish?", "when"),
        ("What is the crossing time to the island?", "number"),
        ("Where is the head office?", None),
        ("What is the Ledger?", None),
    ],
)
def test_answer_kind_from_the_wh_phrase(question, kind):
    found = answer_type(question)
    assert (found.kind if found else None) == kind


def test_a_day_of_the_month_is_not_a_weekday():
    assert answer_type("What day of the month is rent due?").kind != "weekday"


@pytest.mark.parametrize(
    "passage, question, expected",
    [
        # the unit family the question implies
        ("Wren 20: It costs 460 euros and weighs 8.9 kg.", "How much does the Wren 20 weigh?", True),
        ("Wren 20: The Wren 20 is a bike with 20-inch wheels.", "How much does the Wren 20 weigh?", False),
        ("Fenwick: It has an 8-speed hub.", "How much does the Fenwick weigh?", False),
        ("Moorings: Visitor mooring costs £3.20 per metre per night.", "How much does a mooring cost?", True),
        ("Moorings: Boats under 8 metres pay a flat rate.", "How much does a mooring cost?", False),
        # numbers the question states do not answer it; nor do the header's years
        ("Marten E2: The Marten E2 is our commuter.", "How much does the Marten E2 cost?", False),
        ("History › Growing up (2013–2017): It sold out twice.", "In which year did Layla join?", False),
        ("Staff: Emil arrived in 2021.", "In which year did Emil arrive?", True),
        ("Office: It has 21 employees.", "How many people work at the 2018 office?", True),
        ("Office: It opened in 2018.", "How many people work there?", False),
        ("Ferry: The ferry carries six bicycles.", "How many bicycles can the ferry carry?", True),
        ("Ferry: It leaves at 08:30 and 16:45.", "At what time does the last ferry leave?", True),
        ("Ferry: It leaves from Berth 4.", "At what time does the last ferry leave?", False),
        (
            "Season: Jack and the Beanstalk; Running time: 2 hours 30 minutes.",
            "What is the running time of the pantomime?",
            True,
        ),
        ("Season: The pantomime starts at 19:30.", "What is the running time of the pantomime?", False),
        ("Team: Marit Kvale is our finance chief.", "Who is the Chief Financial Officer?", True),
        ("Team: the chief financial officer signs it.", "Who is the Chief Financial Officer?", False),
        ("Reading Room: It opens on Wednesdays and Fridays.", "On which days is the Reading Room open?", True),
        (
            "Sites: Ferrymead Lane, 14 Ferrymead Lane, Calderwick CW4 2RT: 64 plots.",
            "What is the postcode of the site?",
            True,
        ),
        ("Office: Keizersgracht 12, 1015 CJ Amsterdam.", "What is the office's postcode?", True),
        ("Sites: Ferrymead Lane has 64 plots.", "What is the postcode of the site?", False),
        ("FAQ › Refunds: A handling fee of 75p is charged per ticket.", "What fee is charged for a refund?", True),
        ("Timetable: Day: Monday; Start: 06:30; End: 09:00.", "When does the Monday early swim finish?", True),
        ("History: It reopened on 21 September 2020.", "When did the centre reopen?", True),
        ("History: It was refurbished in 2006.", "When was the centre refurbished?", True),
        ("Pools: The learner pool is 12 metres long.", "When was the learner pool built?", False),
        ("Reading Room: It holds 8,000 photographs.", "On which days is the Reading Room open?", False),
        ("Fleet: It was paid for by Brackwater Brewery.", "Which sponsor paid for the Marigold?", True),
        ("Fees: New members pay a joining fee of 30 euros.", "Which sponsor paid for the Marigold?", False),
    ],
)
def test_a_passage_holds_a_value_of_the_asked_kind(passage, question, expected):
    assert holds(answer_type(question), passage, question) is expected


def test_answerable_passages_come_first_in_their_order():
    hits = [
        Hit("a", "E2: The Marten E2 is our commuter.", 0.9),
        Hit("b", "E2: It costs 2,490 euros.", 0.8),
        Hit("c", "E1: It cost 1,990 euros.", 0.5),
    ]
    assert [h.id for h in answerable_first("How much does the Marten E2 cost?", hits)] == ["b", "c", "a"]
    # no answerable passage, or an untyped question: order unchanged
    assert [h.id for h in answerable_first("How much does it weigh?", hits)] == ["a", "b", "c"]
    assert [h.id for h in answerable_first("What is the E2?", hits)] == ["a", "b", "c"]


def test_selection_takes_the_best_answerable_passage_and_only_it():
    hits = [Hit("a", "E2: The Marten E2 is our commuter.", 0.9), Hit("b", "E2: It costs 2,490 euros.", 0.8)]
    question = ["How much does the Marten E2 cost?"]
    assert [h.id for h in select_passages(question, [hits], SelectionSettings(k=5))[0]] == ["b"]
    assert [h.id for h in select_passages(question, [hits], SelectionSettings(k=5, answer_type=False))[0]] == ["a"]
    assert [h.id for h in select_passages(question, [hits], SelectionSettings(k=5, gap=0.1))[0]] == ["b", "a"]


def test_a_number_of_the_things_counted_beats_any_other_number():
    question = "How many passengers can the MV Kittiwake carry?"
    hits = [
        Hit("berth", "Fleet: She is laid up at Berth 6.", 0.9),
        Hit("none", "Fleet: She is blue.", 0.8),
        Hit("count", "Fleet: She carries 120 passengers and 20 cars.", 0.7),
    ]
    assert [h.id for h in answerable_first(question, hits)] == ["count", "berth", "none"]
    assert values(answer_type(question), hits[2].text, question) == ["120 passengers"]
    assert values(answer_type(question), hits[0].text, question) == []  # "Berth 6" is a label, not a count


@pytest.mark.parametrize(
    "question, passage, expected",
    [
        (
            "How far in advance can instruments be booked?",
            "Booking: Freezers are booked 3 km away. Bookings open 21 days in advance.",
            ["21 days"],
        ),  # a time, not a distance
        (
            "How many bicycles can the ferry carry?",
            "Ferry: Bicycles cost £2 each, and space is limited to six bikes.",
            ["six"],
        ),  # a price is not a count
        (
            "How many people work at the Rotterdam office?",
            "Rotterdam: The office is at Kadewerf 7. It has 21 employees.",
            ["21 employees"],
        ),  # a house number is a label
        (
            "How long does the crossing take?",
            "Ferry: It leaves at 09:45 and the crossing takes 1 hour 20 minutes.",
            ["1 hour 20 minutes"],
        ),  # one duration in two numbers
        (
            "Until which date does the excursion run?",
            "Ferry: Between 1 June and 15 September it runs daily.",
            ["1 June", "15 September"],
        ),
        (
            "How often is the eluent replaced?",
            "IC: Its eluent is replaced every 3 weeks and the column checked quarterly.",
            ["every 3 weeks", "quarterly"],
        ),
        (
            "What is the street address of the head office?",
            "Offices › Tampere: The headquarters is at Hiidenkatu 14.",
            ["Hiidenkatu 14"],
        ),
        (
            "Who is the Chief Financial Officer?",
            "Who's Who › Marit Kvale — Chief Financial Officer: Purchase orders end up in her inbox.",
            ["Marit Kvale"],
        ),  # a section titled by a person names her; "Purchase" opens a sentence
        (
            "Who coaches the masters group?",
            "Sessions: It meets on Monday evenings and is coached by Tobias Wren.",
            ["Tobias Wren"],
        ),  # days and months are not names
        (
            "At which bridge is the gauge board read?",
            "Levels: The gauge board is at Stanmoor Bridge, near Kellerby.",
            ["Stanmoor Bridge"],
        ),  # "which bridge": a name ending in "Bridge"
        ("Which VHF channel does the office use?", "Office: It listens on VHF channel 12.", []),
        (
            "What is the phone number of the secretary?",
            "FAQ: Call Owen on 01632 448 210, or 112 in an emergency.",
            ["01632 448 210"],
        ),
        (
            "Which extension reaches the pharmacy?",
            "Contacts: The pharmacy is on extension 214, reception on ext. 240.",
            ["214", "240"],
        ),
    ],
)
def test_values_of_the_newer_kinds(question, passage, expected):
    assert values(answer_type(question), passage, question) == expected


def test_counts_name_their_noun_even_after_adjectives_and_word_numbers_do_not_beat_them():
    question = "How many coins make up the hoard?"
    hoard = "Gallery: The hoard contains 212 Roman silver coins found in a jar."
    family = "Tickets: Ticket: Family; Price: £21.00; Notes: Two adults and up to three children."
    assert fit(answer_type(question), hoard, question) == 2
    assert fit(answer_type(question), family, question) == 1
    assert answer_type("What is the latest time a visitor can be admitted?").kind == "time"
    journey = answer_type("What is the journey time to the island?")  # a duration, not a clock time
    assert journey.kind == "number" and "minute" in journey.units
