"""The other direction: `ragft run --backend openai` and OpenAIChatModel against a real `ragft serve`."""

import json

import yaml
from typer.testing import CliRunner

from ragft.cli import app
from ragft.models.generation import GenerationSettings
from ragft.models.openai_backend import OpenAIChatModel, openai_client


def test_openai_chat_model_answers_in_input_order(server):
    model = OpenAIChatModel(openai_client(server.base_url, "unused"), "tiny", concurrency=4)
    conversations = [[{"role": "user", "content": f"What is the population of City_{i}?"}] for i in range(8)]
    done = []
    out = model.complete(conversations, GenerationSettings(max_new_tokens=5), progress=done.append)
    assert len(out) == 8 and sum(done) == 8
    assert all(c.completion_tokens == 5 and c.prompt_tokens > 5 for c in out)
    # In input order: the same conversation answered alone gives the same (greedy) text.
    alone = model.complete([conversations[5]], GenerationSettings(max_new_tokens=5))[0]
    assert alone.text == out[5].text and alone.prompt_tokens == out[5].prompt_tokens


def test_a_schema_asked_of_an_endpoint_goes_as_its_response_format(server):
    """The same GenerationSettings.json_schema a local model decodes under, sent to an endpoint that enforces it."""
    schema = {
        "type": "object",
        "properties": {"city": {"type": "string", "maxLength": 20}, "big": {"type": "boolean"}},
        "required": ["city", "big"],
        "additionalProperties": False,
    }
    model = OpenAIChatModel(openai_client(server.base_url, "unused"), "gpt-3.5-turbo")
    settings = GenerationSettings(max_new_tokens=60, json_schema=json.dumps(schema))
    (reply,) = model.complete([[{"role": "user", "content": "Is Lisbon a big city?"}]], settings)
    answer = json.loads(reply.text)
    assert set(answer) == {"city", "big"} and isinstance(answer["big"], bool)


def test_ragft_run_with_openai_backend_and_finetuning_api(server, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "remote.yaml"
    config.write_text(yaml.safe_dump({"backend": {"poll_interval_s": 0.3}, "generation": {"max_new_tokens": 8}}))
    key = "sk-never-written-anywhere"
    out = tmp_path / "run"
    result = CliRunner().invoke(
        app,
        [
            "run",
            "--config",
            str(config),
            "--model",
            "tiny",
            "--arms",
            "base,finetuned",
            "--limit",
            "3",
            "--epochs",
            "1",
            "--backend",
            "openai",
            "--base-url",
            server.base_url,
            "--api-key",
            key,
            "--finetune-backend",
            "openai",
            "--out",
            str(out),
            "--quiet",
        ],
    )
    assert result.exit_code == 0, result.output
    results = json.loads((out / "results.json").read_text())
    assert set(results["arms"]) == {"base", "finetuned"} and all(a["n"] == 3 for a in results["arms"].values())
    ft = results["finetune"]
    assert ft["backend"] == "openai" and ft["fine_tuned_model"] == f"ft:tiny:ragft:ragft:{ft['job_id']}"
    assert ft["epochs"] == 1 and ft["steps"] == 13 and len(ft["losses"]) == 13  # 100 conversations, batch 8
    assert results["model"]["device"] == "remote" and results["config"]["backend"]["type"] == "openai"
    assert not (out / "finetuned").exists()  # nothing trained or loaded locally
    records = [json.loads(x) for x in (out / "predictions.jsonl").read_text().splitlines()]
    assert all(r["completion_tokens"] > 0 and r["prompt_tokens"] > 0 for r in records)
    # The job really ran on the server, with the run's data.
    client = server.client()
    job = client.fine_tuning.jobs.retrieve(ft["job_id"])
    assert job.status == "succeeded" and job.model == "tiny"
    assert client.files.content(job.training_file).text.count("\n") == 100
    for path in out.rglob("*"):
        if path.is_file() and path.suffix in (".json", ".jsonl", ".yaml", ".md", ".html"):
            assert key not in path.read_text(errors="ignore"), path
