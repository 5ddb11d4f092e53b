"""The reading studies in bench/: the reader adapter's training data and the passage-choice policies."""

import random

from bench.reader_adapter import conversations, natural_examples, technical_examples
from ragft.rag.prompts import PromptConfig


def test_technical_answers_are_terms_of_their_gold_passage_and_not_of_the_question():
    examples = technical_examples(200, random.Random(3))
    for question, passages, answer in examples:
        assert answer in passages[0], (answer, passages[0])
        assert answer.lower() not in question.lower(), (answer, question)
    assert len({a for _, _, a in examples}) > 150  # varied terms, not a few memorisable ones


def test_natural_examples_ask_a_fact_of_the_gold_passage():
    for question, passages, answer in natural_examples(10, 0):
        assert answer in passages[0] and answer not in question


def test_conversations_cite_the_gold_passage_wherever_it_is_shown():
    rng = random.Random(1)
    chats = conversations(technical_examples(100, rng), PromptConfig(), rng)
    several = 0
    for chat, (_, passages, answer) in zip(chats, technical_examples(100, random.Random(1))):
        user, reply = chat["messages"][-2]["content"], chat["messages"][-1]["content"]
        shown = user.count("]: ")
        several += shown > 1
        number = reply.rsplit("[", 1)[1].split("]")[0]
        assert reply.startswith(answer)
        cited = user.split(f"[{number}]: ", 1)[1]
        assert cited.lstrip().startswith(passages[0])
    assert 10 < several < 60  # about 30 % show distractors


def test_passage_choice_policies_score_the_answer_they_keep():
    from bench.passage_choice import policy_table

    def answer(ok, lp, score, idk=False):
        return {"ok": ok, "lp": [lp], "lp_without": [0.0], "score": score, "idk": idk}

    rows = [
        {"answers": [answer(False, -3.0, 1.0), answer(True, -0.5, 0.2)]},  # surer of the second passage
        {"answers": [answer(True, -2.0, 1.0), answer(False, -0.1, 0.9, idk=True)]},
    ]  # the sure one abstains
    table = policy_table({"s": rows}, 2)
    assert table["top passage"]["s"] == 1
    assert table["confidence"]["s"] == 2
    assert table["any (perfect choice)"]["s"] == 2
    assert policy_table({"s": rows}, 1)["confidence"]["s"] == 1  # only the first passage to choose from
