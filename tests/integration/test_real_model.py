"""The real SmolLM2-135M and a real embedded Chroma, on small slices of the seed data."""

import json

import pytest
from typer.testing import CliRunner

from ragft.cli import app
from ragft.data.cities import city_conversations, to_jsonl
from ragft.models.generation import GenerationSettings, LocalChatModel
from ragft.models.loading import load_model

pytestmark = pytest.mark.integration


@pytest.fixture(scope="session")
def seed_run(tmp_path_factory, shared_home):
    out = tmp_path_factory.mktemp("seed") / "run"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RAGFT_HOME", str(shared_home))
        result = CliRunner().invoke(
            app, ["run", "--preset", "seed", "--limit", "10", "--epochs", "1", "--out", str(out), "--quiet"]
        )
    assert result.exit_code == 0, result.output
    return out, result.output


def test_seed_run_writes_every_file(seed_run):
    out, output = seed_run
    for name in (
        "config.yaml",
        "dataset.jsonl",
        "predictions.jsonl",
        "results.json",
        "report.md",
        "report.html",
        "accuracy.png",
        "finetuned/model.safetensors",
        "finetuned/tokenizer.json",
    ):
        assert (out / name).exists(), name
    assert "rag" in output and f"report: {out / 'report.html'}" in output
    results = json.loads((out / "results.json").read_text())
    arms = results["arms"]
    assert set(arms) == {"base", "finetuned", "rag-seed", "rag", "finetuned+rag"}
    assert all(a["n"] == 10 for a in arms.values())
    assert results["dataset"]["conversations"] == 100  # fine-tuning sees all the knowledge; --limit cuts questions
    assert results["finetune"]["epochs"] == 1 and results["finetune"]["method"] == "full"
    # The real model behaves as the seed says: closed book it cannot know, with retrieval it mostly can.
    assert arms["base"]["accuracy"] <= 0.2
    assert arms["rag"]["retrieval_hit_rate"] >= 0.8
    assert arms["rag"]["accuracy"] >= 0.6


def test_finetuned_output_reloads_and_answers_as_in_the_run(seed_run, real_home):
    out, _ = seed_run
    records = [json.loads(line) for line in (out / "predictions.jsonl").read_text().splitlines()]
    mine = [r for r in records if r["arm"] == "finetuned"]
    precision = json.loads((out / "results.json").read_text())["model"]["precision"]  # bf16 on AMX CPUs
    loaded = load_model(str(out / "finetuned"), "cpu")
    answers = LocalChatModel(loaded.model, loaded.tokenizer, precision).complete(
        [r["prompt"] for r in mine], GenerationSettings(64, 16)
    )
    assert [a.text for a in answers] == [r["answer"] for r in mine]


def test_lora_finetune_then_load_adapter_by_path(tmp_path, real_home):
    data = tmp_path / "cities.jsonl"
    data.write_text(to_jsonl(city_conversations(20)))
    out = tmp_path / "adapter"
    result = CliRunner().invoke(
        app, ["finetune", str(data), "--method", "lora", "--epochs", "1", "--out", str(out), "--quiet"]
    )
    assert result.exit_code == 0, result.output
    assert (out / "adapter_config.json").exists()
    meta = json.loads((out / "ragft_model.json").read_text())
    assert meta["base_model"] == "smollm2-135m-instruct" and meta["method"] == "lora"
    loaded = load_model(str(out), "cpu")
    answer = LocalChatModel(loaded.model, loaded.tokenizer).complete(
        [[{"role": "user", "content": "What is the population of City_3?"}]], GenerationSettings(24)
    )[0]
    assert answer.completion_tokens > 0 and answer.text


def test_index_then_ask_answers_with_its_passage(tmp_path, real_home):
    data = tmp_path / "cities.jsonl"
    data.write_text(to_jsonl(city_conversations(100)))
    runner = CliRunner()
    assert runner.invoke(app, ["index", str(data), "--quiet"]).exit_code == 0
    result = runner.invoke(app, ["ask", "What is the population of City_2?"])
    assert result.exit_code == 0, result.output
    answer, passages = result.output.split("Passages used:")
    assert "519610" in answer
    assert "City_2 has about 519610 inhabitants." in passages


def test_gguf_file_is_converted_once_and_cached(real_home, seed_run):
    from ragft.models.catalogue import CATALOGUE, DEFAULT_MODEL

    gguf = CATALOGUE[DEFAULT_MODEL].gguf_path()
    loaded = load_model(str(gguf), "cpu")
    cached = list((real_home / "models").iterdir())
    assert len(cached) == 1 and loaded.source == str(cached[0])  # same file as the catalogue entry: same cache
    assert (cached[0] / "model.safetensors").exists()


def test_grounded_rag_answers_at_least_99_of_100_seed_questions(tmp_path, real_home):
    """Issue 3's bar: hybrid retrieval + cited answers with the 135M model, next to the seed's pipeline."""
    out = tmp_path / "run"
    result = CliRunner().invoke(
        app, ["run", "--preset", "seed", "--arms", "rag,rag-seed", "--out", str(out), "--quiet"]
    )
    assert result.exit_code == 0, result.output
    arms = json.loads((out / "results.json").read_text())["arms"]
    assert set(arms) == {"rag", "rag-seed"} and arms["rag"]["n"] == 100
    assert arms["rag"]["accuracy"] >= 0.99, arms["rag"]
    assert arms["rag"]["retrieval"]["hit@1"] >= 0.99 and arms["rag"]["retrieval"]["hit@k"] == 1.0
    assert arms["rag"]["citation_accuracy"] >= 0.9 and arms["rag"]["cited_answers"] >= 0.9
    assert arms["rag-seed"]["retrieval"]["hit@k"] < 1.0  # the seed's dense top-5 misses some gold passages
    assert arms["rag-seed"]["citation_accuracy"] is None  # the seed's prompt asks for no citations


def test_grounded_rag_on_several_facts_per_person(tmp_path, real_home):
    """Issue 9: people with five facts each; the small reader sees only the passage that answers."""
    out = tmp_path / "run"
    result = CliRunner().invoke(
        app, ["run", "--data", "people", "--arms", "rag", "--limit", "60", "--out", str(out), "--quiet"]
    )
    assert result.exit_code == 0, result.output
    results = json.loads((out / "results.json").read_text())
    rag = results["arms"]["rag"]
    assert results["dataset"]["passages"] == 500 and rag["n"] == 60
    assert rag["accuracy"] >= 0.95, rag
    assert rag["retrieval"]["hit@1"] >= 0.95 and rag["reader"]["value"] >= 0.95
    assert rag["retrieval"]["mean_passages"] < 1.5  # selection keeps the best passage, rarely a second
    assert rag["exact_match"]["n"] == 60 and rag["f1"]["value"] > 0.3
    # The first citation of (nearly) every answer is checked valid; the 135M model sometimes runs on into
    # "[1] [2] … [17]" after its answer, and those out-of-range numbers count against citation_accuracy.
    records = [json.loads(line) for line in (out / "predictions.jsonl").read_text().splitlines()]
    assert sum(bool(r["citations_valid"]) and r["citations_valid"][0] for r in records) >= 0.9 * 60


def test_documents_as_knowledge(tmp_path, real_home):
    """Issue 9: a folder of hand-written markdown as the knowledge, questions with short answers."""
    from importlib import resources

    handbook = resources.files("ragft") / "examples" / "handbook"
    out = tmp_path / "run"
    result = CliRunner().invoke(
        app,
        [
            "run",
            "--docs",
            str(handbook),
            "--questions",
            str(handbook / "questions.jsonl"),
            "--arms",
            "base,rag",
            "--out",
            str(out),
            "--quiet",
        ],
    )
    assert result.exit_code == 0, result.output
    results = json.loads((out / "results.json").read_text())
    arms = results["arms"]
    assert results["dataset"]["train_kind"] == "documents" and results["dataset"]["splits"] == {"test": 40}
    assert arms["base"]["accuracy"] <= 0.1  # the facts are invented: closed book cannot know them
    # The target: 85 % (measured 97.5 %, 39/40, fp32 on an AMD EPYC).
    assert arms["rag"]["accuracy"] >= 0.85, arms["rag"]
    assert arms["rag"]["retrieval"]["hit@1"] >= 0.9 and arms["rag"]["reader"]["n"] >= 36
    records = [json.loads(line) for line in (out / "predictions.jsonl").read_text().splitlines()]
    assert all(r["gold_passage_ids"] for r in records) and all("f1" in r for r in records)
    assert any(r["value_chosen"] for r in records if r["arm"] == "rag")  # the value slot is exercised
    assert "## Scoring" in (out / "report.md").read_text()


# Issue 9's 85 % target on sets written with the documents' words; a floor under the gains on a set whose
# questions paraphrase a FAQ, tables and a noticeboard (80 % in fp32 and in bf16 when it was added).
@pytest.mark.parametrize("name, floor", [("harbour", 0.85), ("clinic", 0.85), ("theatre", 0.75)])
def test_other_document_sets_written_the_same_way(tmp_path, real_home, name, floor):
    from importlib import resources

    folder = resources.files("ragft") / "examples" / name
    out = tmp_path / "run"
    result = CliRunner().invoke(
        app,
        [
            "run",
            "--docs",
            str(folder),
            "--questions",
            str(folder / "questions.jsonl"),
            "--arms",
            "rag",
            "--out",
            str(out),
            "--quiet",
        ],
    )
    assert result.exit_code == 0, result.output
    rag = json.loads((out / "results.json").read_text())["arms"]["rag"]
    assert rag["accuracy"] >= floor, (rag["accuracy"], rag["n"])


# Issue 24: real package READMEs (markdown and reStructuredText with code, badges, tables), questions written by a
# helper who had not read ragft's code. Floors a little under what was measured (fp32, Intel Xeon with AMX):
# readmes-1 rag 44 %, oracle 56 %; readmes-2 rag 42 %, oracle 53 % (before this issue: rag 36 % and 37 %). Run at the
# default precision (bf16 on CPUs with AMX or AVX-512 BF16), where on an Intel Xeon Sapphire Rapids (AMX, 2026-12-08)
# each set took half its fp32 time and readmes-1 gave rag 49 %, oracle 64 %; readmes-2 rag 50 %, oracle 74 %.
@pytest.mark.parametrize("name, rag_floor, oracle_floor", [("readmes-1", 0.38, 0.48), ("readmes-2", 0.36, 0.45)])
def test_real_readmes_and_the_readers_ceiling(tmp_path, real_home, name, rag_floor, oracle_floor):
    from importlib import resources

    folder = resources.files("ragft") / "examples" / name
    out = tmp_path / "run"
    result = CliRunner().invoke(
        app,
        [
            "run",
            "--docs",
            str(folder),
            "--questions",
            str(folder / "questions.jsonl"),
            "--arms",
            "rag,oracle",
            "--out",
            str(out),
            "--quiet",
        ],
    )
    assert result.exit_code == 0, result.output
    results = json.loads((out / "results.json").read_text())
    rag, oracle = results["arms"]["rag"], results["arms"]["oracle"]
    assert rag["accuracy"] >= rag_floor and oracle["accuracy"] >= oracle_floor, (rag["accuracy"], oracle["accuracy"])
    assert oracle["retrieval"]["hit@1"] == 1.0  # every question's gold passage is known and given
    misses = rag["misses"]
    assert (
        misses["not_retrieved"] + misses["misread"] + misses["no_gold"] == misses["wrong"] == rag["n"] - rag["correct"]
    )
    assert any(r["value_chosen"] for r in map(json.loads, (out / "predictions.jsonl").read_text().splitlines()))
    assert all(row["numbers"]["winners"] != ["oracle"] for row in results["decision"]["rows"])  # never recommended
    assert "not retrieved / misread" in (out / "report.md").read_text()
