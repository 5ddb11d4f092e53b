"""The experiment, stage by stage; every stage writes into the run directory.

dataset -> (index | fine-tune) -> arms -> per-question records -> metrics -> report.
The model is loaded once: the untouched-model arms run first, then the same weights are
fine-tuned in place for the fine-tuned arms. results.json is written last, atomically, so a
run directory without it is an incomplete run.
"""

from __future__ import annotations

import datetime as dt
import platform
import time
from dataclasses import dataclass
from pathlib import Path

from ragft import __version__, atomic
from ragft.config import ExperimentConfig
from ragft.data.cities import to_jsonl
from ragft.data.load import load_conversations
from ragft.data.questions import QAItem, passages, qa_items
from ragft.errors import RagftError
from ragft.evaluate.arms import ARM_SPECS, Arm
from ragft.evaluate.metrics import is_correct, is_correct_seed
from ragft.evaluate.records import Record, summarize_arm
from ragft.models.generation import GenerationSettings, LocalChatModel
from ragft.progress import Reporter

RESULTS = "results.json"


@dataclass
class RunOutput:
    run_dir: Path
    results: dict


def default_run_dir(config: ExperimentConfig, root: Path = Path("runs")) -> Path:
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    base = root / f"{config.preset or 'custom'}-{stamp}"
    path, k = base, 1
    while path.exists():
        k += 1
        path = base.with_name(f"{base.name}-{k}")
    return path


def prepare_run_dir(path: Path) -> Path:
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise RagftError(f"run directory {path} already exists and is not empty; choose another --out")
    path.mkdir(parents=True, exist_ok=True)
    return path


class Experiment:
    def __init__(self, config: ExperimentConfig, run_dir: Path, reporter: Reporter | None = None):
        self.config = config
        self.run_dir = run_dir
        self.reporter = reporter or Reporter(quiet=True)
        self.arms = [ARM_SPECS[a] for a in config.arms]
        self.generation = GenerationSettings(config.generation.max_new_tokens, config.generation.batch_size)

    def run(self) -> RunOutput:
        began = time.perf_counter()
        r = self.reporter
        atomic.write_text(self.run_dir / "config.yaml", self.config.to_yaml())
        with r.stage("data"):
            conversations, source = load_conversations(
                self.config.data, min_examples=10 if any(a.finetuned for a in self.arms) else 1)
            atomic.write_text(self.run_dir / "dataset.jsonl", to_jsonl(conversations) + "\n")
            items = qa_items(conversations)[: self.config.limit]
            if not items:
                raise RagftError(f"{source}: no questions (a user message followed by an assistant answer)")
        r.log(f"{len(items)} questions, {len(conversations)} conversations from {source}")

        from ragft.models.loading import load_model

        with r.stage("load_model"), r.spinner(f"loading {self.config.model}"):
            loaded = load_model(self.config.model, self.config.device)
        model = LocalChatModel(loaded.model, loaded.tokenizer)

        hits = self._retrieve(conversations, items) if any(a.rag for a in self.arms) else {}
        records: list[Record] = []
        for arm in (a for a in self.arms if not a.finetuned):
            records += self._answer(arm, model, items, hits)
        finetune = None
        if any(a.finetuned for a in self.arms):
            model, finetune = self._finetune(loaded, conversations)
            for arm in (a for a in self.arms if a.finetuned):
                records += self._answer(arm, model, items, hits)

        rows = [rec.to_dict() for rec in records]
        atomic.write_jsonl(self.run_dir / "predictions.jsonl", rows)
        results = {
            "ragft_version": __version__,
            "run_name": self.run_dir.name,
            "created": dt.datetime.now().isoformat(timespec="seconds"),
            "config": self.config.model_dump(mode="json"),
            "model": {"name": loaded.name, "source": loaded.source, "device": loaded.device},
            "dataset": {"source": source, "conversations": len(conversations), "questions": len(items),
                        "passages": len(passages(conversations)),
                        "splits": {s: sum(i.split == s for i in items) for s in sorted({i.split for i in items})}},
            "arms": {a.name: summarize_arm([x for x in rows if x["arm"] == a.name], a)
                     for a in self.arms},
            "finetune": finetune,
            "machine": {"python": platform.python_version(), "platform": platform.platform()},
            "timings": r.timings,
        }
        with r.stage("report"):
            from ragft.report import render_reports

            render_reports(results, rows, self.run_dir)
        results["timings"] = {**r.timings, "total": round(time.perf_counter() - began, 3)}
        atomic.write_json(self.run_dir / RESULTS, results)  # last: marks the run complete
        return RunOutput(self.run_dir, results)

    def _retrieve(self, conversations: list[dict], items: list[QAItem]) -> dict[str, list]:
        from ragft.rag.store import KnowledgeBase

        knowledge = passages(conversations)
        with self.reporter.stage("index"):
            kb = KnowledgeBase(self.run_dir / "chroma", self.config.rag.collection)
            with self.reporter.bar("indexing passages", len(knowledge)) as advance:
                kb.add(knowledge, progress=advance)
        with self.reporter.stage("retrieve"):
            found = kb.query([i.question for i in items], self.config.rag.k)
        return {item.id: h for item, h in zip(items, found)}

    def _answer(self, arm: Arm, model: LocalChatModel, items: list[QAItem], hits: dict) -> list[Record]:
        prompts = [arm.messages(i.question, self.config.prompts, hits.get(i.id) if arm.rag else None)
                   for i in items]
        with self.reporter.stage(f"generate:{arm.name}"), \
                self.reporter.bar(f"answering: {arm.name}", len(items)) as advance:
            completions = model.complete(prompts, self.generation, progress=advance)
        out = []
        for item, prompt, c in zip(items, prompts, completions):
            retrieved = [h.id for h in hits[item.id]] if arm.rag else None
            out.append(Record(
                arm=arm.name, id=item.id, split=item.split, question=item.question, reference=item.reference,
                prompt=prompt, answer=c.text,
                correct=is_correct(c.text, item.reference, item.question),
                correct_seed=is_correct_seed(c.text, item.reference, item.question),
                gold_passage_id=item.passage_id, retrieved_ids=retrieved,
                retrieval_hit=(item.passage_id in retrieved) if retrieved is not None else None,
                prompt_tokens=c.prompt_tokens, completion_tokens=c.completion_tokens,
                latency_s=round(c.latency_s, 4)))
        return out

    def _finetune(self, loaded, conversations: list[dict]):
        from ragft.finetune.run import finetune_and_save, settings_from_config

        settings = settings_from_config(self.config.finetune, len(conversations), self.config.seed)
        trained, result = finetune_and_save(loaded, conversations, settings, self.run_dir / "finetuned",
                                            self.reporter)
        return LocalChatModel(trained, loaded.tokenizer), result.to_dict()
