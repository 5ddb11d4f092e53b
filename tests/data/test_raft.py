"""RAFT training data: questions with retrieved passages, gold among distractors or absent."""

from ragft.data.questions import passage_id
from ragft.data.raft import raft_conversations, training_pairs
from ragft.rag.hits import Hit
from ragft.rag.prompts import PromptConfig


def _data(n=200, gold_share=0.8, distractors=2, seed=1):
    answers = [f"Item {k} costs {k} euros." for k in range(n)]
    pairs = [(f"How much does item {k} cost?", a) for k, a in enumerate(answers)]
    passages = {passage_id(a): a for a in answers}
    candidates = [
        [Hit(passage_id(answers[(k + j) % n]), answers[(k + j) % n], 1.0 - j / 10) for j in range(5)] for k in range(n)
    ]
    return pairs, raft_conversations(pairs, candidates, passages, PromptConfig(), distractors, gold_share, seed)


def test_gold_share_distractors_and_a_citation_that_points_at_the_gold_passage():
    pairs, chats = _data()
    with_gold = 0
    for (question, answer), chat in zip(pairs, chats):
        user, reply = chat["messages"][-2]["content"], chat["messages"][-1]["content"]
        assert question in user and chat["messages"][0]["role"] == "system"
        shown = [line for line in user.splitlines() if line.startswith("Item ")]
        if answer in shown:
            with_gold += 1
            assert len(shown) == 3 and reply == answer[:-1] + f" [{shown.index(answer) + 1}]."
        else:
            assert len(shown) == 2 and reply == answer  # distractors only: the answer, uncited
    assert 0.7 <= with_gold / len(pairs) <= 0.9


def test_no_worked_examples_and_the_same_data_for_the_same_seed():
    _, chats = _data(20)
    assert [m["role"] for m in chats[0]["messages"]] == ["system", "user", "assistant"]
    assert _data(20)[1] == chats and _data(20, seed=2)[1] != chats


def test_training_pairs_take_the_last_question_and_answer():
    chat = {
        "messages": [
            {"role": "user", "content": "a?"},
            {"role": "assistant", "content": "A."},
            {"role": "user", "content": "b?"},
            {"role": "assistant", "content": "B."},
        ]
    }
    assert training_pairs([chat, {"messages": [{"role": "assistant", "content": "x"}]}]) == [("b?", "B.")]
