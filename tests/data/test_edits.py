"""Knowledge that changes: which facts change or go, and what the data looks like afterwards."""

import pytest

from ragft.data.cities import city_conversations
from ragft.data.edits import changed_items, items_about, knowledge_facts, plan_edits
from ragft.data.questions import passage_id, passages
from ragft.data.sources import domain
from ragft.data.task import task_from_conversations, task_from_probes
from ragft.errors import RagftError


def _people(n=10):
    task = task_from_probes("people", n, 42)
    return task, knowledge_facts(task.passages, domain("people").facts(n, 42))


def test_changed_and_deleted_facts_are_disjoint_reproducible_and_a_tenth_each():
    task, facts = _people()
    plan = plan_edits(facts, 0.1, 7)
    assert len(plan.changes) == len(plan.deleted) == 5  # 10 % of 50 facts
    changed = {c.key for c in plan.changes}
    deleted = {f.key for f in plan.deleted}
    assert not changed & deleted and len(plan.unchanged) == 40
    assert changed | deleted | {f.key for f in plan.unchanged} == set(task.passages)
    assert plan_edits(facts, 0.1, 7) == plan and plan_edits(facts, 0.1, 8) != plan


def test_a_generated_fact_takes_another_entitys_value_of_the_same_attribute():
    task, facts = _people()
    values = {}
    for f in facts:
        values.setdefault(f.kind, set()).add(f.value)
    for c in plan_edits(facts, 0.1, 3).changes:
        fact = next(f for f in facts if f.key == c.key)
        assert c.new != c.old
        # only the value moved, to one the attribute has elsewhere
        assert any(c.new == c.old.replace(fact.value, v) for v in values[fact.kind] - {fact.value})


def test_numbers_of_your_own_data_move_by_10_to_40_percent():
    conversations = city_conversations(20)
    facts = knowledge_facts(passages(conversations))
    for c in plan_edits(facts, 0.2, 1, delete=False).changes:
        old, new = (int("".join(ch for ch in t if ch.isdigit() and ch != "_")[-7:]) for t in (c.old, c.new))
        assert 0.09 <= abs(new - old) / old <= 0.41


def test_training_data_after_the_edits():
    task, facts = _people(4)
    plan = plan_edits(facts, 0.1, 5)
    after = plan.conversations(task.train)
    answers = [c["messages"][-1]["content"] for c in after]
    assert len(after) == len(task.train) - len(plan.deleted)
    assert all(c.new in answers and c.old not in answers for c in plan.changes)
    assert not any(f.text in answers for f in plan.deleted)
    taught = [c["messages"][-1]["content"] for c in plan.changed_conversations(task.train)]
    assert sorted(taught) == sorted(c.new for c in plan.changes)


def test_questions_about_changed_facts_carry_the_new_value_and_passage():
    task, facts = _people(4)
    plan = plan_edits(facts, 0.1, 5)
    for was, now in changed_items(task.items, plan.changes):
        assert was.id == now.id and was.question == now.question and was.family == "train"
        assert now.reference != was.reference and now.gold_ids == (passage_id(now.reference),)
    assert all(i.family == "train" for i in items_about(task.items, plan.unchanged))


def test_too_little_knowledge_is_one_clear_error():
    task = task_from_conversations(city_conversations(2), "two cities")
    with pytest.raises(RagftError, match="need at least 3 facts"):
        plan_edits(knowledge_facts(task.passages), 0.1, 1)


def test_a_year_stays_a_plausible_year_and_values_come_from_all_the_facts():
    from ragft.data.edits import Fact

    years = [Fact(str(k), f"Person {k} was born in {1990 + k}.", str(1990 + k), "number") for k in range(10)]
    for seed in range(20):
        for c in plan_edits(years, 0.1, seed, delete=False).changes:
            new = int(c.new.split()[-1].rstrip("."))
            assert 1000 <= new <= 2100 and 2 <= abs(new - int(c.old.split()[-1].rstrip("."))) <= 25
    task, facts = _people(10)
    few = facts[:3]  # one fact per attribute at most: only the others can give a value
    plan = plan_edits(few, 0.1, 1, delete=False, values_from=facts)
    assert plan.changes[0].new != plan.changes[0].old


def test_a_value_no_other_entity_has_is_not_changed_a_number_is():
    from ragft.data.sources import domain

    facts = domain("people:1+cities:4").facts(1, 42)
    known = knowledge_facts({f"p{i}": f.answer for i, f in enumerate(facts)}, facts)
    for seed in range(20):  # one person: a birthplace has no other value to take, a year moves
        plan = plan_edits(known, 0.3, seed)
        for change in plan.changes:
            was = next(f for f in known if f.key == change.key)
            assert was.value.isdigit() and change.new != change.old
