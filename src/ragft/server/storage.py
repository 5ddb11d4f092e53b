"""Files, fine-tuning jobs, their events and the trained weights, persisted under the data dir.

Layout (records written atomically, so a crash never leaves a half-written one):
    files/<file-id>.json         the OpenAI file object        files/<file-id>.data   its bytes
    jobs/<job-id>.json           the job object (+ private "_" keys)
    jobs/<job-id>.events.jsonl   its events, oldest first, appended a line at a time (a torn last line is skipped)
    models/<job-id>/             the fine-tuned weights (a model or a LoRA adapter directory)
Ids are checked against a strict pattern before any path is built, so no id reaches outside the dir.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import threading
import time
from pathlib import Path

from ragft import atomic

_ID = {"file": re.compile(r"^file-[A-Za-z0-9]{1,64}$"), "ftjob": re.compile(r"^ftjob-[A-Za-z0-9]{1,64}$")}
TERMINAL = ("succeeded", "failed", "cancelled")
log = logging.getLogger("ragft.server")


def new_id(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(12)}"


def valid_id(kind: str, value: str) -> bool:
    return bool(_ID[kind].match(value or ""))


def public(record: dict) -> dict:
    """The object as OpenAI returns it: private bookkeeping keys (leading '_') removed."""
    return {k: v for k, v in record.items() if not k.startswith("_")}


def submission_order(job: dict) -> tuple:
    """Jobs in the order they were submitted (created_at alone is whole seconds; jobs written before
    "_submitted_ns" existed fall back to it)."""
    return job.get("_submitted_ns", job["created_at"] * 10**9), job["id"]


def page(items: list[dict], after: str | None, limit: int) -> dict:
    """An OpenAI cursor page: items after the one with id `after`, at most `limit` of them."""
    start = 0
    if after:
        ids = [i["id"] for i in items]
        start = ids.index(after) + 1 if after in ids else len(items)
    chunk = items[start : start + limit]
    return {
        "object": "list",
        "data": chunk,
        "has_more": start + limit < len(items),
        "first_id": chunk[0]["id"] if chunk else None,
        "last_id": chunk[-1]["id"] if chunk else None,
    }


def _read_records(folder: Path, pattern: str) -> dict[str, dict]:
    out = {}
    for path in sorted(folder.glob(pattern)):
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError) as e:  # ValueError: bad JSON or not UTF-8
            log.warning("skipped %s: cannot be read (%s)", path, type(e).__name__)
            continue  # rather than taking the server down
        if isinstance(record, dict) and isinstance(record.get("id"), str):
            out[record["id"]] = record
        else:
            log.warning("skipped %s: not a record with an id", path)
    return out


def _read_jsonl(path: Path) -> list[dict]:
    """The rows of an append-only JSONL file; a line torn by a crash is dropped (and the file repaired)."""
    text = path.read_text(encoding="utf-8", errors="replace")
    rows = []
    for line in text.splitlines():
        try:
            row = json.loads(line)
        except (ValueError, RecursionError):
            continue
        if isinstance(row, dict):
            rows.append(row)
    if text and not text.endswith("\n"):
        atomic.write_jsonl(path, rows)
    return rows


class Store:
    """Thread-safe in-memory view of the data dir; every change is written through at once."""

    def __init__(self, root: Path):
        self.root = Path(root).expanduser().resolve()
        for sub in ("files", "jobs", "models"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        self.lock = threading.RLock()
        self.files = {
            k: v
            for k, v in _read_records(self.root / "files", "file-*.json").items()
            if valid_id("file", k) and self.file_path(k).exists()
        }
        self.jobs = {k: v for k, v in _read_records(self.root / "jobs", "ftjob-*.json").items() if valid_id("ftjob", k)}
        self._events: dict[str, list[dict]] = {}

    # -- files ---------------------------------------------------------------------------------
    def file_path(self, file_id: str) -> Path:
        assert valid_id("file", file_id), file_id
        return self.root / "files" / f"{file_id}.data"

    def add_file(self, data: bytes, filename: str, purpose: str) -> dict:
        file_id = new_id("file")
        record = {
            "id": file_id,
            "object": "file",
            "bytes": len(data),
            "created_at": int(time.time()),
            "filename": Path(filename or "upload").name or "upload",
            "purpose": purpose,
            "status": "processed",
            "status_details": None,
            "expires_at": None,
        }
        atomic.write_bytes(self.file_path(file_id), data)
        with self.lock:
            atomic.write_json(self.root / "files" / f"{file_id}.json", record)
            self.files[file_id] = record
        return record

    def get_file(self, file_id: str) -> dict | None:
        return self.files.get(file_id) if valid_id("file", file_id) else None

    def list_files(self, purpose: str | None = None) -> list[dict]:
        with self.lock:
            rows = [f for f in self.files.values() if purpose is None or f["purpose"] == purpose]
        return sorted(rows, key=lambda f: (f["created_at"], f["id"]), reverse=True)

    def delete_file(self, file_id: str) -> bool:
        with self.lock:
            if self.get_file(file_id) is None:
                return False
            (self.root / "files" / f"{file_id}.json").unlink(missing_ok=True)
            self.file_path(file_id).unlink(missing_ok=True)
            del self.files[file_id]
        return True

    # -- jobs ----------------------------------------------------------------------------------
    def _job_path(self, job_id: str, suffix: str = ".json") -> Path:
        assert valid_id("ftjob", job_id), job_id
        return self.root / "jobs" / f"{job_id}{suffix}"

    def add_job(self, job: dict) -> dict:
        with self.lock:
            atomic.write_json(self._job_path(job["id"]), job)
            self.jobs[job["id"]] = job
        return job

    def get_job(self, job_id: str) -> dict | None:
        return self.jobs.get(job_id) if valid_id("ftjob", job_id) else None

    def update_job(self, job_id: str, **changes) -> dict:
        with self.lock:
            job = {**self.jobs[job_id], **changes}
            atomic.write_json(self._job_path(job_id), job)
            self.jobs[job_id] = job  # published once on disk: readers (no lock) never see a state a crash would undo
        return job

    def list_jobs(self) -> list[dict]:
        with self.lock:
            rows = list(self.jobs.values())
        return sorted(rows, key=submission_order, reverse=True)

    def events(self, job_id: str) -> list[dict]:
        """Oldest first."""
        with self.lock:
            if job_id not in self._events:
                path = self._job_path(job_id, ".events.jsonl")
                self._events[job_id] = _read_jsonl(path) if path.exists() else []
            return list(self._events[job_id])

    def add_event(
        self, job_id: str, message: str, level: str = "info", data: dict | None = None, type: str = "message"
    ) -> None:  # noqa: A002 - OpenAI's field name
        event = {
            "id": f"ftevent-{secrets.token_hex(12)}",
            "object": "fine_tuning.job.event",
            "created_at": int(time.time()),
            "level": level,
            "message": message,
            "data": data or {},
            "type": type,
        }
        with self.lock:
            self.events(job_id)  # loaded before appending
            with open(self._job_path(job_id, ".events.jsonl"), "a", encoding="utf-8") as f:
                f.write(json.dumps(event) + "\n")
            self._events[job_id].append(event)

    def model_dir(self, job_id: str) -> Path:
        assert valid_id("ftjob", job_id), job_id
        return self.root / "models" / job_id
