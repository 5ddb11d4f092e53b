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
from ragft.data.questions import QAItem
from ragft.data.task import KnowledgeTask
from ragft.errors import RagftError
from ragft.evaluate.arms import DEFAULT_VARIANT, SEED_K, Arm
from ragft.evaluate.experiments import experiments
from ragft.evaluate.finetunes import LearningCurve, UntouchedWeights
from ragft.evaluate.paired import paired_comparisons
from ragft.evaluate.records import Record, make_record, summarize_arm
from ragft.models.generation import ChatModel, GenerationSettings, LocalChatModel
from ragft.progress import Reporter

RESULTS = "results.json"
METRICS = {
    "verdict": "accuracy",
    "accuracy": "the answer states the reference's value (numbers at their stated precision, no competing "
                "value; text: every word the reference adds to the question)",
    "accuracy_seed": "the seed's extractor: the first number after a space equals the reference's",
    "exact_match": "SQuAD: normalised answer equals the normalised reference (strict for sentence answers)",
    "f1": "SQuAD token F1 against the reference, mean over questions",
    "judge": "an LLM judge's CORRECT/INCORRECT verdict (when --judge-model is given)",
    "reader": "accuracy over the questions whose gold passage was in the prompt (RAG arms)",
    "comparisons": "every pair of arms on their shared questions: exact McNemar test, Holm-corrected (alpha 0.05)",
}


@dataclass
class RunOutput:
    run_dir: Path
    results: dict


def load_task(data, min_examples: int = 1, probes: bool = False) -> KnowledgeTask:
    """The run's knowledge, questions and training data, from documents or from chat conversations."""
    from ragft.data.load import load_conversations
    from ragft.data.task import task_from_conversations, task_from_documents

    if data.docs:
        return task_from_documents(Path(data.docs), Path(data.questions), data.chunks.settings(),
                                   Path(data.train) if data.train else None)
    if data.probes or probes:
        from ragft.data.task import task_from_probes

        return task_from_probes(data.source, data.n, data.seed)
    conversations, source = load_conversations(data, min_examples)
    return task_from_conversations(conversations, source, Path(data.test) if data.test else None)


def with_rewrites(task: KnowledgeTask, data, api_key: str | None) -> KnowledgeTask:
    """The task with each trained question also asked in the rewriter's words (data/rewrite.py)."""
    import os
    from dataclasses import replace

    from ragft.data.rewrite import RewriteSettings, rewrite_items

    trained = [i for i in task.items if i.split == "train"]
    settings = RewriteSettings(data.rewriter_url, data.rewriter_model,
                               api_key or os.environ.get("RAGFT_REWRITER_API_KEY"), data.rewrites)
    rewritten, counts = rewrite_items(trained, settings)
    items = [replace(i, family=i.family or "train") for i in task.items] + rewritten
    return replace(task, items=items, extra={**task.extra, "rewrites": counts})


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
                 api_key: str | None = None, judge_api_key: str | None = None, rewriter_api_key: str | None = None):
        self.config = config
        self.api_key = api_key  # for an openai backend; never written anywhere
        self.judge_api_key = judge_api_key or api_key
        self.rewriter_api_key = rewriter_api_key
        self.run_dir = run_dir
        self.reporter = reporter or Reporter(quiet=True)
        self.arms = config.arm_specs()
        self.curves: dict[str, dict] = {}  # learning_curve: {variant: its points}
        self.generation = GenerationSettings(config.generation.max_new_tokens, config.generation.batch_size)

    def run(self) -> RunOutput:
        began = time.perf_counter()
        r = self.reporter
        atomic.write_text(self.run_dir / "config.yaml", self.config.to_yaml())
        with r.stage("data"):
            task = load_task(self.config.data, min_examples=10 if any(a.finetuned for a in self.arms) else 1,
                             probes=self.config.probing)
            task = task.limited(self.config.limit)
            if self.config.data.rewriter_url:  # after --limit: only the questions asked are rewritten
                with r.spinner(f"rewriting {len(task.items)} questions with {self.config.data.rewriter_model}"):
                    task = with_rewrites(task, self.config.data, self.rewriter_api_key)
            atomic.write_text(self.run_dir / "dataset.jsonl", to_jsonl(task.train) + "\n")
            atomic.write_jsonl(self.run_dir / "questions.jsonl", [i.to_dict() for i in task.items])
            items = task.items
            if not items:
                raise RagftError(f"{task.description}: no questions (a user message followed by an assistant answer)")
        r.log(f"{len(items)} questions, {len(task.passages)} passages from {task.description}")

        model, loaded = self._untouched_model()

        hits = self._retrieve(task) if any(a.rag for a in self.arms) else {}  # by pipeline
        records: list[Record] = []
        for arm in (a for a in self.arms if not a.finetuned):
            records += self._answer(arm, model, items, hits)
        finetunes = {}
        variants = list(dict.fromkeys(a.variant for a in self.arms if a.finetuned))
        weights = UntouchedWeights(loaded, len(variants) > 1)
        for variant in variants:
            model = None  # frees the previous arms' model (a bf16 copy, a fine-tune) before training needs the memory
            model, finetunes[variant] = self._finetune(weights, variant, task)
            for arm in (a for a in self.arms if a.variant == variant):
                records += self._answer(arm, model, items, hits)
        if self.config.judge.model:
            self._judge(records)

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
            "dataset": {"source": task.description, "conversations": len(task.train), "questions": len(items),
                        "passages": len(task.passages), "train_kind": task.train_kind, **task.extra,
                        "splits": {s: sum(i.split == s for i in items) for s in sorted({i.split for i in items})}},
            "metrics": METRICS,
            "arms": {a.name: summarize_arm([x for x in rows if x["arm"] == a.name], a)
                     for a in self.arms},
            "comparisons": paired_comparisons(rows, [a.name for a in self.arms]),
            "experiments": experiments(self.config, rows, self.arms, finetunes, self.curves),
            "finetune": finetunes.get(DEFAULT_VARIANT) or next(iter(finetunes.values()), None),
            "finetunes": finetunes,
            "machine": {"python": platform.python_version(), "platform": platform.platform()},
            "timings": r.timings,
        }
        from ragft.report import draw_charts, write_reports

        with r.stage("report"):
            charts = draw_charts(results)
        # The timings are final before the report is written, so it shows the same ones as results.json
        # (writing two text files is not timed).
        results["timings"] = {**r.timings, "total": round(time.perf_counter() - began, 3)}
        write_reports(results, rows, self.run_dir, charts)
        atomic.write_json(self.run_dir / RESULTS, results)  # last: marks the run complete
        return RunOutput(self.run_dir, results)

    def _knowledge_base(self):
        from ragft.rag.store import KnowledgeBase

        rag = self.config.rag
        if rag.chroma_url:  # a shared server: one collection per run, never the user's own
            return KnowledgeBase(collection=f"{rag.collection}-{self.run_dir.name}"[:512], url=rag.chroma_url)
        return KnowledgeBase(self.run_dir / "chroma", rag.collection)

    def _retrieve(self, task: KnowledgeTask) -> dict[str, dict[str, list]]:
        """{pipeline: {question id: hits}} for the RAG pipelines the arms use.

        Both grounded arms (with and without fine-tuning) read the same passages.
        """
        from ragft.rag.answer import select_passages, selection_from_config
        from ragft.rag.retriever import RetrievalSettings, Retriever, settings_from_config

        with self.reporter.stage("index"):
            kb = self._knowledge_base()
            with self.reporter.bar("indexing passages", len(task.passages)) as advance:
                kb.add(task.passages, progress=advance)
        questions = [i.question for i in task.items]
        out = {}
        with self.reporter.stage("retrieve"):
            for pipeline in sorted({a.rag for a in self.arms if a.rag}):
                if pipeline == "seed":
                    found = Retriever(kb, RetrievalSettings(methods=("dense",), k=SEED_K)).retrieve(questions)
                else:
                    candidates = Retriever(kb, settings_from_config(self.config.rag)).retrieve(questions)
                    found = select_passages(questions, candidates, selection_from_config(self.config.rag))
                out[pipeline] = {item.id: h for item, h in zip(task.items, found)}
        return out

    def _answer(self, arm: Arm, model: ChatModel, items: list[QAItem], hits: dict) -> list[Record]:
        retrieved = hits.get(arm.rag, {})
        with self.reporter.stage(f"generate:{arm.name}"), \
                self.reporter.bar(f"answering: {arm.name}", len(items)) as advance:
            if arm.cites:
                from ragft.rag.answer import answer_grounded

                answers = answer_grounded(model, [i.question for i in items], [retrieved[i.id] for i in items],
                                          self.config.prompts, self.generation, progress=advance,
                                          choose_values=self.config.rag.value_choice)
                return [make_record(arm, item, a.messages, a.completion, retrieved[item.id], a.text, a.forced,
                                    a.citations, a.value_chosen) for item, a in zip(items, answers)]
            prompts = [arm.messages(i.question, self.config.prompts, retrieved.get(i.id)) for i in items]
            completions = model.complete(prompts, self.generation, progress=advance)
        return [make_record(arm, item, prompt, c, retrieved.get(item.id) if arm.rag else None)
                for item, prompt, c in zip(items, prompts, completions)]

    def _judge(self, records: list[Record]) -> None:
        """Grade every answer with the configured LLM judge; each verdict and its prompt go into the record."""
        from ragft.evaluate.judge import JudgeSettings, judge_answers
        from ragft.rag.citations import without_citations

        judge = self.config.judge
        settings = JudgeSettings(judge.model, judge.url, self.judge_api_key, judge.concurrency)
        with self.reporter.stage("judge"), self.reporter.spinner(f"judging {len(records)} answers with {judge.model}"):
            verdicts = judge_answers(settings, [(r.question, r.reference, without_citations(r.answer)) for r in records])
        for record, v in zip(records, verdicts):
            record.judge = {"correct": v.correct, "reply": v.reply, "prompt": v.prompt, "error": v.error}

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

    def _variant(self, variant: str):
        """(FinetuneConfig, phrasings per fact, seed) of one fine-tune of this run."""
        if variant == DEFAULT_VARIANT:
            return self.config.finetune, 1, self.config.seed
        v = next(v for v in self.config.variants if v.name == variant)
        return v.recipe(self.config.finetune), v.phrasings, self.config.seed if v.seed is None else v.seed

    def _training_data(self, task: KnowledgeTask, phrasings: int) -> list[dict]:
        """The task's training data, or each generated fact stated in k phrasings (data/probes.py)."""
        if phrasings == 1:
            return task.train
        from ragft.data.probes import training_conversations

        data = self.config.data
        return training_conversations(data.source, data.n, data.seed, phrasings)

    def _finetune(self, weights: UntouchedWeights, variant: str, task: KnowledgeTask):
        """Train one fine-tune from the untouched weights: on the task's training data (QA chats, or the
        document chunks: continued pre-training), or on k phrasings per fact."""
        from ragft.finetune.run import finetune_with_progress, settings_from_config

        recipe, phrasings, seed = self._variant(variant)
        conversations = self._training_data(task, phrasings)
        if self.config.backend.finetune == "openai":
            from ragft.finetune.openai_jobs import finetune_remote

            ft = self.config.finetune
            summary = finetune_remote(self._client(), conversations, self.config.model, ft.epochs, ft.batch_size,
                                      self.config.seed, self.reporter, self.config.backend.poll_interval_s)
            return self._remote(summary["fine_tuned_model"]), summary

        loaded = weights.untouched()
        precision = self._precision(loaded)
        settings = settings_from_config(recipe, len(conversations), seed, precision)
        # One fine-tune keeps the seed's layout (finetuned/); several get finetuned/<variant>/ each.
        several = len({a.variant for a in self.arms if a.finetuned}) > 1
        out = self.run_dir / "finetuned" / variant if several else self.run_dir / "finetuned"
        stage = "finetune" if variant == DEFAULT_VARIANT else f"finetune:{variant}"
        curved = "learning_curve" in self.config.experiments and variant in (self.config.curve_variants or [variant])
        curve = (LearningCurve(loaded, task.items, settings.epochs, self.config, self.generation, precision)
                 if curved else None)
        if curve:
            curve(0, loaded.model, 0.0, 0)  # the untouched model: where the curve starts
        trained, result = finetune_with_progress(loaded, conversations, settings, out, self.reporter, stage, curve)
        if curve:
            self.curves[variant] = {"method": result.method, "epochs": result.epochs, "points": curve.points,
                                    "trainable_parameters": result.trainable_parameters,
                                    "total_parameters": result.total_parameters,
                                    "trainable_share": round(result.trainable_parameters / result.total_parameters, 6)}
        weights.trained(trained)
        summary = {**result.to_dict(), "variant": variant, "phrasings": phrasings, "seed": seed,
                   "saved_to": str(out.relative_to(self.run_dir))}
        return LocalChatModel(trained, loaded.tokenizer, precision), summary
