"""The update and deletion experiments: what it takes to change or delete what a system knows.

The lecture's claims, measured: RAG updates by upserting passages (seconds), fine-tuning by
training again (minutes), and a fine-tuned model that was not retrained keeps answering the old
value ("stale"); a deleted fact is gone from RAG when its passage is, and from a fine-tune only
when it is retrained without it. Facts are asked in the phrasing the fine-tune trained on, so the
fine-tune is measured where it is strongest.

1. before: the world has changed but no system has been told. Answers are scored against the new
   truth (changed facts), the unchanged truth, and for deleted facts whether they still come out.
2. RAG: the changed and deleted passages are removed from the knowledge base and the new ones added.
3. fine-tuning: the fine-tune trained further on the changed facts only ("continued"), and the
   untouched model trained afresh on the knowledge as it is now ("retrained": both experiments share
   one retraining when both run, as a team would retrain once).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Protocol

from ragft.data.edits import EditPlan, changed_items, items_about, knowledge_facts, plan_edits
from ragft.data.questions import QAItem
from ragft.data.sources import generated_facts as facts_of
from ragft.evaluate.arms import UNTOUCHED, Arm
from ragft.evaluate.contexts.closed import CONTEXT as CLOSED
from ragft.evaluate.contexts.grounded import CONTEXT as GROUNDED
from ragft.evaluate.metrics import is_correct
from ragft.evaluate.records import rate
from ragft.rag.citations import without_citations

NOT_UPDATED = "finetuned"  # the update study's fine-tune as trained on the old knowledge

RAG = Arm("rag", UNTOUCHED, GROUNDED)
BASE = Arm("base", UNTOUCHED, CLOSED)


class Lab(Protocol):
    """What the experiments need from the run (evaluate/runner.py's Experiment)."""

    config: object
    reporter: object
    models: object

    def ask(
        self, arm: Arm, model, items: list[QAItem], hits: dict | None, label: str, knowledge: dict | None = None
    ) -> list[dict]: ...
    def grounded_hits(self, items: list[QAItem], kb=None) -> dict: ...
    def knowledge_base(self, name: str | None = None): ...

    # and `models`, the run's ModelPool (evaluate/pool.py): untouched_chat, default_finetune, chat, train


@dataclass
class _Groups:
    changed_now: list[QAItem]  # about changed facts, the reference being the new value
    changed_was: dict[str, QAItem]  # the same questions with the old value, by id
    unchanged: list[QAItem]
    deleted: list[QAItem]


def run_edits(inp) -> tuple[dict, list[dict]]:
    """The update and deletion studies' run (studies/update.py, deletion.py): one run serves both."""
    return lifecycle(inp.lab, inp.task, facts_of(inp.config.data))


def check_edits(experiment: str, config, arms: list) -> None:
    """What update or deletion needs of the config, said before any model loads."""
    tuned = config.lifecycle.variant
    missing = [a for a in ("rag", tuned) if a not in {a.name for a in arms}]
    if missing:
        raise ValueError(
            f"experiments: {experiment} compares the arms rag and {tuned}; add {' and '.join(missing)} to arms"
        )
    spec = next((v for v in config.variants if v.name == tuned), None)
    if config.variant_kinds().get(tuned) != "facts" or (spec and spec.phrasings > 1):
        raise ValueError(
            f"lifecycle.variant: {tuned} must be a fine-tune on the facts in one phrasing "
            "(its training data is what an update edits)"
        )
    if config.data.docs:
        raise ValueError(
            f"experiments: {experiment} changes facts of question-answer knowledge (chat "
            "JSONL or a generator); for documents edit the files and re-index (ragft index)"
        )
    if config.backend.type != "local" or config.backend.finetune != "local":
        raise ValueError(f"experiments: {experiment} retrains the model here: it needs the local backend")


def lifecycle(lab: Lab, task, generated_facts: list | None) -> tuple[dict, list[dict]]:
    """Run update and/or deletion (as the config selects); returns ({name: results}, per-question records)."""
    config = lab.config
    selected = [e for e in ("update", "deletion") if e in config.experiments]
    tuned = config.lifecycle.variant  # the fine-tune asked as "finetuned" here
    finetuned_arm = Arm(tuned, tuned, CLOSED)
    known = knowledge_facts(task.passages, generated_facts)
    asked = {i.gold_ids[0] for i in items_about(task.items, known)}
    facts = [f for f in known if f.key in asked]  # facts with a question to ask (--limit may leave few)
    plan = plan_edits(
        facts, config.lifecycle.fraction, config.seed, "update" in selected, "deletion" in selected, values_from=known
    )
    pairs = changed_items(task.items, plan.changes)
    groups = _Groups(
        [now for _, now in pairs],
        {now.id: was for was, now in pairs},
        items_about(task.items, plan.unchanged)[: config.lifecycle.unchanged_questions],
        items_about(task.items, plan.deleted),
    )
    records: list[dict] = []

    def ask(arm, model, approach, phase, items, hits=None):
        rows = lab.ask(arm, model, items, hits, f"{approach}:{phase}")
        for row, item in zip(rows, items):
            row.update(experiment="lifecycle", approach=approach, phase=phase, group=_group(item, groups))
            if item.id in groups.changed_was:
                was = groups.changed_was[item.id]
                row["stale"] = is_correct(without_citations(row["answer"]), was.reference, was.question)
        records.extend(rows)

    everything = groups.changed_now + groups.unchanged + groups.deleted
    untouched = lab.models.untouched_chat()
    ask(RAG, untouched, "rag", "before", everything, lab.grounded_hits(everything))
    if groups.deleted:
        ask(BASE, untouched, "base", "before", groups.deleted)
    seconds = {"rag": _update_knowledge_base(lab.knowledge_base(), plan)}
    ask(RAG, untouched, "rag", "after", everything, lab.grounded_hits(everything))
    untouched = None

    finetuned = lab.models.default_finetune()
    ask(finetuned_arm, lab.models.chat(finetuned), "finetuned", "before", everything)
    trained: dict[str, dict] = {}
    if plan.changes:
        continued, trained["finetuned-continued"] = lab.models.train(
            finetuned, plan.changed_conversations(task.train), "continued"
        )
        ask(finetuned_arm, continued, "finetuned-continued", "after", groups.changed_now + groups.unchanged)
        continued = None
    finetuned = None
    retrained, trained["finetuned-retrained"] = lab.models.train(None, plan.conversations(task.train), "retrained")
    ask(finetuned_arm, retrained, "finetuned-retrained", "after", everything)
    for name, summary in trained.items():
        seconds[name] = round(summary["seconds"], 3)

    out = {}
    if "update" in selected:
        out["update"] = _update_results(plan, groups, records, seconds, trained, len(facts), config)
    if "deletion" in selected:
        out["deletion"] = _deletion_results(plan, groups, records, seconds, trained, len(facts), config)
    return out, records


def _group(item: QAItem, groups: _Groups) -> str:
    if item.id in groups.changed_was:
        return "changed"
    return "deleted" if any(item.id == d.id for d in groups.deleted) else "unchanged"


def _update_knowledge_base(kb, plan: EditPlan) -> float:
    """Upsert the changed passages and delete the deleted ones; the seconds it took."""
    began = time.perf_counter()
    kb.delete([c.key for c in plan.changes] + [f.key for f in plan.deleted])
    if plan.changes:
        kb.add({c.new_key: c.new for c in plan.changes})
    return round(time.perf_counter() - began, 3)


def _scores(records: list[dict], approach: str, phase: str) -> dict:
    mine = [r for r in records if r["approach"] == approach and r["phase"] == phase]
    if not mine:
        return {}
    out = {}
    for group in ("changed", "unchanged", "deleted"):
        rows = [r for r in mine if r["group"] == group]
        if rows:
            out[group] = rate([r["correct"] for r in rows])
    changed = [r for r in mine if r["group"] == "changed"]
    if changed:
        out["stale"] = rate([r["stale"] for r in changed])
    return out


HOW = {
    "rag": "delete the old passages from the knowledge base, add the new ones (embedding included)",
    "finetuned": "not updated: the fine-tune as trained on the old knowledge",
    "finetuned-continued": "the fine-tune trained further on the changed facts only",
    "finetuned-retrained": "the untouched model fine-tuned afresh on the knowledge as it is now",
}


def _update_results(plan, groups, records, seconds, trained, facts, config) -> dict:
    approaches = {}
    for approach in ("rag", "finetuned", "finetuned-continued", "finetuned-retrained"):
        before = _scores(records, "rag" if approach == "rag" else "finetuned", "before")
        after = _scores(records, approach, "after") or before  # "finetuned" is never updated
        if not after:
            continue
        entry = {
            "how": HOW[approach],
            "update_seconds": seconds.get(approach, 0.0),
            "before": {k: v for k, v in before.items() if k != "deleted"},
            "after": {k: v for k, v in after.items() if k != "deleted"},
        }
        if approach in trained:
            entry["train_tokens"] = trained[approach]["train_tokens"]
            entry["examples"] = trained[approach]["examples"]
        approaches[approach] = entry
    return {
        "fraction": config.lifecycle.fraction,
        "facts": facts,
        "changed": len(plan.changes),
        "finetune": config.lifecycle.variant,
        "unchanged_asked": len(groups.unchanged),
        "examples": [{"before": c.old, "after": c.new} for c in plan.changes[:5]],
        "retrained_with_deletions": "deletion" in config.experiments,
        "approaches": approaches,
    }


def _deletion_results(plan, groups, records, seconds, trained, facts, config) -> dict:
    def revealed(approach, phase):
        return _scores(records, approach, phase).get("deleted")

    arms = {
        "base": {
            "how": "the untouched model, closed book: what it states by chance",
            "before": revealed("base", "before"),
        },
        "rag": {
            "how": "delete the passages from the knowledge base",
            "delete_seconds": seconds["rag"],
            "before": revealed("rag", "before"),
            "after": revealed("rag", "after"),
            "kept": _scores(records, "rag", "after").get("unchanged"),
        },
        "finetuned": {
            "how": "retrain from the untouched model without the deleted facts",
            "delete_seconds": seconds.get("finetuned-retrained"),
            "before": revealed("finetuned", "before"),
            "after": revealed("finetuned-retrained", "after"),
            "kept": _scores(records, "finetuned-retrained", "after").get("unchanged"),
        },
    }
    return {
        "fraction": config.lifecycle.fraction,
        "facts": facts,
        "deleted": len(plan.deleted),
        "finetune": config.lifecycle.variant,
        "examples": [f.text for f in plan.deleted[:5]],
        "arms": arms,
    }
