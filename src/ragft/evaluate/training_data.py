"""What each fine-tune of a run trains on: the task's training data; each generated fact in k phrasings
(data/probes.py); its questions with retrieved passages to answer from (RAFT, data/raft.py); the facts plus
"I don't know" for entities not in them (data/unknowns.py); or, for documents, what a recipe makes of the chunks
(data/recipes/), written to training/<fine-tune>.jsonl with what it kept and dropped.

Every recipe's data is made before the first fine-tune, with the untouched model (a fine-tune trains the loaded
weights in place), and read back from the run directory when a killed run resumes.
"""

from __future__ import annotations

import json
import os
import random
import time
from dataclasses import dataclass, field

from ragft import atomic
from ragft.data.probes import training_conversations
from ragft.data.raft import raft_conversations, training_pairs
from ragft.data.recipes.pairs import filtered_pairs
from ragft.data.recipes.recipe import RecipeInput, recipe, recipes
from ragft.data.task import DOCUMENT_SYSTEM, KnowledgeTask
from ragft.data.unknowns import idk_conversations
from ragft.errors import RagftError
from ragft.evaluate.contexts.closed import CONTEXT as CLOSED
from ragft.finetune.distill import teacher_targets
from ragft.models.generation import ChatModel, GenerationSettings, LocalChatModel
from ragft.models.openai_backend import OpenAIChatModel, openai_client
from ragft.rag.answer import grounded_messages
from ragft.rag.hits import Hit
from ragft.rag.retriever import Retriever, settings_from_config
from ragft.schema import redact_url

GENERATED_TOKENS = 256  # a generator's pairs, descriptions and rewrites of one chunk
FOLDER = "training"


class Memo:
    """A model's completions, each prompt asked once per run (synthetic-qa, mixed and distilled share their
    questions and their round-trip answers). `seconds` sums, since it was last set to 0, what each prompt asked
    cost when it was first answered: each recipe is charged the model time of its data, shared or not."""

    def __init__(self, model: ChatModel, settings: GenerationSettings, what: str, reporter):
        self.model, self.settings, self.what, self.reporter = model, settings, what, reporter
        self.done: dict[str, tuple[str, float]] = {}  # prompt -> (completion, its share of its batch's seconds)
        self.seconds = 0.0

    def __call__(self, prompts: list[list[dict]]) -> list[str]:
        keys = [json.dumps(p, sort_keys=True) for p in prompts]
        todo = list(dict.fromkeys(k for k in keys if k not in self.done))
        if todo:
            with self.reporter.bar(f"{self.what} ({len(todo)} prompts)", len(todo)) as advance:
                try:
                    answers = self.model.complete([json.loads(k) for k in todo], self.settings, progress=advance)
                except RagftError as e:  # an endpoint's failure: say which job it was doing
                    raise RagftError(f"{self.what}: {e}") from None
            self.done.update({k: (a.text, a.latency_s) for k, a in zip(todo, answers)})
        self.seconds += sum(self.done[k][1] for k in dict.fromkeys(keys))
        return [self.done[k][0] for k in keys]


@dataclass
class Made:
    conversations: list[dict]
    stats: dict | None = None  # a document recipe's: what it made and dropped (results.json: the fine-tune's data)
    held_back: list[tuple[str, str]] = field(default_factory=list)  # (question, value) for early stopping


def _asks(conversation: dict, questions: set[str]) -> bool:
    """Does a training conversation ask one of `questions` (in whatever prompt wraps it)?"""
    return any(q in m["content"] for m in conversation["messages"] if m["role"] == "user" for q in questions)


class TrainingData:
    def __init__(self, lab, task: KnowledgeTask, untouched: ChatModel | None):
        self.lab, self.task = lab, task
        config, reporter = lab.config, lab.reporter
        reading = GenerationSettings(config.generation.max_new_tokens, config.generation.batch_size)
        self.read_memo = Memo(untouched, reading, "answering synthetic questions with their chunk", reporter)
        data = config.data
        if data.generator_url:
            client = openai_client(data.generator_url, os.environ.get("RAGFT_GENERATOR_API_KEY"))
            generator, self.generator = OpenAIChatModel(client, data.generator_model), data.generator_model
            settings = GenerationSettings(GENERATED_TOKENS, config.generation.batch_size)
        else:
            generator, self.generator, settings = untouched, "local", GenerationSettings(48, reading.batch_size)
        where = f" at {redact_url(data.generator_url)}" if data.generator_url else ""
        self.generate = Memo(generator, settings, f"generating with {self.generator}{where}", reporter)

    def _grounded(self, question: str, chunk) -> list[dict]:
        """The question with its chunk in the grounded prompt: the untouched model as reader and teacher."""
        return grounded_messages(question, [Hit("c", chunk.text, 1.0)], self.lab.config.prompts)

    def read(self, pairs: list[tuple[str, object]]) -> list[str]:
        return self.read_memo([self._grounded(q, c) for q, c in pairs])

    def teach(self, items: list[tuple[str, object, str]]) -> list[dict | None]:
        """The untouched model's top-k per token of each answer, with the chunk in its prompt (prompt distillation's
        teacher); None for each where the model is remote and gives no logits."""
        model = self.read_memo.model
        if not isinstance(model, LocalChatModel) or not items:
            return [None] * len(items)
        teacher = [{"messages": [*self._grounded(q, c), {"role": "assistant", "content": a}]} for q, c, a in items]
        began = time.perf_counter()
        with self.lab.reporter.bar(f"scoring the teacher's answers ({len(items)})", len(items)) as advance:
            batch = self.read_memo.settings.batch_size
            targets = teacher_targets(model.model, model.tokenizer, teacher, batch, advance)
        self.read_memo.seconds += time.perf_counter() - began
        return targets

    def closed(self, question: str) -> list[dict]:
        return CLOSED.messages(question, self.lab.config.prompts, [], True)

    def conversations(self, variant: str) -> Made:
        """What fine-tune `variant` trains on (for a document recipe, with what it made and dropped, and the
        questions held back for early stopping)."""
        spec = self.lab.models.spec(variant)
        if spec.train_on not in recipes():
            return Made(self._facts(spec))
        path = self.lab.run_dir / FOLDER / f"{variant}.jsonl"
        stats_path = path.with_suffix(".json")
        if path.is_file() and stats_path.is_file():  # a killed run made it already
            rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
            stats = json.loads(stats_path.read_text(encoding="utf-8"))
            return Made(rows, stats, [tuple(p) for p in stats.get("held_back", [])])
        if not self.task.chunks:
            raise RagftError(f"fine-tune {variant}: train_on {spec.train_on} needs documents (--docs)")
        given = RecipeInput(
            self.task.chunks,
            spec.phrasings,
            spec.seed,
            DOCUMENT_SYSTEM,
            self.task.questions,
            self.closed,
            self.read,
            self.generate,
            self.generator,
            self.teach,
        )
        self.read_memo.seconds = self.generate.seconds = 0.0
        began = time.perf_counter()
        with self.lab.reporter.stage(f"data:{variant}"):
            made = recipe(spec.train_on).build(given)
            shared = self.read_memo.seconds + self.generate.seconds  # model time, counted whether cached or not
            held_back = self._held_back(given, spec) if spec.hold_back else []  # the same pairs again: cached
        asked = {q for q, _ in held_back}
        made.conversations = [c for c in made.conversations if not _asks(c, asked)]
        stats = {
            "recipe": spec.train_on,
            "k": spec.phrasings,
            "conversations": len(made.conversations),
            **made.stats,
            "seconds": round(time.perf_counter() - began, 3),
            "model_seconds": round(shared, 3),
            "file": str(path.relative_to(self.lab.run_dir)),
            **({"held_back": held_back} if spec.hold_back else {}),
        }
        atomic.write_jsonl(path, made.conversations)
        atomic.write_json(stats_path, stats)
        return Made(made.conversations, stats, held_back)

    def _held_back(self, given: RecipeInput, spec) -> list[tuple[str, str]]:
        """A seeded share of the synthetic pairs (at least one) as (question, value): asked after each epoch, and
        taken out of what the recipe trains on."""
        pairs, _ = filtered_pairs(given)
        chosen = random.Random(spec.seed).sample(pairs, max(1, round(spec.hold_back * len(pairs)))) if pairs else []
        return [(p.question, p.value) for p in chosen]

    def _facts(self, spec) -> list[dict]:
        lab, task = self.lab, self.task
        if spec.phrasings == 1:
            conversations = task.train
        else:
            data = lab.config.data
            conversations = training_conversations(data.source, data.n, data.seed, spec.phrasings)
        if spec.train_on == "raft":
            pairs = training_pairs(conversations)
            kb = lab.knowledge_base()
            candidates = Retriever(kb, settings_from_config(lab.config.rag)).retrieve([q for q, _ in pairs])
            life = lab.config.lifecycle
            return raft_conversations(
                pairs,
                candidates,
                task.passages,
                lab.config.prompts,
                life.raft_distractors,
                life.raft_gold_share,
                spec.seed,
            )
        if spec.train_on == "idk":
            system = next(
                (m["content"] for c in conversations[:1] for m in c["messages"] if m["role"] == "system"),
                lab.config.prompts.system,
            )
            return conversations + idk_conversations(lab.unknowns.taught, system)
        return conversations
