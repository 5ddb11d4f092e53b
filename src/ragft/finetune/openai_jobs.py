"""Fine-tuning through an OpenAI-compatible fine-tuning API: upload, create the job, poll it, return the model."""

from __future__ import annotations

import json
import time

from ragft.errors import RagftError
from ragft.models.openai_backend import api_error
from ragft.progress import Reporter

FINISHED = ("succeeded", "failed", "cancelled")


CHAT_FORMAT_KEYS = ("messages", "tools", "parallel_tool_calls", "functions")


def _new_metrics(client, job_id: str, seen: set[str]) -> list[dict]:
    """Metrics events (step, train_loss, total_steps) not seen before, oldest first."""
    events = client.fine_tuning.jobs.list_events(job_id, limit=100).data
    fresh = [e for e in reversed(events) if e.id not in seen]
    seen.update(e.id for e in fresh)
    return [e.data for e in fresh if e.type == "metrics" and isinstance(e.data, dict) and "step" in e.data]


def finetune_remote(
    client,
    conversations: list[dict],
    model: str,
    n_epochs: int | str,
    batch_size: int,
    seed: int,
    reporter: Reporter,
    poll_interval_s: float = 5.0,
    suffix: str = "ragft",
    timeout_s: float = 24 * 3600,
) -> dict:
    """Run a job to completion; returns a summary whose `fine_tuned_model` is the new model's id."""
    from openai import OpenAIError

    # OpenAI's chat format only: ragft's own keys (a curriculum "stage", a "teacher"'s distributions) stay here
    sent = [{k: v for k, v in c.items() if k in CHAT_FORMAT_KEYS} for c in conversations]
    data = "".join(json.dumps(c, ensure_ascii=False) + "\n" for c in sent).encode()
    began = time.perf_counter()
    try:
        with reporter.stage("finetune"):
            upload = client.files.create(file=("train.jsonl", data), purpose="fine-tune")
            hyperparameters = {"n_epochs": n_epochs, "batch_size": batch_size}
            job = client.fine_tuning.jobs.create(
                training_file=upload.id,
                model=model,
                seed=seed,
                suffix=suffix,
                method={"type": "supervised", "supervised": {"hyperparameters": hyperparameters}},
            )
            reporter.log(f"fine-tuning job {job.id} on {model} (file {upload.id})")
            seen: set[str] = set()
            losses: dict[int, float] = {}
            with reporter.bar(f"fine-tuning job {job.id}", None) as advance:
                step = 0
                while job.status not in FINISHED:
                    if time.perf_counter() - began > timeout_s:
                        raise RagftError(f"fine-tuning job {job.id} still {job.status} after {timeout_s:.0f} s")
                    time.sleep(poll_interval_s)
                    job = client.fine_tuning.jobs.retrieve(job.id)
                    for m in _new_metrics(client, job.id, seen):
                        losses[int(m["step"])] = float(m.get("train_loss", float("nan")))
                        advance(max(0, int(m["step"]) - step), loss=losses[int(m["step"])], status=job.status)
                        step = max(step, int(m["step"]))
    except OpenAIError as e:
        raise api_error(e, "fine-tuning through the API failed") from None
    if job.status != "succeeded":
        reason = job.error.message if job.error else "no reason given"
        raise RagftError(f"fine-tuning job {job.id} {job.status}: {reason}")
    try:  # every page of events, for the full loss curve (polling may have seen only the latest ones)
        for e in client.fine_tuning.jobs.list_events(job.id, limit=100):
            if e.type == "metrics" and isinstance(e.data, dict) and "step" in e.data:
                losses[int(e.data["step"])] = float(e.data.get("train_loss", float("nan")))
    except OpenAIError as e:
        raise api_error(e, "fine-tuning through the API failed") from None
    ordered = [losses[k] for k in sorted(losses)]
    hp = job.hyperparameters
    return {
        "backend": "openai",
        "job_id": job.id,
        "fine_tuned_model": job.fine_tuned_model,
        "method": "supervised",
        "epochs": hp.n_epochs if hp else n_epochs,
        "batch_size": hp.batch_size if hp else batch_size,
        "learning_rate": None,
        "steps": len(ordered) or None,
        "examples": len(conversations),
        "train_tokens": job.trained_tokens,
        "seconds": round(time.perf_counter() - began, 3),
        "losses": ordered,
        "final_loss": ordered[-1] if ordered else None,
    }
