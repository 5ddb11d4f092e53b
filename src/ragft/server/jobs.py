"""Fine-tuning jobs: validated on a short-lived thread, trained one at a time by one worker thread.

validating_files -> queued -> running -> succeeded | failed | cancelled. Every transition and every
training step's loss is an event. A job that was running when the server stopped is started again
from its first step on the next start (once; a second interruption fails it with the reason).
"""

from __future__ import annotations

import csv
import gc
import io
import logging
import threading
import time

from ragft.data.validate import validate_file
from ragft.errors import RagftError
from ragft.finetune.epochs import resolve_epochs
from ragft.finetune.run import finetune
from ragft.finetune.train import DEFAULT_LR, TrainSettings
from ragft.models.loading import load_model
from ragft.server.errors import bad_request
from ragft.server.registry import Registry
from ragft.server.storage import TERMINAL, Store, new_id, submission_order

logger = logging.getLogger("ragft.server")

DEFAULT_BATCH_SIZE = 8


class _Cancelled(Exception):
    pass


def fine_tuned_id(base: str, suffix: str | None, job_id: str) -> str:
    return f"ft:{base}:ragft:{suffix or ''}:{job_id}"


def new_job(
    model: str,
    training_file: str,
    hyperparameters: dict,
    method: dict,
    seed: int,
    suffix: str | None,
    validation_file: str | None,
    metadata: dict | None,
) -> dict:
    return {
        "id": new_id("ftjob"),
        "object": "fine_tuning.job",
        "created_at": int(time.time()),
        "error": None,
        "fine_tuned_model": None,
        "finished_at": None,
        "hyperparameters": hyperparameters,
        "model": model,
        "organization_id": "org-ragft",
        "result_files": [],
        "seed": seed,
        "status": "validating_files",
        "trained_tokens": None,
        "training_file": training_file,
        "validation_file": validation_file,
        "estimated_finish": None,
        "integrations": [],
        "metadata": metadata,
        "method": method,
        "user_provided_suffix": suffix,
        "_resumes": 0,
        # created_at is whole seconds and ids are random: jobs made in one second need this to keep their order
        "_submitted_ns": time.time_ns(),
    }


def _problems_message(store: Store, file_id: str) -> str | None:
    """None if the file passes `ragft data validate`'s checks, else its first problems by line."""
    record = store.get_file(file_id)
    if record is None:
        return f"The file {file_id} no longer exists."
    try:
        report = validate_file(store.file_path(file_id))
    except RagftError as e:
        return str(e)
    except Exception as e:  # noqa: BLE001 - a file the checks cannot read is invalid, never a stuck job
        logger.warning("validating %s: %s: %s", file_id, type(e).__name__, e)
        return f"The training file {file_id} could not be read as chat JSONL."
    name = record["filename"]
    lines = [f"{name}:{p.line}: {p.message}" if p.line else f"{name}: {p.message}" for p in report.errors]
    if not lines:
        return None
    more = f" (and {len(lines) - 3} more)" if len(lines) > 3 else ""
    return f"The training file {file_id} is invalid: " + "; ".join(lines[:3]) + more


def _metrics_csv(losses: list[float]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["step", "train_loss"])
    writer.writerows((i, f"{loss:.6f}") for i, loss in enumerate(losses, 1))
    return buf.getvalue().encode()


class Worker:
    def __init__(self, store: Store, registry: Registry, method: str = "full"):
        self.store, self.registry, self.method = store, registry, method
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._cancel: set[str] = set()
        self._thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self) -> None:
        self._recover()
        self._thread = threading.Thread(target=self._loop, name="ragft-finetune", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()

    def _recover(self) -> None:
        for job in self.store.list_jobs():
            if job["status"] == "running":
                if job.get("_resumes", 0) >= 1:
                    self._fail(
                        job["id"],
                        "job_interrupted",
                        "The server stopped twice while this job was running; it was not restarted again.",
                    )
                    continue
                self.store.update_job(job["id"], status="queued", _resumes=job.get("_resumes", 0) + 1)
                self.store.add_event(
                    job["id"],
                    "The server restarted while this job was running; training restarts from the first step.",
                    level="warn",
                )
            elif job["status"] == "validating_files":
                self._validate(job["id"])

    # -- API actions ---------------------------------------------------------------------------
    def submit(self, job: dict) -> dict:
        self.store.add_job(job)
        self.store.add_event(job["id"], f"Created fine-tuning job: {job['id']}")
        threading.Thread(target=self._validate, args=(job["id"],), daemon=True).start()
        return job

    def cancel(self, job_id: str) -> dict:
        with self.store.lock:
            job = self.store.get_job(job_id)
            if job["status"] in TERMINAL:
                raise bad_request(
                    f"Job {job_id} has already "
                    f"{'completed' if job['status'] == 'succeeded' else job['status']}"
                    f" and cannot be cancelled.",
                    code="invalid_job_state",
                )
            self._cancel.add(job_id)
            job = self.store.update_job(job_id, status="cancelled", finished_at=int(time.time()))
        self.store.add_event(job_id, "Fine-tuning job cancelled")
        return job

    # -- work ----------------------------------------------------------------------------------
    def _fail(self, job_id: str, code: str, message: str, param: str | None = None) -> None:
        with self.store.lock:
            if self.store.get_job(job_id)["status"] == "cancelled":
                return
            self.store.update_job(
                job_id,
                status="failed",
                finished_at=int(time.time()),
                error={"code": code, "message": message, "param": param},
            )
        self.store.add_event(job_id, message, level="error")

    def _validate(self, job_id: str) -> None:
        # A job left validating would hold every later one (first in, first out): whatever fails here fails the job.
        try:
            self._check_files(job_id)
        except Exception as e:  # noqa: BLE001 - the job fails with the reason; the log has the traceback
            logger.exception("validating job %s failed", job_id)
            self._fail(job_id, "validation_failed", f"Validating the files failed: {type(e).__name__}: {e}")

    def _check_files(self, job_id: str) -> None:
        job = self.store.get_job(job_id)
        self.store.add_event(job_id, f"Validating training file: {job['training_file']}")
        for param in ("training_file", "validation_file"):
            if job.get(param):
                problem = _problems_message(self.store, job[param])
                if problem:
                    self._fail(job_id, f"invalid_{param}", problem, param)
                    return
        with self.store.lock:
            if self.store.get_job(job_id)["status"] != "validating_files":
                return
            self.store.update_job(job_id, status="queued")
        self.store.add_event(job_id, "Files validated, moving job to queued state")
        self._wake.set()

    def _next_queued(self) -> dict | None:
        """The first job submitted that has not started: first in, first out, so a job submitted while an earlier
        one is still validating its files waits for it rather than overtaking it."""
        waiting = [j for j in self.store.list_jobs() if j["status"] in ("validating_files", "queued")]
        first = min(waiting, key=submission_order) if waiting else None
        return first if first and first["status"] == "queued" else None

    def _loop(self) -> None:
        while not self._stopping.is_set():
            job = self._next_queued()
            if job is None:
                self._wake.wait(1.0)
                self._wake.clear()
                continue
            self._run(job["id"])

    def _run(self, job_id: str) -> None:
        with self.store.lock:
            if self.store.get_job(job_id)["status"] != "queued":
                return
            self.store.update_job(job_id, status="running")
        self.store.add_event(job_id, "Fine-tuning job started")
        try:
            self._train(job_id)
        except _Cancelled:
            pass
        except Exception as e:  # noqa: BLE001 - a failed job must never stop the worker
            self._fail(job_id, "training_failed", f"Training failed: {type(e).__name__}: {e}")
        finally:
            self._cancel.discard(job_id)
            gc.collect()

    def _settings(self, job: dict, n_examples: int):
        hp = job["hyperparameters"]
        batch = hp.get("batch_size", "auto")
        mult = hp.get("learning_rate_multiplier", "auto")
        settings = TrainSettings(
            method=self.method,
            epochs=resolve_epochs(hp.get("n_epochs", "auto"), n_examples),
            learning_rate=None if mult == "auto" else DEFAULT_LR[self.method] * float(mult),
            batch_size=DEFAULT_BATCH_SIZE if batch == "auto" else int(batch),
            seed=job["seed"],
        )
        resolved = {
            "n_epochs": settings.epochs,
            "batch_size": settings.batch_size,
            "learning_rate_multiplier": 1.0 if mult == "auto" else float(mult),
        }
        method = {"type": "supervised", "supervised": {"hyperparameters": resolved}}
        self.store.update_job(job["id"], hyperparameters=resolved, method=method)
        return settings

    def _train(self, job_id: str) -> None:
        job = self.store.get_job(job_id)
        examples = validate_file(self.store.file_path(job["training_file"])).examples
        settings = self._settings(job, len(examples))
        local = self.registry.resolve(job["model"])
        loaded = load_model(local, self.registry.device)

        def on_step(step: int, total: int, loss: float | None) -> None:
            if job_id in self._cancel or self._stopping.is_set():
                raise _Cancelled
            if loss is not None:  # train() reports every step's own loss
                self.store.add_event(
                    job_id,
                    f"Step {step}/{total}: training loss={loss:.4f}",
                    type="metrics",
                    data={"step": step, "train_loss": loss, "total_steps": total},
                )

        _, result = finetune(
            loaded.model, loaded.tokenizer, examples, settings, self.store.model_dir(job_id), local, on_step
        )
        results_file = self.store.add_file(_metrics_csv(result.losses), "step_metrics.csv", "fine-tune-results")
        model_id = fine_tuned_id(self.registry.base_name(job["model"]), job.get("user_provided_suffix"), job_id)
        with self.store.lock:
            if self.store.get_job(job_id)["status"] != "running":
                return
            self.store.update_job(
                job_id,
                status="succeeded",
                fine_tuned_model=model_id,
                finished_at=int(time.time()),
                trained_tokens=result.train_tokens,
                result_files=[results_file["id"]],
            )
        self.store.add_event(job_id, f"New fine-tuned model created: {model_id}")
        self.store.add_event(job_id, "The job has successfully completed")
