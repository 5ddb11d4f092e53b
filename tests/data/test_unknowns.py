"""Questions about entities that are not in the data."""

import pytest

from ragft.data.sources import domain
from ragft.data.unknowns import IDK_ANSWER, file_unknowns, generated_unknowns, idk_conversations
from ragft.errors import RagftError


@pytest.mark.parametrize("source", ["people", "orgs", "cities"])
def test_unknown_entities_are_not_in_the_data_and_asked_ones_are_never_taught(source):
    known = {f.entity for f in domain(source).facts(10, 42)}
    u = generated_unknowns(source, 10, 42, 3)
    asked = {i.id.split(":")[1] for i in u.asked}
    assert len(asked) == 3 and not asked & known
    assert all(i.split == "unknown" and i.reference == IDK_ANSWER and not i.gold_ids for i in u.asked)
    taught = " ".join(u.taught)
    assert not any(e in taught for e in asked) and not any(e in taught for e in known if e + " " in taught + " ")
    templates = {a.questions[0].split("{entity}")[0] for a in domain(source).attributes}
    assert all(any(i.question.startswith(t) for t in templates) for i in u.asked)  # the same templates


def test_a_file_of_unknown_questions_is_split_in_half(tmp_path):
    path = tmp_path / "u.jsonl"
    path.write_text("".join(f'{{"question": "Who is Zed {k}?", "answer": "-"}}\n' for k in range(5)))
    u = file_unknowns(path)
    assert u.taught == ["Who is Zed 0?", "Who is Zed 1?"] and [i.question for i in u.asked][0] == "Who is Zed 2?"
    with pytest.raises(RagftError, match="no such file"):
        file_unknowns(tmp_path / "missing.jsonl")


def test_idk_conversations_answer_i_dont_know():
    [chat] = idk_conversations(["Who is Zed?"], "sys")
    assert [m["role"] for m in chat["messages"]] == ["system", "user", "assistant"]
    assert chat["messages"][-1]["content"] == IDK_ANSWER
