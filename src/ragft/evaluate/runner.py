"""The experiment, stage by stage; every stage writes into the run directory.

dataset -> (index | fine-tune) -> arms -> per-question records -> metrics -> report.
A local model is loaded once: the untouched-model arms run first, then the same weights are
fine-tuned in place for the fine-tuned arms (with an openai backend nothing is loaded here). results.json is written last, atomically, so a
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
from ragft.evaluate.arms import ARM_SPECS, SEED_K, Arm
from ragft.evaluate.records import Record, make_record, summarize_arm
from ragft.models.generation import ChatModel, GenerationSettings, LocalChatModel
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
    def __init__(self, config: ExperimentConfig, run_dir: Path, reporter: Reporter | None = None,
                 api_key: str | None = None):
        self.config = config
        self.api_key = api_key  # for an openai backend; never written anywhere
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

        model, loaded = self._untouched_model()

        hits = self._retrieve(conversations, items) if any(a.rag for a in self.arms) else {}  # by pipeline
        records: list[Record] = []
        for arm in (a for a in self.arms if not a.finetuned):
            records += self._answer(arm, model, items, hits)
        finetune = None
        if any(a.finetuned for a in self.arms):
            model = None  # frees the untouched arms' bf16 copy (if any) before training needs the memory
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
            "model": {"name": loaded.name, "source": loaded.source, "device": loaded.device,
                      "precision": self._precision(loaded)} if loaded else
                     {"name": self.config.model, "source": str(self._client().base_url), "device": "remote"},
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

    def _knowledge_base(self):
        from ragft.rag.store import KnowledgeBase

        rag = self.config.rag
        if rag.chroma_url:  # a shared server: one collection per run, never the user's own
            return KnowledgeBase(collection=f"{rag.collection}-{self.run_dir.name}"[:512], url=rag.chroma_url)
        return KnowledgeBase(self.run_dir / "chroma", rag.collection)

    def _retrieve(self, conversations: list[dict], items: list[QAItem]) -> dict[str, dict[str, list]]:
        """{pipeline: {question id: hits}} for the RAG pipelines the arms use."""
        from ragft.rag.retriever import RetrievalSettings, Retriever, settings_from_config

        knowledge = passages(conversations)
        with self.reporter.stage("index"):
            kb = self._knowledge_base()
            with self.reporter.bar("indexing passages", len(knowledge)) as advance:
                kb.add(knowledge, progress=advance)
        rag = self.config.rag
        settings = {"seed": RetrievalSettings(methods=("dense",), k=SEED_K),
                    "grounded": settings_from_config(rag)}
        out = {}
        with self.reporter.stage("retrieve"):
            for pipeline in sorted({a.rag for a in self.arms if a.rag}):
                found = Retriever(kb, settings[pipeline]).retrieve([i.question for i in items])
                out[pipeline] = {item.id: h for item, h in zip(items, found)}
        return out

    def _answer(self, arm: Arm, model: ChatModel, items: list[QAItem], hits: dict) -> list[Record]:
        retrieved = hits.get(arm.rag, {})
        prompts = [arm.messages(i.question, self.config.prompts, retrieved.get(i.id)) for i in items]
        with self.reporter.stage(f"generate:{arm.name}"), \
                self.reporter.bar(f"answering: {arm.name}", len(items)) as advance:
            completions = model.complete(prompts, self.generation, progress=advance)
        answers = [(c.text, None) for c in completions]
        if arm.cites:
            from ragft.rag.citation_slot import ensure_citations

            with self.reporter.stage(f"cite:{arm.name}"):
                answers = ensure_citations(model, prompts, [c.text for c in completions],
                                           [len(retrieved.get(i.id) or []) for i in items])
        return [make_record(arm, item, prompt, c, retrieved.get(item.id) if arm.rag else None, text, forced)
                for item, prompt, c, (text, forced) in zip(items, prompts, completions, answers)]

    def _untouched_model(self) -> tuple[ChatModel, object]:
        """The untouched arms' model and the LoadedModel behind it (None: nothing loaded, an openai backend)."""
        if self.config.backend.type == "openai":
            return self._remote(self.config.model), None
        from ragft.models.loading import load_model

        with self.reporter.stage("load_model"), self.reporter.spinner(f"loading {self.config.model}"):
            loaded = load_model(self.config.model, self.config.device)
        return LocalChatModel(loaded.model, loaded.tokenizer, self._precision(loaded)), loaded

    def _precision(self, loaded) -> str:
        from ragft.models.precision import resolve_precision

        return resolve_precision(self.config.precision, loaded.device)

    def _client(self):
        from ragft.models.openai_backend import openai_client

        return openai_client(self.config.backend.base_url, self.api_key)

    def _remote(self, model_name: str) -> ChatModel:
        from ragft.models.openai_backend import OpenAIChatModel

        return OpenAIChatModel(self._client(), model_name, self.config.backend.concurrency)

    def _finetune(self, loaded, conversations: list[dict]):
        from ragft.finetune.run import finetune_and_save, settings_from_config

        if self.config.backend.finetune == "openai":
            from ragft.finetune.openai_jobs import finetune_remote

            ft = self.config.finetune
            summary = finetune_remote(self._client(), conversations, self.config.model, ft.epochs, ft.batch_size,
                                      self.config.seed, self.reporter, self.config.backend.poll_interval_s)
            return self._remote(summary["fine_tuned_model"]), summary

        precision = self._precision(loaded)
        settings = settings_from_config(self.config.finetune, len(conversations), self.config.seed, precision)
        trained, result = finetune_and_save(loaded, conversations, settings, self.run_dir / "finetuned",
                                            self.reporter)
        return LocalChatModel(trained, loaded.tokenizer, precision), result.to_dict()
