"""The experiment, stage by stage; every stage writes into the run directory.

dataset -> (index | fine-tune) -> arms -> per-question records -> metrics -> report.
A local model is loaded once: the untouched-model arms run first (and the studies of phase "untouched" with them),
then the same weights are fine-tuned in place for each fine-tune's arms, restored to the untouched weights before
the next; the studies of phase "trained" (update, deletion, behaviour: models of their own) run last, those of phase
"records" from every arm's records (studies/registry.py). With an openai backend nothing is loaded here.
results.json is written last, atomically, so a run directory without it is an incomplete run. Each arm's answers and
each fine-tune are kept in stages/ as they finish (evaluate/checkpoints.py): `ragft run --resume RUN_DIR` continues
a killed run without redoing them.
"""

from __future__ import annotations

import datetime as dt
import functools
import platform
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel

from ragft import __version__, atomic
from ragft.config import ExperimentConfig
from ragft.data.cities import to_jsonl
from ragft.data.questions import QAItem
from ragft.data.task import KnowledgeTask, load_task, with_rewrites
from ragft.data.unknowns import UNKNOWN, with_unknowns
from ragft.errors import RagftError
from ragft.evaluate.arms import DEFAULT_VARIANT, Arm
from ragft.evaluate.checkpoints import Checkpoints
from ragft.evaluate.judge import JudgeSettings, judge_records
from ragft.evaluate.paired import paired_comparisons
from ragft.evaluate.passages import context_passages, grounded_passages
from ragft.evaluate.pool import ModelPool
from ragft.evaluate.records import Record, make_record, summarize_arm
from ragft.evaluate.results import METRICS, RESULTS, RunResults, SeedsResults
from ragft.evaluate.run_dir import check_same_questions
from ragft.evaluate.training_data import Made, TrainingData
from ragft.models.generation import ChatModel, GenerationSettings
from ragft.models.loading import context_window
from ragft.progress import Reporter
from ragft.rag.answer import answer_grounded
from ragft.rag.store import KnowledgeBase
from ragft.rag.unknown_subject import KnowledgeVocabulary
from ragft.report.decision import decision_table
from ragft.report.write import draw_charts, write_reports
from ragft.schema import redact_url
from ragft.studies.registry import StudyInput, typed_result
from ragft.studies.registry import selected as selected_studies


@dataclass
class RunOutput:
    run_dir: Path
    results: RunResults | SeedsResults


class Experiment:
    def __init__(
        self,
        config: ExperimentConfig,
        run_dir: Path,
        reporter: Reporter | None = None,
        api_key: str | None = None,
        judge_api_key: str | None = None,
        rewriter_api_key: str | None = None,
        resume: bool = False,
    ):
        self.config = config
        self.resume = resume  # read back the arms and fine-tunes a killed run finished (evaluate/checkpoints.py)
        self.checkpoints = Checkpoints(run_dir)
        self.judge_api_key = judge_api_key or api_key
        self.rewriter_api_key = rewriter_api_key
        self.run_dir = run_dir
        self.reporter = reporter or Reporter(quiet=True)
        self.arms = config.arm_specs()
        self.studies = selected_studies(config.experiments)  # studies/registry.py, in report order
        self.edits_knowledge = any(s.edits_knowledge for s in self.studies)  # lifecycle.variant's weights are kept
        self.kb = None  # the run's knowledge base, once indexed
        self.unknowns = None  # data/unknowns.py: asked (unknowns experiment) and taught (idk fine-tune)
        self.generation = GenerationSettings(
            config.generation.max_new_tokens, config.generation.batch_size, config.generation.loop_guard
        )
        self.models = ModelPool(config, run_dir, self.reporter, self.generation, api_key, self.edits_knowledge)

    def run(self) -> RunOutput:
        began = time.perf_counter()
        r = self.reporter
        if not self.resume:
            atomic.write_text(self.run_dir / "config.yaml", self.config.to_yaml())
        with r.stage("data"):
            task = load_task(
                self.config.data,
                min_examples=10 if any(a.finetuned for a in self.arms) else 1,
                probes=self.config.probing,
            )
            task = task.limited(self.config.limit)
            if self.config.data.rewriter_url:  # after --limit: only the questions asked are rewritten
                with r.spinner(f"rewriting {len(task.items)} questions with {self.config.data.rewriter_model}"):
                    task = with_rewrites(task, self.config.data, self.rewriter_api_key)
            task, self.unknowns = with_unknowns(
                task, self.config, self.arms, any(s.asks_unknowns for s in self.studies)
            )
            if self.resume:
                check_same_questions(self.run_dir, task.items)
            atomic.write_text(self.run_dir / "dataset.jsonl", to_jsonl(task.train) + "\n")
            atomic.write_jsonl(self.run_dir / "questions.jsonl", [i.to_dict() for i in task.items])
            items = task.items
            if not items:
                raise RagftError(f"{task.description}: no questions (a user message followed by an assistant answer)")
        r.log(f"{len(items)} questions, {len(task.passages)} passages from {task.description}")

        model = self.models.untouched_model()
        loaded = self.models.loaded

        hits = self._retrieve(task) if self._needs_index() else {}  # by pipeline
        records: list[Record] = []
        for arm in (a for a in self.arms if not a.finetuned):
            records += self._answers(arm, lambda: model, items, hits)
        found: dict[str, BaseModel] = {}  # {study: its typed result}
        extra_rows: list[dict] = []  # per-question records of the studies' own models
        self._run_studies(
            "untouched", StudyInput(self, task, model=model, window=context_window(loaded)), found, extra_rows
        )
        finetunes = {}
        variants = list(dict.fromkeys(a.variant for a in self.arms if a.finetuned))
        trains_after = any(s.trains_after for s in self.studies)
        self.models.keep_untouched(len(variants) > 1 or trains_after)
        training = TrainingData(self, task, model)
        todo = [v for v in variants if not (self.resume and self.checkpoints.finetune(v))]
        made = {v: training.conversations(v) for v in todo}  # before any training changes the untouched weights
        for variant in variants:
            model = None  # frees the previous arms' model (a bf16 copy, a fine-tune) before training needs the memory
            done = self.checkpoints.finetune(variant) if self.resume else None
            if done is None:
                model, finetunes[variant] = self._finetune(variant, task, made[variant])
                self.checkpoints.save_finetune(variant, finetunes[variant], self.models.curves.get(variant))
                fine_tuned = lambda: model  # noqa: E731
            else:
                finetunes[variant] = done["summary"]
                self.models.resumed(variant, finetunes[variant], done["curve"])
                r.log(f"resumed: fine-tune {variant}, trained before")
                # loaded only if an arm of it is still to answer, or the lifecycle needs its weights
                fine_tuned = functools.cache(functools.partial(self.models.load_saved, variant, finetunes[variant]))
                if self.edits_knowledge and variant == self.config.lifecycle.variant:
                    fine_tuned()
            for arm in (a for a in self.arms if a.variant == variant):
                records += self._answers(arm, fine_tuned, items, hits)
        model = fine_tuned = None
        self._run_studies("trained", StudyInput(self, task), found, extra_rows)
        if self.config.judge.model:
            judge = self.config.judge
            settings = JudgeSettings(judge.model, judge.url, self.judge_api_key, judge.concurrency)
            judge_records(records, settings, self.reporter)

        rows = [rec.to_dict() for rec in records]
        atomic.write_jsonl(self.run_dir / "predictions.jsonl", rows)
        if extra_rows:
            atomic.write_jsonl(self.run_dir / "experiments.jsonl", extra_rows)
        known = [x for x in rows if x["split"] != UNKNOWN]  # questions with an answer in the data
        self._run_studies(
            "records",
            StudyInput(self, task, rows=rows, finetunes=finetunes, curves=self.models.curves),
            found,
            [],
        )
        results = RunResults(
            ragft_version=__version__,
            run_name=self.run_dir.name,
            created=dt.datetime.now().isoformat(timespec="seconds"),
            config=self.config.model_dump(mode="json"),
            model={
                "name": loaded.name,
                "source": loaded.source,
                "device": loaded.device,
                "precision": self.models.precision_of(loaded),
            }
            if loaded
            else {
                "name": self.config.model,
                "source": redact_url(str(self.models.client().base_url)),
                "device": "remote",
            },
            dataset={
                "source": task.description,
                "conversations": len(task.train),
                "questions": len(items),
                "passages": len(task.passages),
                "train_kind": task.train_kind,
                **task.extra,
                "splits": {s: sum(i.split == s for i in items) for s in sorted({i.split for i in items})},
            },
            metrics=METRICS,
            arms={a.name: summarize_arm([x for x in known if x["arm"] == a.name], a) for a in self.arms},
            comparisons=paired_comparisons(known, [a.name for a in self.arms]),
            experiments={s.name: found[s.name] for s in self.studies if s.name in found},
            finetune=finetunes.get(DEFAULT_VARIANT) or next(iter(finetunes.values()), None),
            finetunes=finetunes,
            machine={"python": platform.python_version(), "platform": platform.platform()},
            timings=r.timings,
        )

        results.decision = decision_table(results)  # need -> best approach, from the numbers

        with r.stage("report"):
            charts = draw_charts(results)
        # The timings are final before the report is written, so it shows the same ones as results.json
        # (writing two text files is not timed).
        results.timings = {**r.timings, "total": round(time.perf_counter() - began, 3)}
        write_reports(results, rows, self.run_dir, charts)
        atomic.write_json(self.run_dir / RESULTS, results.as_dict())  # last: marks the run complete
        return RunOutput(self.run_dir, results)

    def _run_studies(self, phase: str, given: StudyInput, found: dict[str, BaseModel], rows: list[dict]) -> None:
        """Run the studies of `phase` (a run shared by several studies once), adding their results to `found` and
        their per-question records to `rows`."""
        done = []
        for study in (s for s in self.studies if s.phase == phase and s.run not in done):
            done.append(study.run)
            # "records" studies are computed from the records: quick, not a stage of their own
            with nullcontext() if phase == "records" else self.reporter.stage(study.stage or study.name):
                results, more = study.run(given)
            found.update({name: typed_result(name, value) for name, value in results.items()})
            rows += more

    def _needs_index(self) -> bool:
        return any(a.rag for a in self.arms) or self.edits_knowledge

    def knowledge_base(self, name: str | None = None):
        """The run's knowledge base, or a scratch collection `name` beside it (long_context)."""
        rag = self.config.rag
        if name is None and self.kb is not None:
            return self.kb
        collection = rag.collection if name is None else name
        if rag.chroma_url:  # a shared server: collections per run, never the user's own
            return KnowledgeBase(collection=f"{collection}-{self.run_dir.name}"[:512], url=rag.chroma_url)
        return KnowledgeBase(self.run_dir / "chroma", collection)

    def _retrieve(self, task: KnowledgeTask) -> dict[str, dict[str, list]]:
        """{pipeline: {question id: hits}} for the RAG pipelines the arms use.

        Both grounded arms (with and without fine-tuning) read the same passages; the `context` arms
        read every passage, the `oracle` arms each question's gold passages (none where none is known).
        """
        with self.reporter.stage("index"):
            self.kb = kb = self.knowledge_base()
            if self.resume:  # a killed run's lifecycle may have edited it: back to the task's passages
                kb.delete([i for i in kb.all_passages() if i not in task.passages])
            with self.reporter.bar("indexing passages", len(task.passages)) as advance:
                kb.add(task.passages, progress=advance)
        with self.reporter.stage("retrieve"):
            used = sorted({a.context for a in self.arms if a.rag}, key=lambda c: c.rag)
            return {c.rag: context_passages(c, task, kb, self.config.rag) for c in used}

    def grounded_hits(self, items: list[QAItem], kb=None) -> dict[str, list]:
        """{question id: the passages the grounded arms read}, from `kb` (default: the run's)."""
        found = grounded_passages([i.question for i in items], kb or self.knowledge_base(), self.config.rag)
        return {i.id: h for i, h in zip(items, found)}

    def _answers(self, arm: Arm, model: Callable[[], ChatModel], items: list[QAItem], hits: dict) -> list[Record]:
        """`arm`'s records: read back when a resumed run finished them before, else answered and kept."""
        done = self.checkpoints.answers(arm.name) if self.resume else None
        if done is not None:
            self.reporter.log(f"resumed: {arm.name}'s {len(done)} answers, made before")
            return done
        records = self.answer_items(arm, model(), items, hits)
        self.checkpoints.save_answers(arm.name, records)
        return records

    def ask(
        self,
        arm: Arm,
        model: ChatModel,
        items: list[QAItem],
        hits: dict | None,
        label: str,
        knowledge: dict[str, str] | None = None,
    ) -> list[dict]:
        """`answer_items` as per-question records (dicts): what the studies keep in experiments.jsonl."""
        return [rec.to_dict() for rec in self.answer_items(arm, model, items, hits or {}, label, knowledge)]

    def answer_items(
        self,
        arm: Arm,
        model: ChatModel,
        items: list[QAItem],
        hits: dict,
        label: str | None = None,
        knowledge: dict[str, str] | None = None,
    ) -> list[Record]:
        """Every item answered by `arm`; `knowledge` is what the grounded arms know of (default: the run's
        knowledge base as it is now), to abstain on names it never mentions."""
        retrieved = hits.get(arm.rag, {}) if label is None else hits or {}
        label = label or arm.name
        with self.reporter.stage(f"generate:{label}"), self.reporter.bar(f"answering: {label}", len(items)) as advance:
            if arm.cites:
                answers = answer_grounded(
                    model,
                    [i.question for i in items],
                    [retrieved[i.id] for i in items],
                    self.config.prompts,
                    self.generation,
                    progress=advance,
                    choose_values=self.config.rag.value_choice,
                    examples=arm.worked_examples,
                    vocabulary=self._vocabulary(knowledge),
                    spans=self.config.rag.span_choice,
                )
                return [
                    make_record(
                        arm,
                        item,
                        a.messages,
                        a.completion,
                        retrieved[item.id],
                        a.text,
                        a.forced,
                        a.citations,
                        a.value_chosen,
                        a.unmentioned,
                    )
                    for item, a in zip(items, answers)
                ]
            prompts = [arm.messages(i.question, self.config.prompts, retrieved.get(i.id)) for i in items]
            if arm.context.whole_knowledge:
                self._check_window(model, prompts[0])
            completions = model.complete(prompts, self.generation, progress=advance)
        return [
            make_record(arm, item, prompt, c, retrieved.get(item.id) if arm.rag else None)
            for item, prompt, c in zip(items, prompts, completions)
        ]

    def _vocabulary(self, knowledge: dict[str, str] | None):
        if not self.config.rag.unknown_names:
            return None

        return KnowledgeVocabulary((knowledge or self.knowledge_base().all_passages()).values())

    def _check_window(self, model: ChatModel, prompt: list[dict]) -> None:
        window = context_window(model)
        if window is None or not hasattr(model, "prompt_ids"):
            return
        tokens = len(model.prompt_ids(prompt)) + self.generation.max_new_tokens
        if tokens > window:
            raise RagftError(
                f"arm context: the whole knowledge base makes a {tokens}-token prompt, more than the "
                f"model's {window}-token window; use fewer facts (--limit does not cut the knowledge) "
                "or a RAG arm"
            )

    def _finetune(self, variant: str, task: KnowledgeTask, data: Made):
        """Train one fine-tune from the untouched weights on `data` (evaluate/training_data.py: its conversations,
        what a document recipe made and dropped, and the questions held back for early stopping)."""
        # One fine-tune keeps the seed's layout (finetuned/); several get finetuned/<variant>/ each.
        several = len({a.variant for a in self.arms if a.finetuned}) > 1
        out = self.run_dir / "finetuned" / variant if several else self.run_dir / "finetuned"
        curved = any(s.watches_training for s in self.studies) and variant in (self.config.curve_variants or [variant])
        model, summary = self.models.finetune(
            variant, data.conversations, out, task.items if curved else None, data.held_back or None
        )
        if data.stats:
            summary["data"] = {k: v for k, v in data.stats.items() if k != "held_back"}
        return model, summary
