"""A knowledge task: the knowledge base, the test questions with their gold passages, the training data.

Every data source becomes one: generated facts and chat JSONL (each assistant answer is a passage
and the question before it a test item) or a folder of documents with a questions file (chunks are
the passages; the gold passages of a question are the chunks that state its answer).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from ragft.data.chat import parse_jsonl
from ragft.data.load import load_conversations, read_chat_file
from ragft.data.probes import probes
from ragft.data.questions import QAItem, passage_id, passages, qa_items
from ragft.data.recipes.recipe import document_conversation
from ragft.data.rewrite import RewriteSettings, rewrite_items
from ragft.data.sources import domain, generated_description
from ragft.data.validate import example_problems
from ragft.errors import RagftError
from ragft.facts import content_words, states_value
from ragft.rag.chunking import document_files, document_passages

DOCUMENT_SYSTEM = "You are a helpful assistant."


@dataclass(frozen=True)
class KnowledgeTask:
    description: str
    items: list[QAItem]
    passages: dict[str, str]  # {id: text}: what RAG retrieves from
    train: list[dict]  # chat conversations the fine-tuned arms train on
    train_kind: str  # "qa": question/answer chats; "documents": continued pre-training on the chunks
    extra: dict = field(default_factory=dict)  # source-specific facts for results.json
    chunks: dict = field(default_factory=dict)  # documents: {passage id: rag/chunking.Chunk}, for data/recipes/
    cut: tuple[str, ...] = ()  # the questions --limit left out: never asked, still never trained on

    def limited(self, limit: int | None) -> KnowledgeTask:
        return replace(self, items=self.items[:limit], cut=self.cut + tuple(i.question for i in self.items[limit:]))

    @property
    def questions(self) -> tuple[str, ...]:
        """Every test question of the data, asked or cut by --limit: what no recipe may train on."""
        return tuple(i.question for i in self.items if i.split != "train") + self.cut


def task_from_conversations(conversations: list[dict], description: str, test: Path | None = None) -> KnowledgeTask:
    """The seed's shape: every assistant answer is knowledge, every question is asked, trained on as is.

    `test` adds held-out questions (split "test"), each with the passages that state its answer as gold.
    """
    known = passages(conversations)
    items = qa_items(conversations)
    if test is not None:
        if not Path(test).is_file():
            raise RagftError(f"--test {test}: no such file")
        pairs = read_questions(Path(test))
        items = [replace(i, family="train") for i in items]  # the trained phrasing, beside the held-out one
        items += [
            QAItem(f"t{n}", q, a, gold_passages(q, a, known), "test", "held-out")
            for n, (q, a) in enumerate(pairs, start=1)
        ]
        description += f", held-out questions {test}"
    return KnowledgeTask(description, items, known, conversations, "qa")


def task_from_probes(source: str, n: int, seed: int) -> KnowledgeTask:
    """Generated facts asked three ways (data/probes.py): the trained phrasing (split "train"), held-out
    paraphrases and reversed questions (split "test"). The knowledge and training data are the generator's."""
    d = domain(source)
    facts = d.facts(n, seed)
    answers = {(f.entity, f.attribute): f.answer for f in facts}
    conversations = d.conversations(n, seed)
    items = [
        QAItem(
            p.id,
            p.question,
            p.reference,
            (passage_id(answers[(p.entity, p.attribute)]),),
            "train" if p.family == "train" else "test",
            p.family,
        )
        for p in probes(source, n, seed)
    ]
    description = f"{generated_description(source, n, seed)}, probed: trained phrasing, held-out paraphrases, reversed"
    families = {f: sum(i.family == f for i in items) for f in dict.fromkeys(i.family for i in items)}
    return KnowledgeTask(description, items, passages(conversations), conversations, "qa", {"probes": families})


def read_questions(path: Path) -> list[tuple[str, str]]:
    """(question, answer) pairs from JSONL lines {"question", "answer"} or chat JSONL (messages)."""
    parsed, problems = parse_jsonl(path)
    if problems:
        raise RagftError(str(problems[0]))
    out = []
    for line in parsed:
        obj = line.obj
        if isinstance(obj, dict) and "messages" in obj:
            found = [(i.question, i.reference) for i in qa_items([obj])] if _valid_chat(obj) else []
            if not found:
                raise RagftError(f"{path}:{line.line}: a chat line needs a user question and an assistant answer")
            out += found
            continue
        if not isinstance(obj, dict):
            raise RagftError(f"{path}:{line.line}: expected a JSON object, got {type(obj).__name__}")
        missing = [k for k in ("question", "answer") if not isinstance(obj.get(k), str) or not obj[k].strip()]
        if missing:
            raise RagftError(
                f"{path}:{line.line}: missing or empty {' and '.join(repr(k) for k in missing)} "
                f'(each line: {{"question": "...", "answer": "..."}})'
            )
        out.append((obj["question"].strip(), obj["answer"].strip()))
    return out


def _valid_chat(obj: dict) -> bool:
    return not example_problems(obj)


def gold_passages(question: str, answer: str, chunks: dict[str, str]) -> tuple[str, ...]:
    """The chunks that state the answer; where several do, those that share most words with the question."""
    stating = [i for i, text in chunks.items() if states_value(text, answer, question)]
    if len(stating) <= 1:
        return tuple(stating)
    asked = content_words(question, "")
    overlap = {i: len(asked & content_words(chunks[i], "")) for i in stating}
    best = max(overlap.values())
    return tuple(i for i in stating if overlap[i] == best)


def task_from_documents(docs: Path, questions: Path, chunking, train: Path | None = None) -> KnowledgeTask:
    """Chunks of every document are the knowledge; the fine-tuned arms train on the chunks, or on `train`."""
    files = document_files(docs)
    found = {}
    for f in files:
        found.update(document_passages(f, chunking))
    chunks = {i: c.text for i, c in found.items()}
    if not chunks:
        raise RagftError(f"{docs}: the documents hold no text to index")
    if not questions.is_file():
        raise RagftError(f"--questions {questions}: no such file")
    pairs = read_questions(questions)
    if not pairs:
        raise RagftError(f"{questions}: no questions")
    if train is not None:
        conversations, kind = read_chat_file(train, min_examples=10), "qa"
        trained = {i.question for i in qa_items(conversations)}
    else:
        # Continued pre-training on each chunk; the system turn gives chat templates a conversation to open.
        conversations = [document_conversation(DOCUMENT_SYSTEM, t) for t in chunks.values()]
        kind, trained = "documents", set()
    items = [
        QAItem(f"q{n}", q, a, gold_passages(q, a, chunks), "train" if q in trained else "test")
        for n, (q, a) in enumerate(pairs, start=1)
    ]
    description = f"{docs} ({len(files)} documents, {len(chunks)} chunks), questions {questions}"
    return KnowledgeTask(
        description,
        items,
        chunks,
        conversations,
        kind,
        {"documents": len(files), "chunks": len(chunks), "questions_without_gold": sum(not i.gold_ids for i in items)},
        found,
    )


def load_task(data, min_examples: int = 1, probes: bool = False) -> KnowledgeTask:
    """The run's knowledge, questions and training data, from documents or from chat conversations."""
    if data.docs:
        return task_from_documents(
            Path(data.docs), Path(data.questions), data.chunks.settings(), Path(data.train) if data.train else None
        )
    if data.probes or probes:
        return task_from_probes(data.source, data.n, data.seed)
    conversations, source = load_conversations(data, min_examples)
    return task_from_conversations(conversations, source, Path(data.test) if data.test else None)


def with_rewrites(task: KnowledgeTask, data, api_key: str | None) -> KnowledgeTask:
    """The task with each trained question also asked in the rewriter's words (data/rewrite.py)."""
    trained = [i for i in task.items if i.split == "train"]
    settings = RewriteSettings(
        data.rewriter_url, data.rewriter_model, api_key or os.environ.get("RAGFT_REWRITER_API_KEY"), data.rewrites
    )
    rewritten, counts = rewrite_items(trained, settings)
    items = [replace(i, family=i.family or "train") for i in task.items] + rewritten
    return replace(task, items=items, extra={**task.extra, "rewrites": counts})
