import re

import pytest
from typer.testing import CliRunner

from ragft.cli import app
from ragft.data.cities import city_conversations, to_jsonl
from ragft.data.config import DataConfig
from ragft.data.domains import Domain
from ragft.data.generated.organisations import DOMAIN as ORGS
from ragft.data.generated.people import DOMAIN as PEOPLE
from ragft.data.load import load_conversations
from ragft.data.questions import qa_items
from ragft.data.sources import domains, generate, generator_names
from ragft.data.validate import validate_file
from ragft.errors import RagftError
from ragft.evaluate.metrics import is_correct

DOMAIN_LIST = [PEOPLE, ORGS]
ids = [d.name for d in DOMAIN_LIST]


@pytest.mark.parametrize("domain", DOMAIN_LIST, ids=ids)
def test_same_seed_same_facts_other_seed_other_facts(domain):
    assert domain.facts(20, seed=7) == domain.facts(20, seed=7)
    assert domain.facts(20, seed=7) != domain.facts(20, seed=8)
    assert domain.conversations(20, seed=7) == domain.conversations(20, seed=7)


@pytest.mark.parametrize("domain", DOMAIN_LIST, ids=ids)
def test_entities_unique_and_every_attribute_stated_once_in_order(domain):
    facts = domain.facts(150, seed=3)
    entities = list(dict.fromkeys(f.entity for f in facts))
    assert len(entities) == 150 and len(facts) == 150 * len(domain.attributes)
    assert [f.attribute for f in facts[: len(domain.attributes)]] == [a.name for a in domain.attributes]
    assert not any(re.search(r"\d", e) for e in entities)  # a digit in a name would pass for a value


@pytest.mark.parametrize("domain", DOMAIN_LIST, ids=ids)
def test_attributes_have_distinct_question_templates(domain):
    assert len(domain.attributes) >= 4
    assert len({a.name for a in domain.attributes}) == len(domain.attributes)
    for a in domain.attributes:
        assert len(a.questions) >= 3 and len(set(a.questions)) == len(a.questions), a.name
        assert all("{entity}" in q and q.endswith("?") for q in a.questions), a.name
        assert "{entity}" in a.answer and "{value}" in a.answer, a.name
        assert a.reversed is None or ("{value}" in a.reversed and "{entity}" not in a.reversed)


@pytest.mark.parametrize("domain", DOMAIN_LIST, ids=ids)
def test_conversations_pass_the_validator(domain, tmp_path):
    path = tmp_path / "d.jsonl"
    convs = domain.conversations(12, seed=1)
    path.write_text(to_jsonl(convs))
    report = validate_file(path)
    assert report.ok, report.errors[:3]
    assert len(report.examples) == 12 * len(domain.attributes)
    first = convs[0]["messages"]
    fact = domain.facts(12, seed=1)[0]
    assert [m["role"] for m in first] == ["system", "user", "assistant"]
    assert (first[1]["content"], first[2]["content"]) == (fact.question, fact.answer)


@pytest.mark.parametrize("domain", DOMAIN_LIST, ids=ids)
def test_answers_name_the_entity_and_state_the_value(domain):
    for f in domain.facts(40, seed=5):
        assert f.entity in f.answer and f.value in f.answer, f
        assert f.answer.endswith(".") and f.question == f.ask(0) == f.questions[0]
        if f.value.isdigit():  # the scorer reads a reference's first number: it must be the only one
            assert re.findall(r"\d+", f.answer) == [f.value], f.answer


@pytest.mark.parametrize("domain", DOMAIN_LIST, ids=ids)
def test_bare_value_scores_right_for_every_phrasing_and_another_value_wrong(domain):
    facts = domain.facts(30, seed=11)
    for f in facts:
        other = next(g.value for g in facts if g.attribute == f.attribute and g.value != f.value)
        for question in f.questions:
            assert is_correct(f.value, f.answer, question), (f.value, f.answer, question)
            assert not is_correct(other, f.answer, question), (other, f.answer, question)


@pytest.mark.parametrize("domain", DOMAIN_LIST, ids=ids)
def test_reversals_only_ask_about_values_one_entity_has(domain):
    facts = domain.facts(60, seed=2)
    pairs = domain.reversals(facts)
    every = [
        (a.reversed.format(value=f.value), f.entity) for f in facts if (a := domain.attribute(f.attribute)).reversed
    ]
    assert pairs and len(pairs) < len(every)
    for question, entity in pairs:
        assert [e for q, e in every if q == question] == [entity]


@pytest.mark.parametrize("domain", DOMAIN_LIST, ids=ids)
def test_too_many_entities_is_a_clear_error(domain):
    with pytest.raises(RagftError, match="distinct"):
        domain.facts(1_000_000, seed=1)


def test_the_two_domains_share_no_answer_shape_and_no_names():
    assert not {a.answer for a in PEOPLE.attributes} & {a.answer for a in ORGS.attributes}
    assert not {a.name for a in PEOPLE.attributes} & {a.name for a in ORGS.attributes}
    people_words = {w for f in PEOPLE.facts(300, 1) for w in f.entity.split()}
    org_words = {w for f in ORGS.facts(200, 1) for w in f.entity.split()}
    assert not people_words & org_words


def test_registry_names_and_cities_unchanged():
    assert {"cities", "people", "orgs"} <= set(generator_names()) and set(domains()) == {"cities", "people", "orgs"}
    assert generate("cities", 7, 42) == city_conversations(7, 42)
    assert generate("people", 3, 9) == PEOPLE.conversations(3, 9)
    with pytest.raises(RagftError, match="unknown generator"):
        generate("planets", 3, 1)


@pytest.mark.parametrize("name", ["people", "orgs"])
def test_load_conversations_generates_a_registered_source(name):
    convs, description = load_conversations(DataConfig(source=name, n=10))
    assert len(convs) == 50 and description == f"{name} (n=10, seed=42)"
    assert len(qa_items(convs)) == 50


def test_load_cities_description_as_before():
    convs, description = load_conversations(DataConfig())
    assert convs == city_conversations(100, 42) and description == "cities (n=100, seed=42)"


def test_unknown_source_that_is_not_a_file_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(RagftError, match="peeple: no such file, and not a generator .*people"):
        load_conversations(DataConfig(source="peeple"))
    with pytest.raises(RagftError, match="no such file"):
        load_conversations(DataConfig(source=str(tmp_path / "missing.jsonl")))


def test_a_file_source_is_still_read(tmp_path):
    path = tmp_path / "mine.jsonl"
    path.write_text(to_jsonl(ORGS.conversations(2, 1)))
    convs, description = load_conversations(DataConfig(source=str(path)))
    assert convs == ORGS.conversations(2, 1) and description == str(path)


@pytest.mark.parametrize("name,default_n", [("people", 100), ("orgs", 60)])
def test_cli_writes_file_and_defaults_to_stdout(name, default_n, tmp_path):
    out = tmp_path / f"{name}.jsonl"
    result = CliRunner().invoke(app, ["data", name, "-n", "4", "--seed", "3", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text() == to_jsonl(generate(name, 4, 3))
    assert "wrote 20 conversations" in result.output
    result = CliRunner().invoke(app, ["data", name])
    assert result.exit_code == 0 and result.output == to_jsonl(generate(name, default_n, 42)) + "\n"


def test_cli_too_many_entities_is_one_error_line():
    result = CliRunner().invoke(app, ["data", "orgs", "-n", "100000"])
    assert result.exit_code == 1 and "distinct organisation names" in result.output


def test_a_drawer_that_repeats_a_name_is_refused():
    values = {f.attribute: f.value for f in PEOPLE.facts(1, 1)}
    twins = Domain("twins", PEOPLE.attributes, lambda n, rng: [("Ada Quist", values)] * n)
    with pytest.raises(RagftError, match="duplicate entity names.*Ada Quist"):
        twins.facts(2, 1)
