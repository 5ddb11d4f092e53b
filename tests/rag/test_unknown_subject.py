"""Names the knowledge base never mentions: found in questions about strangers, never in known ones."""

from pathlib import Path

import pytest

from ragft.config import ChunkConfig
from ragft.data.task import task_from_documents, task_from_probes
from ragft.data.unknowns import generated_unknowns
from ragft.rag.unknown_subject import KnowledgeVocabulary, names

EXAMPLES = Path(__file__).parents[2] / "src" / "ragft" / "examples"


@pytest.mark.parametrize("question, expected", [
    ("In what year was Odette Corvane born?", ["Odette Corvane"]),
    ("What is the population of City_101?", ["City_101"]),
    ("In which year did Layla Okafor, Aldmere's Lead Battery Engineer, join?",
     ["Layla Okafor", "Aldmere", "Lead Battery Engineer"]),
    ("In which city is Aldmere's CFO Marit Kvale based?", ["Aldmere", "Marit Kvale"]),  # acronyms are titles
    ("What is the maximum speed of the Kestrel RC-12 centrifuge?", ["Kestrel RC-12"]),
    ("how many days of leave do employees get?", []),
    ("Odette was born where?", []),  # a capital opening the sentence is not taken for a name
])
def test_names(question, expected):
    assert [written for _, written in names(question)] == expected


def test_a_stranger_sharing_first_and_last_names_with_two_known_people_is_still_a_stranger():
    kb = KnowledgeVocabulary(["Odette Vale was born in 1950.", "Mira Corvane is a baker.", "Acme hires 30."])
    assert kb.unmentioned("When was Odette Corvane born?") == ["Odette Corvane"]
    assert kb.unmentioned("When was Odette Vale born?") == []
    assert kb.unmentioned("How many does Acme hire?") == []
    assert kb.unmentioned("How many does Zenith hire?") == ["Zenith"]


@pytest.mark.parametrize("name", ["handbook", "harbour", "lab"])
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
