"""The knowledge-base commands: `ragft index`, `ragft ask`, `ragft kb list|stats|delete`."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from ragft.data.load import read_chat_file
from ragft.data.questions import passages
from ragft.errors import RagftError
from ragft.models.generation import GenerationSettings, LocalChatModel
from ragft.models.loading import load_model
from ragft.paths import default_kb_dir
from ragft.progress import Reporter
from ragft.rag.answer import answer_grounded, select_passages, selection_from_config
from ragft.rag.chunking import file_passages, text_files
from ragft.rag.config import RagConfig
from ragft.rag.prompts import PromptConfig
from ragft.rag.retriever import Retriever, settings_from_config
from ragft.rag.store import KnowledgeBase
from ragft.rag.unknown_subject import KnowledgeVocabulary

out = Console(soft_wrap=True)  # long answers and paths stay on one line


def open_kb(db: Path | None, collection: str, url: str | None, must_exist: bool = True):
    """The knowledge base at --db (default $RAGFT_HOME/kb) or on the --chroma-url server."""
    db = None if url else (db if db is not None else default_kb_dir())
    return KnowledgeBase.open_existing(db, collection, url) if must_exist else KnowledgeBase(db, collection, url)


def jsonl_passages(file: Path) -> dict[str, str]:
    """The assistant answers of a chat JSONL file; any malformed line is an error."""
    return passages(read_chat_file(file))


def source_passages(path: Path, split: str) -> dict[Path, dict[str, str]]:
    """{file: {id: passage}} for a chat JSONL file, a text/markdown file, or a folder of them."""
    if path.is_file() and path.suffix == ".jsonl":
        return {path: jsonl_passages(path)}
    return {f: file_passages(f, split) for f in text_files(path)}


def index_path(path: Path, db: Path | None, collection: str, url: str | None, split: str, quiet: bool) -> None:
    """Each file is a source: re-indexing it replaces its passages (a changed fact replaces the old one)."""
    sources = source_passages(path, split)
    total = sum(len(p) for p in sources.values())
    if not total:
        raise RagftError(f"{path}: no passages to index")
    kb = open_kb(db, collection, url, must_exist=False)
    added = removed = 0
    with Reporter(quiet).bar("indexing", total) as advance:
        for file, passages in sources.items():
            new, stale = kb.sync_source(str(file.resolve()), passages, progress=advance)
            added, removed = added + new, removed + stale
    typer.echo(
        f"indexed {total} passages from {len(sources)} file(s) ({added} new, {removed} replaced or removed); "
        f"{kb.count()} in {kb.location} [{collection}]"
    )


def ask_question(
    question: str, db: Path | None, collection: str, url: str | None, model: str, k: int, device: str
) -> None:
    """The grounded RAG answer (rag/answer.py, as the `rag` arm makes it), its checked citations and the
    sentence that supports each, and the passages it read."""
    rag = RagConfig(k=k)
    kb = open_kb(db, collection, url)
    candidates = Retriever(kb, settings_from_config(rag)).retrieve([question])
    hits = select_passages([question], candidates, selection_from_config(rag))[0]
    loaded = load_model(model, device)
    chat = LocalChatModel(loaded.model, loaded.tokenizer)
    vocabulary = None
    if rag.unknown_names:
        vocabulary = KnowledgeVocabulary(kb.all_passages().values())
    [answer] = answer_grounded(
        chat,
        [question],
        [hits],
        PromptConfig(),
        GenerationSettings(),
        choose_values=rag.value_choice,
        vocabulary=vocabulary,
    )
    out.print(answer.text, markup=False, highlight=False)
    if answer.unmentioned:
        out.print(
            "(no passage of the knowledge base names this, so the model was not asked; the closest passages follow)",
            markup=False,
            highlight=False,
        )
    if answer.value_chosen:
        out.print(
            "(the model's own answer stated none of the passages' values of the asked kind; "
            "this is the one it chose among them)",
            markup=False,
            highlight=False,
        )
    if answer.citations:
        how = " (the model chose it when asked for a citation)" if answer.forced else ""
        out.print(f"\nCitations{how}:", markup=False, highlight=False)
        for c in answer.citations:
            verdict = (
                f'supports the answer: "{c.sentence}"'
                if c.valid
                else "does NOT support the answer (no sentence of it states this value for what was asked)"
            )
            out.print(f"  [{c.number}] {verdict}", markup=False, highlight=False)
    else:
        out.print("\nCitations: none (the answer cites no passage)")
    cited = [c.number for c in answer.citations if 1 <= c.number <= len(hits)]
    shown = cited or list(range(1, len(hits) + 1))
    out.print("\nPassages used:" if cited else "\nPassages retrieved:")
    for n in shown:
        out.print(f"  [{n}] ({hits[n - 1].id}) {hits[n - 1].text}", markup=False, highlight=False)


def kb_list(db: Path | None, collection: str, url: str | None, source: str | None, limit: int) -> None:
    kb = open_kb(db, collection, url)
    table = Table(title=f"{kb.location} [{collection}]: {kb.count()} passages")
    for col in ("id", "source", "passage"):
        table.add_column(col, overflow="fold")
    for p in kb.get(source=source, limit=limit):
        table.add_row(p.id, p.source or "", p.text[:120])
    out.print(table)


def kb_stats(db: Path | None, collection: str, url: str | None) -> None:
    kb = open_kb(db, collection, url)
    sources = kb.sources()
    out.print(
        f"{kb.location} [{collection}]: {kb.count()} passages from {len(sources)} source(s)",
        markup=False,
        highlight=False,
    )
    for source, n in sources.most_common():
        out.print(f"  {n:6d}  {source}", markup=False, highlight=False)


def kb_delete(
    db: Path | None, collection: str, url: str | None, ids: list[str], source: str | None, drop: bool
) -> None:
    if not ids and not source and not drop:
        raise RagftError("kb delete: give passage ids, --source FILE, or --all")
    kb = open_kb(db, collection, url)
    if drop:
        count = kb.count()
        kb.drop()
        typer.echo(f"deleted collection {collection!r} ({count} passages)")
        return
    if source:
        ids = ids + [p.id for p in kb.get(source=str(Path(source).resolve()))]
        if not ids:
            raise RagftError(f"no passages from source {source}")
    missing = [i for i in ids if not kb.get(ids=[i])]
    if missing:
        raise RagftError(f"no passage with id {missing[0]} in {kb.location} [{collection}]")
    typer.echo(f"deleted {kb.delete(ids)} passage(s); {kb.count()} left")
