"""A mix of generated domains in one knowledge base ("people:2+cities:10"): the study of a mixed team wiki."""

import pytest

from ragft.config import ExperimentConfig
from ragft.data.domains import Attribute, Domain, Mix
from ragft.data.generated.people import DOMAIN as PEOPLE
from ragft.data.probes import probes, training_conversations
from ragft.data.sources import domain, generate, is_generator, mix_parts
from ragft.data.task import task_from_probes
from ragft.data.unknowns import generated_unknowns
from ragft.errors import RagftError
from ragft.evaluate.arms import parse_arm
from ragft.studies.generalization import generalization

MIX = "people:2+cities:10"


def _key(f):
    return (f.entity, f.attribute, f.value, f.answer)


def test_a_mix_holds_exactly_the_facts_of_its_parts_generated_alone():
    facts = domain(MIX).facts(4, seed=7)
    alone = domain("people").facts(2, seed=7) + domain("cities").facts(10, seed=7)
    assert sorted(map(_key, facts)) == sorted(map(_key, alone))
    # Taken in turn, so the first questions (a --limit) span both domains.
    assert {f.attribute for f in facts[:2]} == {"population", PEOPLE.attributes[0].name}


def test_a_part_without_a_count_takes_the_runs_n():
    facts = domain("people+cities").facts(3, seed=1)
    assert len({f.entity for f in facts if f.attribute == "population"}) == 3
    assert len({f.entity for f in facts if f.attribute != "population"}) == 3
    assert mix_parts("people+cities:5") == [("people", None), ("cities", 5)]


def test_probes_and_phrasings_are_each_domains_own():
    found = probes(MIX, 4, seed=3)
    assert {p.id.split(":")[0] for p in found} == {"people", "cities"}
    cities = [p for p in found if p.id.startswith("cities:")]
    assert {p.family for p in cities} == {"train", "paraphrase", "reversed"}
    assert all(p.attribute == "population" for p in cities)
    # k phrasings per fact come from each attribute's own training pool.
    convs = training_conversations(MIX, 4, seed=3, k=3)
    assert len(convs) == 3 * len(domain(MIX).facts(4, seed=3))
    asked = {m["content"] for c in convs for m in c["messages"] if m["role"] == "user"}
    assert any("City_1" in q and q != "What is the population of City_1?" for q in asked)


def test_a_mix_is_generated_data_everywhere_a_generator_is():
    assert is_generator(MIX) and is_generator("people+cities")
    assert not is_generator("people+nope") and not is_generator("a+b.jsonl")
    assert len(generate(MIX, 1, 42)) == 2 * len(PEOPLE.attributes) + 10
    task = task_from_probes(MIX, 4, 42)
    assert task.description.startswith(f"{MIX} (seed=42)")
    config = ExperimentConfig(arms=["base", "rag", "finetuned"], experiments=["generalization"], data={"source": MIX})
    assert config.probing and config.data.generated


@pytest.mark.parametrize("name", ["people+people", "people:0+cities", "people+nope", "people:x+cities", "+cities"])
def test_bad_mixes_are_named_in_one_line(name):
    with pytest.raises(RagftError) as e:
        domain(name).facts(2, 42)
    assert name in str(e.value) or "nope" in str(e.value)


def test_two_domains_naming_the_same_entity_are_refused():
    twins = Domain(
        "twins",
        (Attribute("age", ("How old is {entity}?", "a {entity}", "b {entity}", "c {entity}"), "{entity} is {value}."),),
        lambda n, rng: [(name, {"age": "40"}) for name, _ in PEOPLE.draw(n, rng)],
    )
    with pytest.raises(RagftError, match="named alike"):
        Mix("people+twins", ((PEOPLE, 2), (twins, 2))).facts(2, 42)


def test_knowledge_of_a_given_size_and_strangers_come_from_the_mix():
    d = domain(MIX)
    sample = d.sample(30, 42)
    assert len(sample) == 30 and {f.attribute == "population" for f in sample} == {True, False}
    unknowns = generated_unknowns(MIX, 4, 42, count=1)
    known = {f.entity for f in d.facts(4, 42)}
    asked = {q.question for q in unknowns.asked}
    assert asked and not any(e in q for q in asked for e in known)


def test_generalization_is_reported_per_domain_of_a_mix():
    rows = [
        {"arm": "rag", "id": f"{d}:e{i}:a:{fam}:0", "family": fam, "correct": ok, "split": "test"}
        for d, ok in (("people", True), ("cities", False))
        for i in range(3)
        for fam in ("train", "paraphrase")
    ]
    study = generalization(rows, [parse_arm("rag", {})], ["people", "cities"])
    assert study["arms"]["rag"]["paraphrase"]["n"] == 6
    assert study["domains"]["people"]["rag"]["paraphrase"]["value"] == 1.0
    assert study["domains"]["cities"]["rag"]["train"]["value"] == 0.0
