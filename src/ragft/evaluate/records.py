"""Per-question records (predictions.jsonl) and the per-arm summary built from them."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from ragft.evaluate.judge import Verdict, judge_summary
from ragft.evaluate.metrics import exact_match, is_correct, is_correct_seed, token_f1, wilson_interval
from ragft.rag.citations import without_citations


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
    correct: bool  # the value metric (the verdict's): the answer states the reference's value
    correct_seed: bool
    exact_match: bool  # SQuAD-normalised answer == reference (strict: answers are usually sentences)
    f1: float  # SQuAD token F1 against the reference
    gold_passage_ids: list[str]  # knowledge-base passages that state the answer
    retrieved_ids: list[str] | None
    retrieval_hit: bool | None
    gold_rank: int | None  # 1-based rank of the gold passage among those retrieved; None if absent
    citations: list[int] | None  # passage numbers the answer cites (grounded arms)
    citations_valid: list[bool] | None  # does a sentence of each cited passage state the answer's value about
    # what was asked? (rag/citations.py)
    supporting_sentences: list[str | None] | None
    citation_forced: bool | None  # the model cited nothing and was asked to choose [n] (rag/citation_slot.py)
    value_chosen: bool | None  # the answer stated no value its passages hold; the model chose one (rag/value_slot.py)
    prompt_tokens: int
    completion_tokens: int
    latency_s: float
    judge: dict | None = None  # {"correct", "reply", "prompt", "error"} when an LLM judge graded it
    family: str | None = None  # the probe family of the question (data/probes.py), if probed
    unmentioned: list[str] | None = None  # grounded arms: names the knowledge base never mentions (abstained unasked)

    def to_dict(self) -> dict:
        return asdict(self)


def make_record(
    arm,
    item,
    prompt: list[dict],
    completion,
    hits: list | None,
    answer: str | None = None,
    citation_forced: bool | None = None,
    citations: list | None = None,
    value_chosen: bool | None = None,
    unmentioned: tuple[str, ...] = (),
) -> Record:
    """Score one completion of `arm` for `item`; `hits` are the passages its prompt held (RAG arms).

    `answer` replaces the completion's text when a citation was added to it, and `citations` are
    its checked citations (rag/answer.py makes both for the grounded arms); citations are not part
    of what is scored for correctness.
    """
    answer = completion.text if answer is None else answer
    scored = without_citations(answer) if arm.cites else answer
    ids = [h.id for h in hits] if hits is not None else None
    rank = next((n for n, i in enumerate(ids or [], start=1) if i in item.gold_ids), None)
    cited = citations if arm.cites else None
    return Record(
        arm=arm.name,
        id=item.id,
        split=item.split,
        question=item.question,
        reference=item.reference,
        prompt=prompt,
        answer=answer,
        correct=is_correct(scored, item.reference, item.question),
        correct_seed=is_correct_seed(scored, item.reference, item.question),
        exact_match=exact_match(scored, item.reference),
        f1=round(token_f1(scored, item.reference), 4),
        gold_passage_ids=list(item.gold_ids),
        retrieved_ids=ids,
        retrieval_hit=(rank is not None) if ids is not None else None,
        gold_rank=rank,
        citations=[c.number for c in cited] if cited is not None else None,
        citations_valid=[c.valid for c in cited] if cited is not None else None,
        supporting_sentences=[c.sentence for c in cited] if cited is not None else None,
        citation_forced=citation_forced if arm.cites else None,
        value_chosen=bool(value_chosen) if arm.cites else None,
        prompt_tokens=completion.prompt_tokens,
        completion_tokens=completion.completion_tokens,
        latency_s=round(completion.latency_s, 4),
        family=item.family,
        unmentioned=list(unmentioned) if arm.cites else None,
    )


def wilson_rate(hits: int, n: int) -> dict:
    lo, hi = wilson_interval(hits, n)
    return {"value": round(hits / n, 6) if n else None, "correct": hits, "ci95": [round(lo, 6), round(hi, 6)]}


def rate(flags: list[bool]) -> dict:
    """The share of true flags with its n and Wilson 95 % interval, as every rate in results.json."""
    return {**wilson_rate(sum(flags), len(flags)), "n": len(flags)}


def retrieval_metrics(records: list[dict]) -> dict | None:
    """hit@1, hit@k and MRR of the gold passage over the arm's retrieved lists."""
    lists = [r for r in records if r["retrieved_ids"] is not None and r["gold_passage_ids"]]
    if not lists:
        return None
    n = len(lists)
    ranks = [r["gold_rank"] for r in lists]
    return {
        "hit@1": round(sum(rank == 1 for rank in ranks) / n, 6),
        "hit@k": round(sum(rank is not None for rank in ranks) / n, 6),
        "mrr": round(sum(1 / rank for rank in ranks if rank) / n, 6),
        "k": max(len(r["retrieved_ids"]) for r in lists),
        "mean_passages": round(sum(len(r["retrieved_ids"]) for r in lists) / n, 4),
        "n": n,
    }


def family_metrics(records: list[dict]) -> dict | None:
    """Accuracy per probe family ("train", "paraphrase", "reversed"), in order of first appearance."""
    families = list(dict.fromkeys(r.get("family") for r in records if r.get("family")))
    if not families:
        return None
    return {
        f: {**wilson_rate(sum(r["correct"] for r in mine), len(mine)), "n": len(mine)}
        for f in families
        for mine in [[r for r in records if r.get("family") == f]]
    }


def citation_metrics(records: list[dict]) -> dict:
    """Share of citations whose passage holds the answer's value, and of answers citing anything."""
    cited = [r for r in records if r["citations"] is not None]
    if not cited:
        return {
            "citation_accuracy": None,
            "citations": None,
            "cited_answers": None,
            "citations_forced": None,
            "values_chosen": None,
            "unmentioned": None,
        }
    checks = [ok for r in cited for ok in r["citations_valid"]]
    rate = wilson_rate(sum(checks), len(checks))
    return {
        "citation_accuracy": rate["value"],
        "citations": len(checks),
        "citation_ci95": rate["ci95"],
        "cited_answers": round(sum(bool(r["citations"]) for r in cited) / len(cited), 6),
        "citations_forced": sum(bool(r["citation_forced"]) for r in cited),
        "values_chosen": sum(bool(r.get("value_chosen")) for r in cited),
        "unmentioned": sum(bool(r.get("unmentioned")) for r in cited),
    }


def _mean(values: list[float]) -> dict:
    """Mean with a normal-approximation 95 % interval (for F1, a score in [0, 1] per question)."""
    n = len(values)
    if not n:
        return {"value": None, "ci95": None, "n": 0}
    mean = sum(values) / n
    sd = (sum((v - mean) ** 2 for v in values) / (n - 1)) ** 0.5 if n > 1 else 0.0
    half = 1.959963984540054 * sd / n**0.5
    return {"value": round(mean, 6), "ci95": [round(max(0.0, mean - half), 6), round(min(1.0, mean + half), 6)], "n": n}


def reader_metrics(records: list[dict]) -> dict | None:
    """Accuracy where the gold passage was in the prompt: did the model read it right? (RAG arms)"""
    given = [r for r in records if r["retrieved_ids"] is not None and r["gold_rank"] is not None]
    if not any(r["retrieved_ids"] is not None for r in records):
        return None
    return {**wilson_rate(sum(r["correct"] for r in given), len(given)), "n": len(given)}


def miss_split(records: list[dict]) -> dict | None:
    """Where a RAG arm's wrong answers come from: the gold passage never reached the prompt (retrieval),
    it did and the model misread it (the reader), or no passage is known to state the answer."""
    if not any(r["retrieved_ids"] is not None for r in records):
        return None
    wrong = [r for r in records if not r["correct"]]
    return {
        "wrong": len(wrong),
        "not_retrieved": sum(bool(r["gold_passage_ids"]) and r["gold_rank"] is None for r in wrong),
        "misread": sum(r["gold_rank"] is not None for r in wrong),
        "no_gold": sum(not r["gold_passage_ids"] for r in wrong),
    }


def judge_metrics(records: list[dict]) -> dict | None:
    """The LLM judge's accuracy over the records it graded (evaluate/judge.py), as the report reads it."""
    judged = [r["judge"] for r in records if r.get("judge")]
    if not judged:
        return None
    summary = judge_summary([Verdict(**j) for j in judged])
    return {**summary, "value": summary["accuracy"]}


def summarize_arm(records: list[dict], arm) -> dict:
    n = len(records)
    robust = wilson_rate(sum(r["correct"] for r in records), n)
    seed = wilson_rate(sum(r["correct_seed"] for r in records), n)
    retrieval = retrieval_metrics(records)
    em = wilson_rate(sum(r["exact_match"] for r in records), n)

    def mean(key: str) -> float | None:
        return round(sum(r[key] for r in records) / n, 4) if n else None

    return {
        "description": arm.description,
        "finetuned": arm.finetuned,
        "rag": arm.rag,
        "accuracy": robust["value"],
        "n": n,
        "correct": robust["correct"],
        "ci95": robust["ci95"],
        "accuracy_seed": seed["value"],
        "correct_seed": seed["correct"],
        "ci95_seed": seed["ci95"],
        "exact_match": {**em, "n": n},
        "f1": _mean([r["f1"] for r in records]),
        "judge": judge_metrics(records),
        "reader": reader_metrics(records),
        "misses": miss_split(records),
        "retrieval": retrieval,
        "retrieval_hit_rate": retrieval["hit@k"] if retrieval else None,
        **citation_metrics(records),
        "splits": {s: sum(r["split"] == s for r in records) for s in sorted({r["split"] for r in records})},
        "families": family_metrics(records),
        "mean_prompt_tokens": mean("prompt_tokens"),
        "mean_completion_tokens": mean("completion_tokens"),
        "mean_latency_s": mean("latency_s"),
    }
