"""The long_context experiment: the whole knowledge base in the prompt, against RAG, as it grows.

The lecture's "prompting, for what fits in the context window", measured: at 10, 30, 100, 300 facts
the untouched model answers with every fact in its prompt (arm `context`; the knowledge is the
prompt prefix every question shares, computed once) and with grounded RAG over the same facts.
Accuracy, prompt tokens and seconds per question show where the long prompt stops fitting the
model's window or stops being read well. Generated data draws as many facts as the largest size
needs (same generator and seed); your own data uses its first facts, sizes beyond it skipped.
"""

from __future__ import annotations

from ragft.data.questions import QAItem, passage_id
from ragft.data.sources import domain
from ragft.evaluate.arms import UNTOUCHED, Arm
from ragft.evaluate.contexts.full import CONTEXT as FULL
from ragft.evaluate.contexts.grounded import CONTEXT as GROUNDED
from ragft.evaluate.records import rate
from ragft.rag.hits import Hit

CONTEXT = Arm("context", UNTOUCHED, FULL)
RAG = Arm("rag", UNTOUCHED, GROUNDED)


def facts_for(task, config, size: int) -> tuple[dict[str, str], list[QAItem]] | None:
    """(passages, trained-phrasing questions about them) of `size` facts; None if the data has fewer."""
    data = config.data
    if data.generated:
        facts = domain(data.source).sample(size, data.seed)
        passages = {passage_id(f.answer): f.answer for f in facts}
        items = [
            QAItem(f"long:{size}:{n}", f.question, f.answer, (passage_id(f.answer),), "train")
            for n, f in enumerate(facts)
        ]
        return passages, items
    if len(task.passages) < size:
        return None
    passages = dict(list(task.passages.items())[:size])
    items = [i for i in task.items if i.family in (None, "train") and i.gold_ids and i.gold_ids[0] in passages]
    return passages, items


def spread(items: list, count: int) -> list:
    """`count` items spread evenly over the list: facts from the start, middle and end of the prompt."""
    if len(items) <= count:
        return items
    return [items[round(i * (len(items) - 1) / (count - 1))] for i in range(count)] if count > 1 else items[:1]


def long_context(lab, task, model, window: int | None) -> tuple[dict, list[dict]]:
    """Ask `model` (the untouched one) at every configured size; returns (results, per-question records)."""
    settings = lab.config.lifecycle
    sizes, records = [], []
    for size in settings.context_sizes:
        found = facts_for(task, lab.config, size)
        if found is None:
            sizes.append({"facts": size, "skipped": f"the data has {len(task.passages)} facts"})
            continue
        passages, items = found
        items = spread(items, settings.context_questions)
        everything = [Hit(i, t, 1.0) for i, t in passages.items()]
        tokens = lab.models.prompt_tokens(CONTEXT.messages(items[0].question, lab.config.prompts, everything))
        fits = window is None or tokens + lab.config.generation.max_new_tokens <= window
        point = {"facts": len(passages), "questions": len(items), "context_tokens": tokens, "fits": fits, "arms": {}}
        arms = [(CONTEXT, {i.id: everything for i in items})] if fits else []
        kb = lab.knowledge_base(f"long-context-{size}")
        kb.add(passages)
        arms.append((RAG, lab.grounded_hits(items, kb)))
        for arm, hits in arms:
            rows = lab.ask(arm, model, items, hits, f"{arm.name}@{size}", passages)
            for row in rows:
                row.update(experiment="long_context", facts=size)
            records += rows
            point["arms"][arm.name] = {
                "accuracy": rate([r["correct"] for r in rows]),
                "mean_prompt_tokens": _mean(rows, "prompt_tokens"),
                "mean_latency_s": _mean(rows, "latency_s"),
            }
        sizes.append(point)
    return {"window": window, "sizes": sizes}, records


def _mean(rows: list[dict], key: str) -> float | None:
    return round(sum(r[key] for r in rows) / len(rows), 4) if rows else None
