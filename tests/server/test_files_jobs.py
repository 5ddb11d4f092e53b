"""Files and fine-tuning jobs: OpenAI's shapes, validation failures, hyperparameters, cancel, ids that can't escape."""

import json

import httpx
import openai
import pytest

from .server_process import wait_for, wait_for_job


def upload(client, content: bytes, name: str = "train.jsonl", purpose: str = "fine-tune"):
    return client.files.create(file=(name, content), purpose=purpose)


def test_file_upload_list_retrieve_content_delete(client, cities_jsonl):
    data = cities_jsonl.read_bytes()
    f = upload(client, data, "cities.jsonl")
    assert f.id.startswith("file-") and f.object == "file" and f.bytes == len(data) and f.status == "processed"
    assert client.files.retrieve(f.id).filename == "cities.jsonl"
    assert client.files.content(f.id).content == data
    assert f.id in [x.id for x in client.files.list(purpose="fine-tune")]
    assert f.id not in [x.id for x in client.files.list(purpose="batch")]
    deleted = client.files.delete(f.id)
    assert deleted.deleted and deleted.id == f.id
    with pytest.raises(openai.NotFoundError):
        client.files.retrieve(f.id)
    with pytest.raises(openai.NotFoundError):
        client.files.content(f.id)


def test_ids_and_filenames_cannot_reach_outside_the_data_dir(server, client):
    secret = server.data_dir.parent / "secret.txt"
    secret.write_text("do not serve")
    for file_id in ("../secret.txt", "file-..%2F..%2Fsecret", "..%2F..%2Fsecret.txt", "file-abc/../../secret"):
        r = httpx.get(f"{server.base_url}/files/{file_id}/content")
        assert r.status_code == 404 and "do not serve" not in r.text, file_id
    r = httpx.get(f"{server.base_url}/fine_tuning/jobs/..%2F..%2Fsecret")
    assert r.status_code == 404
    # A filename with a path is kept as a name only; the bytes land under the data dir.
    f = upload(client, b"x", name="../../evil.jsonl", purpose="user_data")
    assert f.filename == "evil.jsonl"
    assert not (server.data_dir.parent.parent / "evil.jsonl").exists()
    assert all(p.resolve().is_relative_to(server.data_dir.resolve()) for p in server.data_dir.rglob("*"))


def test_a_bad_training_file_fails_its_job_and_the_server_keeps_serving(client):
    bad = upload(client, b'{"messages": [{"role": "user", "content": "q"}]}\n{not json\n', "bad.jsonl")
    job = client.fine_tuning.jobs.create(training_file=bad.id, model="tiny")
    job = wait_for_job(client, job.id, 30)
    assert job.status == "failed" and job.fine_tuned_model is None
    assert job.error.code == "invalid_training_file" and job.error.param == "training_file"
    assert "bad.jsonl:1: no assistant message" in job.error.message
    assert "bad.jsonl:2: malformed JSON" in job.error.message
    events = [e for e in client.fine_tuning.jobs.list_events(job.id)]
    assert events[0].level == "error"  # newest first
    assert client.models.list().data  # still serving
    # a line the checks once crashed on (role as a list): the job fails with the line, it never hangs
    hostile = upload(
        client,
        b'{"messages": [{"role": ["user"], "content": "q"}, {"role": "assistant", "content": "a"}]}\n',
        "hostile.jsonl",
    )
    job = wait_for_job(client, client.fine_tuning.jobs.create(training_file=hostile.id, model="tiny").id, 30)
    assert job.status == "failed" and "hostile.jsonl:1: messages[0] has unknown role" in job.error.message


@pytest.mark.parametrize(
    "kwargs, error, param",
    [
        ({"model": "no-such-model"}, openai.NotFoundError, "model"),
        ({"training_file": "file-doesnotexist"}, openai.BadRequestError, "training_file"),
        ({"hyperparameters": {"n_epochs": 0}}, openai.BadRequestError, "hyperparameters.n_epochs"),
        ({"method": {"type": "dpo"}}, openai.BadRequestError, "method.type"),
        ({"seed": 2**70}, openai.BadRequestError, "seed"),  # was accepted, then failed in training (overflow)
    ],
)
def test_job_creation_errors(client, cities_jsonl, kwargs, error, param):
    f = upload(client, cities_jsonl.read_bytes())
    with pytest.raises(error) as err:
        client.fine_tuning.jobs.create(**{"training_file": f.id, "model": "tiny", **kwargs})
    assert err.value.body["param"] == param


def test_a_file_for_another_purpose_cannot_train(client, cities_jsonl):
    f = upload(client, cities_jsonl.read_bytes(), purpose="batch")
    with pytest.raises(openai.BadRequestError, match="purpose"):
        client.fine_tuning.jobs.create(training_file=f.id, model="tiny")


def test_method_hyperparameters_suffix_results_file_and_listing(client, cities_jsonl):
    f = upload(client, cities_jsonl.read_bytes())
    job = client.fine_tuning.jobs.create(
        training_file=f.id,
        model="tiny",
        suffix="cities",
        seed=7,
        method={"type": "supervised", "supervised": {"hyperparameters": {"n_epochs": 1, "batch_size": 50}}},
    )
    job = wait_for_job(client, job.id, 60)
    assert job.status == "succeeded", job.error
    assert job.fine_tuned_model == f"ft:tiny:ragft:cities:{job.id}" and job.seed == 7
    assert job.hyperparameters.batch_size == 50 and job.hyperparameters.n_epochs == 1
    assert job.method.type == "supervised"
    assert client.models.retrieve(job.fine_tuned_model).owned_by == "user"
    csv = client.files.content(job.result_files[0]).text.splitlines()
    assert csv[0] == "step,train_loss" and len(csv) == 1 + 2  # 100 examples / 50 per step
    assert job.id in [j.id for j in client.fine_tuning.jobs.list(limit=100)]
    r = client.chat.completions.create(
        model=job.fine_tuned_model, messages=[{"role": "user", "content": "hi"}], max_tokens=3
    )
    assert r.model == job.fine_tuned_model and r.usage.completion_tokens == 3


def test_auto_epochs_follow_openais_rule(client, cities):
    small = "\n".join(json.dumps(c) for c in cities[:20]).encode()
    job = client.fine_tuning.jobs.create(
        training_file=upload(client, small).id, model="tiny", hyperparameters={"batch_size": 20}
    )
    job = wait_for_job(client, job.id, 60)
    assert job.status == "succeeded" and job.hyperparameters.n_epochs == 5  # 100 // 20 examples


def test_cancel_a_running_job_and_the_queue_moves_on(client, cities_jsonl):
    # 1,000 examples x 50 epochs at batch 1: long enough to be running when it is cancelled, however fast the
    # machine (100 examples were done, and the queued job too, before the first poll on a fast CPU)
    text = cities_jsonl.read_text()
    f = upload(client, ((text if text.endswith("\n") else text + "\n") * 10).encode())
    long = client.fine_tuning.jobs.create(
        training_file=f.id, model="tiny", hyperparameters={"n_epochs": 50, "batch_size": 1}
    )
    short = client.fine_tuning.jobs.create(
        training_file=f.id, model="tiny", hyperparameters={"n_epochs": 1, "batch_size": 100}
    )
    try:
        wait_for(
            lambda: any(e.type == "metrics" for e in client.fine_tuning.jobs.list_events(long.id, limit=5)),
            60,
            what="the long job to train",
        )
        assert client.fine_tuning.jobs.retrieve(short.id).status == "queued"  # one job at a time
    except BaseException:
        client.fine_tuning.jobs.cancel(long.id)  # or it trains for minutes and every later test's job queues behind it
        raise
    cancelled = client.fine_tuning.jobs.cancel(long.id)
    assert cancelled.status == "cancelled"
    assert wait_for_job(client, short.id, 60).status == "succeeded"
    long = client.fine_tuning.jobs.retrieve(long.id)
    assert long.status == "cancelled" and long.fine_tuned_model is None
    with pytest.raises(openai.BadRequestError):
        client.fine_tuning.jobs.cancel(long.id)
    with pytest.raises(openai.NotFoundError):
        client.fine_tuning.jobs.retrieve("ftjob-nothere")
