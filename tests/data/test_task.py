"""Knowledge tasks: chat data and document folders become passages, test items with gold passages, training data."""

import json
from importlib import resources

import pytest

from ragft.data.config import DataConfig
from ragft.data.questions import passage_id
from ragft.data.task import gold_passages, load_task, read_questions, task_from_conversations, task_from_documents
from ragft.errors import RagftError
from ragft.rag.chunking import ChunkSettings

HANDBOOK = resources.files("ragft") / "examples" / "handbook"


def _write(path, lines):
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_chat_conversations_keep_the_seed_shape(cities):
    task = task_from_conversations(cities[:12], "cities")
    assert len(task.items) == 12 and len(task.passages) == 12 and task.train_kind == "qa"
    item = task.items[6]
    assert item.gold_ids == (passage_id("City_7 has about 1819583 inhabitants."),) and item.split == "train"


def test_documents_become_chunks_with_gold_passages_and_unseen_questions():
    task = task_from_documents(HANDBOOK, HANDBOOK / "questions.jsonl", ChunkSettings())
    assert task.train_kind == "documents" and task.extra["documents"] == 5
    assert len(task.items) == 40 and {i.split for i in task.items} == {"test"}
    assert task.extra["questions_without_gold"] == 0
    # Continued pre-training: one assistant-only conversation per chunk, nothing else.
    assert len(task.train) == len(task.passages)
    assert all([m["role"] for m in c["messages"]] == ["system", "assistant"] for c in task.train)
    price = next(i for i in task.items if i.question == "How much does the Marten E2 cost?")
    assert all("2,490 euros" in task.passages[g] and "Marten E2" in task.passages[g] for g in price.gold_ids)


def test_gold_passages_prefer_the_chunk_that_names_the_subject():
    chunks = {
        "a": "Products › Lumen X1: It costs 640 euros.",
        "b": "Policies › Bonus: A bonus of 640 euros is paid.",
        "c": "Products › Lumen X2: It costs 720 euros.",
    }
    assert gold_passages("How much does the Lumen X1 cost?", "640 euros", chunks) == ("a",)
    assert gold_passages("How much does the Lumen X1 cost?", "999 euros", chunks) == ()
    assert gold_passages("Who makes the X2?", "Lumen", chunks) == ("c",)  # both state it; c names the X2
    assert gold_passages("Who makes the bikes?", "Lumen", chunks) == ("a", "c")  # a tie: both kept


def test_a_dates_day_alone_does_not_state_the_date():
    chunks = {"rent": "Plots: Annual rent: £31.", "due": "Rent: Rent is due by 31 October each year."}
    assert gold_passages("By when must rent be paid?", "31 October", chunks) == ("due",)


def test_a_train_file_labels_questions_it_contains(tmp_path, cities):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "facts.md").write_text("# Cities\n\nCity_1 has about 1967825 inhabitants. City_2 is small.\n")
    questions = _write(
        tmp_path / "q.jsonl",
        [
            json.dumps({"question": "What is the population of City_1?", "answer": "1967825"}),
            json.dumps({"question": "Is City_2 small?", "answer": "small"}),
        ],
    )
    train = _write(tmp_path / "train.jsonl", [json.dumps(c) for c in cities[:10]])
    task = task_from_documents(docs, questions, ChunkSettings(), train)
    assert task.train_kind == "qa" and len(task.train) == 10
    assert [i.split for i in task.items] == ["train", "test"]


@pytest.mark.parametrize(
    "line, message",
    [
        ('{"question": "Who?"}', "q.jsonl:2: missing or empty 'answer'"),
        ('{"question": "", "answer": "x"}', "q.jsonl:2: missing or empty 'question'"),
        ('["Who?", "x"]', "q.jsonl:2: expected a JSON object, got list"),
        ('{"question": "Who?", "answer": "x"', "q.jsonl:2: malformed JSON"),
        ('{"messages": [{"role": "user", "content": "Who?"}]}', "q.jsonl:2: a chat line needs a user question"),
    ],
)
def test_bad_questions_files_name_the_line(tmp_path, line, message):
    path = _write(tmp_path / "q.jsonl", ['{"question": "What?", "answer": "this"}', line])
    with pytest.raises(RagftError, match=message.replace("?", r"\?").replace("[", r"\[")):
        read_questions(path)


def test_chat_lines_are_accepted_as_questions(tmp_path, cities):
    path = _write(tmp_path / "q.jsonl", [json.dumps(cities[0]), '{"question": "Q?", "answer": "A"}'])
    assert read_questions(path) == [
        ("What is the population of City_1?", "City_1 has about 1967825 inhabitants."),
        ("Q?", "A"),
    ]


def test_bad_document_folders_fail_with_one_line(tmp_path):
    questions = _write(tmp_path / "q.jsonl", ['{"question": "What?", "answer": "this"}'])
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(RagftError, match="empty: no documents in this folder"):
        task_from_documents(empty, questions, ChunkSettings())
    binary = tmp_path / "bin"
    binary.mkdir()
    (binary / "x.md").write_bytes(b"\x00\x01\x02 not text")
    with pytest.raises(RagftError, match="x.md"):
        task_from_documents(binary, questions, ChunkSettings())
    with pytest.raises(RagftError, match="--questions .*missing.jsonl: no such file"):
        task_from_documents(HANDBOOK, tmp_path / "missing.jsonl", ChunkSettings())


def test_load_task_reads_documents_from_the_config():
    data = DataConfig(docs=str(HANDBOOK), questions=str(HANDBOOK / "questions.jsonl"), chunks={"sentences": 3})
    task = load_task(data)
    assert task.extra["chunks"] < len(
        load_task(DataConfig(docs=str(HANDBOOK), questions=str(HANDBOOK / "questions.jsonl"))).passages
    )


def test_config_requires_questions_with_documents():
    with pytest.raises(ValueError, match="docs needs questions"):
        DataConfig(docs="x")
    with pytest.raises(ValueError, match="go with docs"):
        DataConfig(questions="q.jsonl")
    with pytest.raises(ValueError, match="overlap must be smaller"):
        DataConfig(docs="x", questions="q", chunks={"sentences": 2, "overlap": 2})


def test_held_out_questions_beside_the_trained_ones(tmp_path):
    from ragft.data.cities import city_conversations
    from ragft.data.task import task_from_conversations
    from ragft.errors import RagftError

    conversations = city_conversations(5)
    test = tmp_path / "test.jsonl"
    test.write_text(
        '{"question": "How many people live in City_2?", "answer": "519610"}\n'
        '{"question": "How many inhabitants has City_9?", "answer": "42"}\n'
    )
    task = task_from_conversations(conversations, "cities", test)
    trained, held = task.items[:5], task.items[5:]
    assert {i.split for i in trained} == {"train"} and {i.family for i in trained} == {"train"}
    assert [(i.split, i.family) for i in held] == [("test", "held-out")] * 2
    city_2 = conversations[1]["messages"][-1]["content"]
    assert [task.passages[g] for g in held[0].gold_ids] == [city_2]
    assert held[1].gold_ids == ()  # no passage states it
    with pytest.raises(RagftError, match="no such file"):
        task_from_conversations(conversations, "cities", tmp_path / "missing.jsonl")
