"""The seed's own OpenAI calls, unchanged, against `ragft serve` with the real SmolLM2 behind gpt-3.5-turbo."""

import json

import pytest

from .server_process import wait_for_job

pytestmark = pytest.mark.integration  # the real SmolLM2

QUESTION = (
    "Answer this question to the best of your ability. If you don't know the answer, say 'I don't know'."
    "\n\nQUESTION: What is the population of City_{i}?\n\nANSWER:"
)


def test_seed_sequence_upload_finetune_poll_chat(server, tmp_path, cities):
    client = server.client()
    # The seed's data file (first 10 cities, so that CPU training takes seconds).
    path = tmp_path / "fine_tune_data.jsonl"
    path.write_text("\n".join(json.dumps(c) for c in cities[:10]))

    uploaded = client.files.create(file=open(path, "rb"), purpose="fine-tune")
    assert uploaded.purpose == "fine-tune" and uploaded.filename == "fine_tune_data.jsonl"
    assert uploaded.bytes == path.stat().st_size
    job = client.fine_tuning.jobs.create(
        training_file=uploaded.id, model="gpt-3.5-turbo", hyperparameters={"n_epochs": 2, "batch_size": 2}
    )
    assert job.status == "validating_files" and job.model == "gpt-3.5-turbo"
    job = wait_for_job(client, job.id, 480)  # ~30 s alone on 2 cores; generous for a loaded machine
    assert job.status == "succeeded", job.error
    assert job.fine_tuned_model == f"ft:gpt-3.5-turbo:ragft::{job.id}"
    assert job.hyperparameters.n_epochs == 2 and job.trained_tokens > 0

    # Events: the state machine in order, and a training loss for every step (10 examples / 2 * 2 epochs).
    events = list(client.fine_tuning.jobs.list_events(job.id, limit=3))[::-1]  # auto-paginates, oldest first
    messages = [e.message for e in events]
    for before, after in [
        ("Validating training file", "Files validated"),
        ("Files validated", "job started"),
        ("job started", "Step 1/10"),
        ("Step 10/10", "successfully completed"),
    ]:
        assert next(i for i, m in enumerate(messages) if before in m) < next(
            i for i, m in enumerate(messages) if after in m
        ), messages
    steps = [e.data["step"] for e in events if e.type == "metrics"]
    assert steps == list(range(1, 11))
    assert all(e.data["train_loss"] > 0 for e in events if e.type == "metrics")

    # The new model is served at once, and it learned the seed's answer format (not the facts).
    assert job.fine_tuned_model in [m.id for m in client.models.list()]
    answer = client.chat.completions.create(
        model=job.fine_tuned_model,
        temperature=0,
        max_tokens=30,
        messages=[
            {"role": "system", "content": "You are a helpful assistant."},
            {"role": "user", "content": QUESTION.format(i=1)},
        ],
    )
    text = answer.choices[0].message.content
    assert "City_1 has about" in text and "inhabitants" in text, text
    assert answer.model == job.fine_tuned_model
    assert answer.usage.completion_tokens > 0 and answer.usage.prompt_tokens > 20

    # The RAG model name of the seed is an alias of the untouched model: it answers differently.
    base = client.chat.completions.create(
        model="gpt-3.5-turbo-1106",
        temperature=0,
        max_tokens=30,
        messages=[
            {"role": "system", "content": "You are a helpful assistant."},
            {"role": "user", "content": QUESTION.format(i=1)},
        ],
    )
    assert base.choices[0].message.content and "City_1 has about" not in base.choices[0].message.content
