"""Per-question records (predictions.jsonl) and the per-arm summary built from them."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from ragft.evaluate.metrics import wilson_interval


@dataclass
class Record:
    """One arm's answer to one question: everything needed to trace any number in the report."""

    arm: str
    id: str
    split: str
    question: str
    reference: str
    prompt: list[dict]
    answer: str
    correct: bool
    correct_seed: bool
    gold_passage_id: str
    retrieved_ids: list[str] | None
    retrieval_hit: bool | None
    prompt_tokens: int
    completion_tokens: int
    latency_s: float

    def to_dict(self) -> dict:
        return asdict(self)


def _rate(hits: int, n: int) -> dict:
    lo, hi = wilson_interval(hits, n)
    return {"value": round(hits / n, 6) if n else None, "correct": hits, "ci95": [round(lo, 6), round(hi, 6)]}


def summarize_arm(records: list[dict], arm) -> dict:
    n = len(records)
    robust = _rate(sum(r["correct"] for r in records), n)
    seed = _rate(sum(r["correct_seed"] for r in records), n)
    retrieved = [r["retrieval_hit"] for r in records if r["retrieval_hit"] is not None]

    def mean(key: str) -> float | None:
        return round(sum(r[key] for r in records) / n, 4) if n else None

    return {
        "description": arm.description, "finetuned": arm.finetuned, "rag": arm.rag,
        "accuracy": robust["value"], "n": n, "correct": robust["correct"], "ci95": robust["ci95"],
        "accuracy_seed": seed["value"], "correct_seed": seed["correct"], "ci95_seed": seed["ci95"],
        "retrieval_hit_rate": round(sum(retrieved) / len(retrieved), 6) if retrieved else None,
        "splits": {s: sum(r["split"] == s for r in records) for s in sorted({r["split"] for r in records})},
        "mean_prompt_tokens": mean("prompt_tokens"),
        "mean_completion_tokens": mean("completion_tokens"),
        "mean_latency_s": mean("latency_s"),
    }
