"""Names the knowledge base never mentions: found in questions about strangers, never in known ones."""

from pathlib import Path

import pytest

from ragft.data.task import task_from_documents, task_from_probes
from ragft.data.unknowns import generated_unknowns
from ragft.rag.config import ChunkConfig
from ragft.rag.unknown_subject import KnowledgeVocabulary, names

EXAMPLES = Path(__file__).parents[2] / "src" / "ragft" / "examples"


@pytest.mark.parametrize(
    "question, expected",
    [
        ("In what year was Odette Corvane born?", ["Odette Corvane"]),
        ("What is the population of City_101?", ["City_101"]),
        (
            "In which year did Layla Okafor, Aldmere's Lead Battery Engineer, join?",
            ["Layla Okafor", "Aldmere", "Lead Battery Engineer"],
        ),
        ("In which city is Aldmere's CFO Marit Kvale based?", ["Aldmere", "Marit Kvale"]),  # acronyms are titles
        ("What is the maximum speed of the Kestrel RC-12 centrifuge?", ["Kestrel RC-12"]),
        ("how many days of leave do employees get?", []),
        ("Odette was born where?", []),  # a capital opening the sentence is not taken for a name
    ],
)
def test_names(question, expected):
    assert [written for _, written in names(question)] == expected


def test_a_stranger_sharing_first_and_last_names_with_two_known_people_is_still_a_stranger():
    kb = KnowledgeVocabulary(["Odette Vale was born in 1950.", "Mira Corvane is a baker.", "Acme hires 30."])
    assert kb.unmentioned("When was Odette Corvane born?") == ["Odette Corvane"]
    assert kb.unmentioned("When was Odette Vale born?") == []
    assert kb.unmentioned("How many does Acme hire?") == []
    assert kb.unmentioned("How many does Zenith hire?") == ["Zenith"]


@pytest.mark.parametrize("name", ["handbook", "harbour", "lab", "clinic", "rowing", "museum", "allotments"])
def test_no_question_of_the_bundled_documents_is_flagged(name):
    folder = EXAMPLES / name
    task = task_from_documents(folder, folder / "questions.jsonl", ChunkConfig().settings())
    kb = KnowledgeVocabulary(task.passages.values())
    assert [i.question for i in task.items if kb.unmentioned(i.question)] == []


@pytest.mark.parametrize("source", ["people", "orgs", "cities"])
def test_every_probe_known_and_every_stranger_flagged(source):
    task = task_from_probes(source, 30, 42)
    kb = KnowledgeVocabulary(task.passages.values())
    assert [i.question for i in task.items if kb.unmentioned(i.question)] == []
    strangers = generated_unknowns(source, 30, 42, 10).asked
    assert all(kb.unmentioned(i.question) for i in strangers)


# Written by hand after the rule was fixed, in domains nothing was tuned on (ships, planets, trams,
# mountains, firms): the blind check the README quotes.
HAND_KB = [
    "The research vessel Aurora Borealis II was launched in 1998 at the Gdynia yard.",
    "Captain Ines Valcárcel commands the Aurora Borealis II.",
    "The planet Keth-4 orbits its star every 212 days.",
    "Dr. Tomasz Wierzbicki discovered Keth-4 in 2031.",
    "The Nordlys tram line runs from Sentrum to Lade every 7 minutes.",
    "Tickets for the Nordlys line cost 42 kroner.",
    "Mount Arrenhal is 3,412 metres high.",
    "The first ascent of Mount Arrenhal was made by Sofia Brandt in 1921.",
    "The Qiao & Partners law firm has offices in Lyon and Porto.",
    "Fenwick Bakery sells sourdough loaves for 4 euros.",
]
HAND_KNOWN = [
    "When was the Aurora Borealis II launched?",
    "Who commands the research vessel Aurora Borealis II?",
    "How long is a year on Keth-4?",
    "Who discovered the planet Keth-4?",
    "How often does the Nordlys tram run?",
    "What does a ticket for the Nordlys line cost?",
    "How high is Mount Arrenhal?",
    "Who first climbed Mount Arrenhal?",
    "Where does Qiao & Partners have offices?",
    "How much is a sourdough loaf at Fenwick Bakery?",
    "In which year did Sofia Brandt climb the mountain?",
    "what does the bakery charge for bread?",
]
HAND_UNKNOWN = [
    "When was the Aurora Australis launched?",
    "How long is a year on Keth-7?",
    "Who discovered the planet Vorr?",
    "How often does the Sydlys tram run?",
    "How high is Mount Belgrave?",
    "Who first climbed Mount Arrenhal's neighbour Kessfjell?",
    "Where does Lindqvist & Partners have offices?",
    "What does Marlow Bakery sell?",
    "Who commands the Polar Star?",
    "When did Captain Ines Moreno take command?",
]


def test_a_hand_written_knowledge_base_nothing_was_tuned_on():
    kb = KnowledgeVocabulary(HAND_KB)
    assert [q for q in HAND_KNOWN if kb.unmentioned(q)] == []
    assert [q for q in HAND_UNKNOWN if not kb.unmentioned(q)] == []
