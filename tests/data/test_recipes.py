"""Fine-tuning recipes for documents (data/recipes/): what each makes of the chunks, without a model (the generator
and the round-trip reader are plain functions here; tests/integration/test_docs_study_quick.py runs the real one)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import ragft.data.recipes as recipes_package
from ragft.config import load_config
from ragft.data.recipes import recipe as registry
from ragft.data.recipes.pairs import (
    clean_answer,
    filtered_pairs,
    key_words,
    near_test,
    parse_pairs,
    proposed_question,
    spans,
    structure_pairs,
)
from ragft.data.recipes.recipe import RecipeInput, recipe, recipes
from ragft.data.recipes.renderings import chunk_renderings, renderings
from ragft.data.recipes.structure import column, key_value, table_row, with_subject
from ragft.data.task import task_from_documents
from ragft.errors import RagftError
from ragft.facts import states_value
from ragft.rag.chunking import Chunk, ChunkSettings

EXAMPLES = Path(__file__).parents[2] / "src" / "ragft" / "examples"


def _chunk(body: str, section=("Fleet Guide", "Boats")) -> Chunk:
    return Chunk(f"{' › '.join(section)}: {body}", body, " › ".join(section), "guide.md", section)


ROW = _chunk("Boat: Marigold; Length: 17.6 m; Built: 2015.")
KEY = _chunk("Red flag: above 1.65 m. No boating of any kind.", ("Safety", "Flags"))
PROSE = _chunk("It was built in 1996 by Harlow & Sons in Greenock.", ("Fleet Guide", "The Kittiwake"))


def _given(chunks: dict, k=2, generate=None, read=None, tests=(), generator="local") -> RecipeInput:
    return RecipeInput(
        chunks,
        k,
        7,
        "You are a helpful assistant.",
        tuple(tests),
        lambda q: [{"role": "user", "content": f"QUESTION: {q}"}],
        read or (lambda pairs: [c.body for _, c in pairs]),  # a reader that quotes the chunk: always right
        generate or (lambda prompts: ["" for _ in prompts]),
        generator,
    )


def test_structure_is_read_from_the_chunk_text():
    row = table_row(ROW.body)
    assert (row.key, row.subject, row.cells) == ("Boat", "Marigold", (("Length", "17.6 m"), ("Built", "2015")))
    assert table_row(PROSE.body) is None and table_row("Note: one cell only.") is None
    assert key_value(KEY.body) == ("Red flag", "above 1.65 m. No boating of any kind.")
    assert key_value("The rule, which everybody knows by heart: never sail alone.") is None  # prose before ":"
    assert key_value(ROW.body) is None
    assert (column("Length"), column("VAT"), column("iPhone")) == ("length", "VAT", "iPhone")
    assert with_subject("It is 62 metres long. Its master is Rhona.", "The Gannet Bay") == (
        "The Gannet Bay is 62 metres long. The Gannet Bay's master is Rhona."
    )


def test_renderings_say_every_value_k_ways_and_keep_the_subject():
    out = chunk_renderings(ROW, 3)
    assert len(out) == len(set(out)) == 3
    assert all(states_value(t, "17.6 m") and states_value(t, "2015") and "Marigold" in t for t in out)
    prose = chunk_renderings(PROSE, 2)
    assert all(t.count("The Kittiwake") >= 2 and "It was" not in t for t in prose)  # fullname, in two frames


def test_section_permutations_are_seeded_and_cover_the_section():
    chunks = {f"c{i}": _chunk(f"Fact number {i} is {i * 11}.", ("Guide", "Facts")) for i in range(4)}
    once, again = renderings(_given(chunks, k=2)), renderings(_given(chunks, k=2))
    assert once == again and len(once) == 4 * 2 + 2  # k per chunk, k permutations of the one section
    permuted = once[-2:]
    assert all(all(f"is {i * 11}." in t for i in range(4)) for t in permuted) and permuted[0] != permuted[1]


def test_pairs_from_structure_ask_for_each_cell():
    pairs = structure_pairs("r", ROW)
    assert [(p.question, p.value) for p in pairs] == [
        ("What is the length of Marigold?", "17.6 m"),
        ("What is the built of Marigold?", "2015"),
    ]
    assert all(states_value(p.answer, p.value, p.question) for p in pairs)
    (kv,) = structure_pairs("k", KEY)
    assert kv.value.startswith("above 1.65 m") and "Red flag" in kv.question
    timetable = structure_pairs("t", _chunk("Departs: 10:40; Arrives: 12:00.", ("Ferries", "Skerra")))
    assert "Skerra" in timetable[0].question  # a row keyed by a time also names its section


def test_spans_and_parsing_of_what_a_generator_writes():
    assert spans(PROSE)[:3] == ["1996", "Harlow & Sons", "Greenock"]
    assert proposed_question("Question: When was the Kittiwake built?\nmore") == "When was the Kittiwake built?"
    assert proposed_question("The Kittiwake was built in 1996.") is None
    text = "Q: Who built the Kittiwake? A: Harlow & Sons built it.\nQ: Where was it built?\nA: In Greenock."
    assert parse_pairs(text) == [
        ("Who built the Kittiwake?", "Harlow & Sons built it."),
        ("Where was it built?", "In Greenock."),
    ]
    assert clean_answer("It was built in 1996 [1].") == "It was built in 1996."
    tests = [key_words("When was the Kittiwake built?")]
    assert near_test("When was the Kittiwake built?", tests) and near_test("when was kittiwake built", tests)
    assert not near_test("Who built the Kittiwake?", tests)


def test_the_filter_keeps_what_the_reader_answers_and_says_why_it_dropped_the_rest():
    chunks = {"r": ROW, "p": PROSE}

    def generate(prompts):  # proposes a question per span, one of them a test question, one not a question
        out = []
        for p in prompts:
            span = p[-1]["content"].rsplit("Answer: ", 1)[1]
            out.append(
                {"1996": "When was the Kittiwake built?", "Harlow & Sons": "no idea"}.get(span, f"Who is {span}?")
            )
        return out

    def read(pairs):  # right about the Kittiwake, wrong about Marigold's length
        return ["I don't know" if "length" in q else f"{c.body} [1]" for q, c in pairs]

    given = _given(chunks, k=3, generate=generate, read=read, tests=["when was the Kittiwake built"])
    kept, stats = filtered_pairs(given)
    questions = [p.question for p in kept]
    assert "What is the built of Marigold?" in questions and "What is the length of Marigold?" not in questions
    assert "When was the Kittiwake built?" not in questions  # close to a test question
    dropped = stats["dropped"]
    assert dropped["untouched model wrong with the chunk"] == 1 and dropped["near a test question"] == 1
    assert dropped["no question proposed"] == 3  # "no idea", and two questions that state their own answer
    assert stats["proposed"] == stats["kept"] + sum(dropped.values())
    assert all(p.teacher and "[1]" not in p.teacher for p in kept)


def test_each_recipe_builds_its_conversations():
    chunks = {"r": ROW, "k": KEY, "p": PROSE}
    given = _given(chunks, k=2)
    assert list(recipes()) == ["chunks", "renderings", "synthetic-qa", "mixed", "distilled"]
    plain = recipe("chunks").build(given).conversations
    assert [c["messages"][-1]["content"] for c in plain] == [c.text for c in chunks.values()]
    qa = recipe("synthetic-qa").build(given)
    assert qa.stats["pairs"]["kept"] == len(qa.conversations) > 0
    assert all(c["messages"][-2]["content"].startswith("QUESTION: ") for c in qa.conversations)  # the closed prompt
    mixed = recipe("mixed").build(given).conversations
    stages = [c["stage"] for c in mixed]
    assert stages == sorted(stages) and set(stages) == {0, 1}  # questions, then documents
    distilled = recipe("distilled").build(given).conversations
    teacher = {c.body for c in chunks.values()}  # what the reader said with the chunk in its prompt
    assert len(distilled) == len(qa.conversations) and all(c["messages"][-1]["content"] in teacher for c in distilled)
    assert not any("teacher" in c for c in distilled)  # no logits given: its answers alone


def test_distilled_carries_the_teachers_distributions_scored_with_the_chunk():
    chunks = {"r": ROW, "k": KEY}
    asked = []

    def teach(items):
        asked.extend(items)
        return [{"tokens": [1], "top_ids": [[1, 2]], "top_logprobs": [[-0.1, -2.4]]} for _ in items]

    given = RecipeInput(**{**_given(chunks).__dict__, "teach": teach})
    made = recipe("distilled").build(given)
    assert made.stats["teacher"] == "token distributions" and made.conversations
    assert all(c["teacher"]["top_ids"] == [[1, 2]] for c in made.conversations)
    # each question scored with its own chunk, on the answer the reader gave with it
    assert [(q, chunk.body, answer) for q, chunk, answer in asked] == [
        (c["messages"][-2]["content"].removeprefix("QUESTION: "), chunk.body, c["messages"][-1]["content"])
        for c, (_, chunk, _) in zip(made.conversations, asked)
    ]
    assert all(answer == chunk.body for _, chunk, answer in asked)


def test_no_recipe_trains_on_a_test_question_even_when_the_generator_writes_them(tmp_path):
    """A generator that answers every prompt with the test questions themselves (and their answers): none of them
    reaches a training conversation."""
    task = task_from_documents(EXAMPLES / "rowing", EXAMPLES / "rowing" / "questions.jsonl", ChunkSettings())
    tests = [i.question for i in task.items]
    answers = {i.question: i.reference for i in task.items}
    leaked = "\n".join(f"Q: {q} A: {answers[q]}" for q in tests)

    def generate(prompts):
        return [tests[i % len(tests)] if "Answer: " in p[-1]["content"] else leaked for i, p in enumerate(prompts)]

    for name in recipes():
        given = _given(task.chunks, k=2, generate=generate, tests=task.questions, generator="adversary")
        text = json.dumps(recipe(name).build(given).conversations).lower()
        assert not [q for q in tests if q.lower() in text], name


def test_a_recipe_is_one_file_and_a_bad_name_is_one_line(drop_in):
    source = (
        "from ragft.data.recipes.recipe import Recipe, RecipeData, document_conversation\n"
        "RECIPE = Recipe('shouted', 'every chunk in capitals', lambda given: RecipeData(\n"
        "    [document_conversation(given.system, c.text.upper()) for c in given.chunks.values()]))\n"
    )
    drop_in(recipes_package, "shouted", source, registry._registered)
    assert "shouted" in recipes()
    (only,) = recipe("shouted").build(_given({"r": ROW})).conversations
    assert only["messages"][-1]["content"] == ROW.text.upper()
    with pytest.raises(RagftError, match="unknown fine-tuning recipe 'nope'; known: chunks, renderings"):
        recipe("nope")


def test_variants_name_recipes_and_the_config_says_what_they_need():
    docs = {"data.docs": str(EXAMPLES / "rowing"), "data.questions": str(EXAMPLES / "rowing" / "questions.jsonl")}
    config = load_config("docs-study-quick")
    assert {v.name: v.train_on for v in config.variants}["mixed"] == "mixed"
    assert (
        load_config(
            None,
            overrides={**docs, "variants": [{"name": "r5", "train_on": "renderings", "phrasings": 5}], "arms": ["r5"]},
        )
        .variants[0]
        .phrasings
        == 5
    )
    with pytest.raises(RagftError, match=r"unknown train_on 'rendering'; known: facts, raft, idk, chunks, renderings"):
        load_config(None, overrides={**docs, "variants": [{"name": "r", "train_on": "rendering"}]})
    with pytest.raises(RagftError, match=r"generator_url writes synthetic pairs for variants with train_on"):
        load_config(None, overrides={**docs, "data.generator_url": "http://localhost:8000/v1"})
    with pytest.raises(RagftError, match=r"r holds back synthetic training questions \(hold_back\)"):
        load_config(None, overrides={"variants": [{"name": "r", "hold_back": 0.2}], "arms": ["r"]})
    with pytest.raises(RagftError, match=r"r makes its training data from documents \(--docs, without --train\)"):
        load_config(None, overrides={"variants": [{"name": "r", "train_on": "renderings"}], "arms": ["r"]})


def test_cli_lists_the_recipes_a_variant_can_name():
    from typer.testing import CliRunner

    from ragft.cli import app

    result = CliRunner().invoke(app, ["recipes"])
    assert result.exit_code == 0
    assert [line.split()[0] for line in result.output.splitlines()] == list(recipes())
