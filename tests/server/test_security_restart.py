"""Auth, loopback binding, the upload limit; and files, jobs and models surviving a crash and restart."""

import openai
import pytest

from .server_process import Server, wait_for, wait_for_job


@pytest.fixture(scope="module")
def locked(tmp_path_factory, server_home, tiny_model_dir):
    srv = Server(
        tmp_path_factory.mktemp("locked") / "data",
        server_home,
        "--model-alias",
        f"tiny={tiny_model_dir}",
        "--max-upload-mb",
        "1",
        "--finetune-method",
        "lora",
        api_key="s3cret-key",
    ).start()
    yield srv
    srv.stop()


def _listening_addresses(port: int) -> set[str]:
    """Local addresses of listening TCP sockets on `port`, from /proc/net/tcp (hex ip:port)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = open(table).read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            ip, p = local.split(":")
            if int(p, 16) == port and state == "0A":  # LISTEN
                found.add(ip)
    return found


def test_api_key_is_required_when_set(locked):
    with pytest.raises(openai.AuthenticationError) as err:
        locked.client(api_key="wrong").models.list()
    assert err.value.status_code == 401 and err.value.code == "invalid_api_key"
    import httpx

    r = httpx.get(f"{locked.base_url}/models")  # no Authorization header at all
    assert r.status_code == 401 and r.json()["error"]["code"] == "invalid_api_key"
    assert [m.id for m in locked.client().models.list()]  # the right key works


def test_binds_to_loopback_by_default(locked):
    assert _listening_addresses(locked.port) == {"0100007F"}  # 127.0.0.1


def test_uploads_over_the_limit_are_refused(locked):
    client = locked.client()
    with pytest.raises(openai.APIStatusError) as err:
        client.files.create(file=("big.jsonl", b"x" * (2 * 2**20)), purpose="fine-tune")
    assert err.value.status_code == 413
    assert "big.jsonl" not in [f.filename for f in client.files.list()]
    assert client.files.create(file=("ok.jsonl", b"x" * 1000), purpose="user_data").bytes == 1000


def test_lora_jobs_give_an_adapter_that_is_served(locked, cities_jsonl):
    client = locked.client()
    f = client.files.create(file=cities_jsonl.open("rb"), purpose="fine-tune")
    job = wait_for_job(
        client,
        client.fine_tuning.jobs.create(
            training_file=f.id, model="tiny", hyperparameters={"n_epochs": 1, "batch_size": 50}
        ).id,
        60,
    )
    assert job.status == "succeeded", job.error
    assert (locked.data_dir / "models" / job.id / "adapter_config.json").exists()
    r = client.chat.completions.create(
        model=job.fine_tuned_model,
        messages=[{"role": "user", "content": "hi"}],
        max_tokens=4,
        stream=True,
        stream_options={"include_usage": True},
    )
    assert [c.usage.completion_tokens for c in r if c.usage] == [4]


def test_restart_keeps_files_jobs_models_and_resumes_an_interrupted_job(
    tmp_path, server_home, tiny_model_dir, cities_jsonl
):
    args = ("--model-alias", f"tiny={tiny_model_dir}")
    first = Server(tmp_path / "data", server_home, *args).start()
    try:
        client = first.client()
        f = client.files.create(file=cities_jsonl.open("rb"), purpose="fine-tune")
        done = wait_for_job(
            client,
            client.fine_tuning.jobs.create(training_file=f.id, model="tiny", hyperparameters={"n_epochs": 1}).id,
            60,
        )
        assert done.status == "succeeded"
        before = client.chat.completions.create(
            model=done.fine_tuned_model, temperature=0, max_tokens=6, messages=[{"role": "user", "content": "City_3?"}]
        )
        long = client.fine_tuning.jobs.create(
            training_file=f.id, model="tiny", hyperparameters={"n_epochs": 50, "batch_size": 1}
        )
        wait_for(lambda: client.fine_tuning.jobs.retrieve(long.id).status == "running", 60, what="running")
    finally:
        first.stop(crash=True)  # SIGKILL in the middle of training

    second = Server(tmp_path / "data", server_home, *args).start()
    try:
        client = second.client()
        assert client.files.retrieve(f.id).bytes == cities_jsonl.stat().st_size
        assert client.fine_tuning.jobs.retrieve(done.id).fine_tuned_model == done.fine_tuned_model
        assert done.fine_tuned_model in [m.id for m in client.models.list()]
        after = client.chat.completions.create(
            model=done.fine_tuned_model, temperature=0, max_tokens=6, messages=[{"role": "user", "content": "City_3?"}]
        )
        assert after.choices[0].message.content == before.choices[0].message.content
        # The interrupted job was put back in the queue and trains again.
        messages = [e.message for e in client.fine_tuning.jobs.list_events(long.id, limit=100)]
        # (It once failed 1 run in 10: the API showed 'running' before the disk did; storage.py now writes first.)
        assert any("restarted while this job was running" in m for m in messages), (
            client.fine_tuning.jobs.retrieve(long.id).status,
            len(messages),
            messages[:3],
            second.log.read_text()[-1500:],
        )
        assert client.fine_tuning.jobs.retrieve(long.id).status in ("queued", "running")
        wait_for(lambda: client.fine_tuning.jobs.retrieve(long.id).status == "running", 60, what="resumed")
        assert client.fine_tuning.jobs.cancel(long.id).status == "cancelled"
    finally:
        second.stop()
