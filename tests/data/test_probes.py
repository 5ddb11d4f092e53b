from collections import Counter

import pytest

from ragft.data.cities import city_conversations
from ragft.data.generated.cities import DOMAIN as CITIES
from ragft.data.probes import MIN_HELD_OUT, normalise, phrasings, probes, trained_questions, training_conversations
from ragft.data.sources import domain, generate
from ragft.errors import RagftError

NAMES = ["people", "orgs", "cities"]


def _texts(conversations):
    return [m["content"] for c in conversations for m in c["messages"] if m["role"] in ("user", "assistant")]


def _contains(text: str, phrase: str) -> bool:
    # Word-bounded, so "City_1" does not match inside "City_10".
    return f" {normalise(phrase)} " in f" {normalise(text)} "


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("k", [1, 3, 10])
def test_held_out_paraphrases_never_in_training_data(name, k):
    convs = training_conversations(name, 12, seed=5, k=k)
    held = [p.question for p in probes(name, 12, seed=5) if p.family == "paraphrase"]
    assert held
    leaked = [q for q in held if any(_contains(t, q) for t in _texts(convs))]
    assert not leaked, leaked[:3]
    assert not set(held) & trained_questions(convs)


@pytest.mark.parametrize("name", NAMES)
def test_training_pools_disjoint_from_every_domain_template(name):
    d = domain(name)
    for a in d.attributes:
        held = {normalise(q) for q in a.questions[1:]}
        pool = d.train_questions[a.name]
        assert len(pool) + 1 >= 10 and len(d.train_answers[a.name]) >= 3, a.name
        assert not {normalise(q) for q in pool} & held, a.name
        assert normalise(a.questions[0]) not in {normalise(q) for q in pool}, a.name
        assert len({normalise(q) for q in pool}) == len(pool), a.name
        assert a.answer not in d.train_answers[a.name], a.name
        assert all("{entity}" in t for t in (*pool, *d.train_answers[a.name])), a.name
        assert all("{value}" in t for t in d.train_answers[a.name]), a.name


@pytest.mark.parametrize("name", NAMES)
def test_every_family_present_and_enough_paraphrases(name):
    ps = probes(name, 15, seed=2)
    assert {p.family for p in ps} == {"train", "paraphrase", "reversed"}
    facts = domain(name).facts(15, seed=2)
    per_fact = Counter((p.entity, p.attribute) for p in ps if p.family == "paraphrase")
    assert set(per_fact) == {(f.entity, f.attribute) for f in facts}
    assert min(per_fact.values()) >= MIN_HELD_OUT
    assert len({p.id for p in ps}) == len(ps)  # ids are unique


@pytest.mark.parametrize("name", NAMES)
def test_probe_fields_follow_the_fact(name):
    facts = {(f.entity, f.attribute): f for f in domain(name).facts(8, seed=4)}
    for p in probes(name, 8, seed=4):
        f = facts[(p.entity, p.attribute)]
        assert p.id.startswith(f"{name}:{p.entity}:{p.attribute}:{p.family}")
        if p.family == "reversed":
            assert p.reference == p.entity and p.template is None and f.value in p.question
        else:
            assert p.reference == f.answer and p.question == f.questions[p.template]
            assert (p.family == "train") == (p.template == 0)


def test_cities_template_zero_and_reversal_wording():
    a = CITIES.attribute("population")
    assert a.questions[0] == "What is the population of {entity}?" and len(a.questions) >= 4
    p = next(p for p in probes("cities", 3, seed=42) if p.family == "reversed")
    assert p.question == "Which city has about 1967825 inhabitants?" and p.reference == "City_1"


@pytest.mark.parametrize("n,seed", [(100, 42), (7, 1), (30, 9)])
def test_cities_domain_reproduces_city_conversations(n, seed):
    assert CITIES.conversations(n, seed) == city_conversations(n, seed)
    assert training_conversations("cities", n, seed, k=1) == city_conversations(n, seed)


@pytest.mark.parametrize("name", NAMES)
def test_k1_equals_the_plain_generator(name):
    assert training_conversations(name, 9, seed=3, k=1) == generate(name, 9, 3)
    assert training_conversations(name, 9, seed=3, k=1, system="S") == domain(name).conversations(9, 3, "S")


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("k", [3, 10])
def test_k_distinct_phrasings_per_fact_with_the_value_verbatim(name, k):
    facts = domain(name).facts(6, seed=8)
    convs = training_conversations(name, 6, seed=8, k=k)
    assert len(convs) == k * len(facts)
    for i, f in enumerate(facts):
        chunk = [(c["messages"][1]["content"], c["messages"][2]["content"]) for c in convs[i * k : (i + 1) * k]]
        assert chunk[0] == (f.question, f.answer)  # phrasing 0 is the trained one
        assert len({q for q, _ in chunk}) == k and len(set(chunk)) == k
        for q, answer in chunk:
            assert f.value in answer and f.entity in answer and f.entity in q, (q, answer)
    assert all(c["messages"][0]["content"] == "You're a helpful assistant" for c in convs)


@pytest.mark.parametrize("name", NAMES)
def test_phrasings_of_more_k_extend_fewer(name):
    a = domain(name).attributes[0].name
    assert phrasings(name, a, 10)[:3] == phrasings(name, a, 3)
    with pytest.raises(RagftError, match="k must be"):
        phrasings(name, a, 11)
    with pytest.raises(RagftError, match="k must be"):
        training_conversations(name, 2, seed=1, k=0)


def test_reversed_only_for_values_one_entity_has():
    d = domain("people")
    facts = d.facts(80, seed=11)
    counts = Counter((f.attribute, f.value) for f in facts)
    reversible = {
        (f.entity, f.attribute)
        for f in facts
        if d.attribute(f.attribute).reversed and counts[(f.attribute, f.value)] == 1
    }
    shared = {(f.entity, f.attribute) for f in facts if counts[(f.attribute, f.value)] > 1}
    assert shared  # 80 people over 42 towns: some values must repeat, or this test checks nothing
    got = {(p.entity, p.attribute) for p in probes("people", 80, seed=11) if p.family == "reversed"}
    assert got == reversible and not got & shared


def test_orgs_attribute_without_reversal_gets_none():
    assert not [p for p in probes("orgs", 10, seed=1) if p.family == "reversed" and p.attribute == "industry"]


@pytest.mark.parametrize("name", NAMES)
def test_deterministic_for_a_seed_and_different_for_another(name):
    assert probes(name, 10, seed=7) == probes(name, 10, seed=7)
    assert probes(name, 10, seed=7) != probes(name, 10, seed=8)
    assert training_conversations(name, 10, 7, k=3) == training_conversations(name, 10, 7, k=3)
    assert training_conversations(name, 10, 7, k=3) != training_conversations(name, 10, 8, k=3)


def test_too_few_held_out_templates_is_an_error():
    with pytest.raises(RagftError, match="held-out"):
        probes("people", 3, seed=1, trained_templates=(0, 1))
    with pytest.raises(RagftError, match="within"):
        probes("orgs", 3, seed=1, trained_templates=(9,))
    with pytest.raises(RagftError, match="unknown domain"):
        probes("planets", 3, seed=1)


def test_trained_questions_are_the_user_messages():
    convs = training_conversations("people", 2, seed=1, k=3)
    assert trained_questions(convs) == {c["messages"][1]["content"] for c in convs}
    assert len(trained_questions(convs)) == 2 * 5 * 3
