"""The data dir in-process: records survive reopening, a torn event line is dropped, ids are strict."""

import pytest

from ragft.server.jobs import new_job
from ragft.server.storage import Store, page, public, valid_id


def test_records_survive_reopening_and_a_torn_event_line_is_dropped(tmp_path):
    store = Store(tmp_path)
    f = store.add_file(b'{"messages": []}\n', "../x/train.jsonl", "fine-tune")
    job = store.add_job(new_job("tiny", f["id"], {"n_epochs": 1}, {"type": "supervised"}, 42, None, None, None))
    store.add_event(job["id"], "one")
    store.add_event(job["id"], "two", data={"step": 1})
    with open(tmp_path / "jobs" / f"{job['id']}.events.jsonl", "a") as events:
        events.write('{"id": "ftevent-torn", "mess')  # a crash in the middle of a write

    again = Store(tmp_path)
    assert again.get_file(f["id"]) == f and f["filename"] == "train.jsonl"
    assert again.file_path(f["id"]).read_bytes() == b'{"messages": []}\n'
    assert public(again.get_job(job["id"])) == public(job) and "_resumes" not in public(job)
    assert [e["message"] for e in again.events(job["id"])] == ["one", "two"]
    again.add_event(job["id"], "three")
    assert [e["message"] for e in Store(tmp_path).events(job["id"])] == ["one", "two", "three"]
    assert again.delete_file(f["id"]) and not Store(tmp_path).get_file(f["id"])


def test_a_job_state_is_published_only_once_it_is_on_disk(tmp_path, monkeypatch):
    """Readers of the in-memory view take no lock: a status they see must already be on disk, or a crash
    right after a client saw 'running' restarts as a job that never ran (seen as a flaky restart test)."""
    from ragft import atomic

    store = Store(tmp_path)
    job = store.add_job(new_job("tiny", "file-x", {"n_epochs": 1}, {"type": "supervised"}, 42, None, None, None))
    seen = []
    write_json = atomic.write_json
    monkeypatch.setattr(
        atomic, "write_json", lambda path, obj: (seen.append(store.get_job(job["id"])["status"]), write_json(path, obj))
    )
    store.update_job(job["id"], status="running")
    assert seen == [job["status"]] and store.get_job(job["id"])["status"] == "running"
    assert Store(tmp_path).get_job(job["id"])["status"] == "running"


@pytest.mark.parametrize("value", ["../secret", "file-../x", "file-a/b", "file-", "ftjob-1", "file-a b", ""])
def test_ids_outside_the_pattern_are_never_found(tmp_path, value):
    store = Store(tmp_path)
    assert not valid_id("file", value) and store.get_file(value) is None


def test_cursor_pages():
    items = [{"id": f"x{i}"} for i in range(5)]
    first = page(items, None, 2)
    assert [i["id"] for i in first["data"]] == ["x0", "x1"] and first["has_more"] and first["last_id"] == "x1"
    last = page(items, "x2", 10)
    assert [i["id"] for i in last["data"]] == ["x3", "x4"] and not last["has_more"]
    assert page(items, "unknown", 2)["data"] == []


def test_records_that_cannot_be_read_are_skipped_and_logged_not_fatal(tmp_path, caplog):
    import logging

    store = Store(tmp_path)
    good = store.add_file(b'{"messages": []}\n', "a.jsonl", "fine-tune")
    files = tmp_path / "files"
    (files / "file-binary.json").write_bytes(b"\xff\xfe{not utf-8")
    (files / "file-deep.json").write_text("[" * 200_000)
    (files / "file-list.json").write_text('["no", "id"]')
    (files / "file-badid.json").write_text('{"id": ["file-x"]}')
    with caplog.at_level(logging.WARNING, logger="ragft.server"):
        reopened = Store(tmp_path)
    assert [f["id"] for f in reopened.list_files(None)] == [good["id"]]
    assert caplog.text.count("skipped") == 4


def test_jobs_start_in_the_order_they_were_submitted_even_within_one_second(tmp_path):
    """created_at is whole seconds and ids are random; a job whose files are still being checked is not
    overtaken by a later one (seen in CI: a later short job ran before the long one it was queued behind)."""
    from ragft.server.jobs import Worker

    store = Store(tmp_path)
    jobs = [
        store.add_job(new_job("tiny", "file-x", {"n_epochs": 1}, {"type": "supervised"}, 42, None, None, None))
        for _ in range(6)
    ]
    assert len({j["created_at"] for j in jobs}) == 1, "made within one second"
    assert [j["id"] for j in Store(tmp_path).list_jobs()] == [j["id"] for j in reversed(jobs)]  # newest first
    worker = Worker(store, registry=None)
    for j in jobs[1:]:
        store.update_job(j["id"], status="queued")
    assert worker._next_queued() is None  # the first is still validating: the rest wait for it
    store.update_job(jobs[0]["id"], status="queued")
    assert worker._next_queued()["id"] == jobs[0]["id"]
    store.update_job(jobs[0]["id"], status="failed")
    assert worker._next_queued()["id"] == jobs[1]["id"]


def test_a_job_whose_validation_breaks_fails_instead_of_holding_the_queue(tmp_path, monkeypatch):
    from ragft.server import jobs
    from ragft.server.jobs import Worker

    def broken(store, file_id):
        raise OSError("disk gone")

    monkeypatch.setattr(jobs, "_problems_message", broken)
    store = Store(tmp_path)
    first, second = (
        store.add_job(new_job("tiny", "file-x", {"n_epochs": 1}, {"type": "supervised"}, 42, None, None, None))
        for _ in range(2)
    )
    worker = Worker(store, registry=None)
    store.update_job(second["id"], status="queued")
    worker._validate(first["id"])
    failed = store.get_job(first["id"])
    assert failed["status"] == "failed" and failed["error"]["code"] == "validation_failed"
    assert "disk gone" in failed["error"]["message"] and worker._next_queued()["id"] == second["id"]
