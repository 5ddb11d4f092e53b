"""The `ragft` command line. Each command parses options and calls one function; no logic here."""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from pathlib import Path
from typing import Optional

import typer
from typer.core import TyperGroup

from ragft.cli_data import MODEL_HELP, data_app
from ragft.commands import (
    RUN_OPTIONS,
    ApiKeys,
    finetune_file,
    report_again,
    resume_experiment,
    run_config,
    run_experiment,
)
from ragft.commands import serve as serve_api
from ragft.data.recipes.recipe import recipes as recipe_registry
from ragft.errors import ON_TERMINATE, RagftError
from ragft.evaluate.context import contexts as context_registry
from ragft.knowledge import ask_question, index_path
from ragft.studies.registry import studies as study_registry


class _Group(TyperGroup):
    """Turns a RagftError (or a file system refusal) from any command into one line on stderr and exit code 1,
    and a SIGTERM into an interrupt."""

    def invoke(self, ctx):
        try:
            with _sigterm_as_interrupt():
                return super().invoke(ctx)
        except RagftError as e:
            typer.secho(f"error: {e}", fg=typer.colors.RED, err=True)
            raise typer.Exit(1) from None
        except OSError as e:  # a file system refusal no check foresaw: still one line naming the path
            where = f"{e.filename}: " if e.filename else ""
            typer.secho(f"error: {where}{e.strerror or e}", fg=typer.colors.RED, err=True)
            raise typer.Exit(1) from None


TERMINATE_GRACE_S = 10.0  # after SIGTERM, unwinding gets this long before the process exits regardless


@contextlib.contextmanager
def _sigterm_as_interrupt():
    """`kill` (SIGTERM) stops a command the way Ctrl-C does: a run marks itself FAILED, temp files go.

    The marker is written first, and the process ends within TERMINATE_GRACE_S whatever happens: an interrupt
    that lands in a C++ callback (torch, tokenizers) aborts instead of unwinding, and one that lands in a
    weakref or import-lock callback is swallowed, as Ctrl-C would be there too."""

    def interrupt(signum, frame):
        reason = f"terminated by signal {signum}"
        for hook in list(ON_TERMINATE):
            hook(KeyboardInterrupt(reason))
        watchdog = threading.Timer(TERMINATE_GRACE_S, os._exit, (128 + signum,))
        watchdog.daemon = True
        watchdog.start()
        raise KeyboardInterrupt(reason)

    main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, interrupt) if main else None
    try:
        yield
    finally:
        if main:
            signal.signal(signal.SIGTERM, previous)


app = typer.Typer(
    cls=_Group,
    help="Fine-tune or retrieve? ragft measures it on a local LLM.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(data_app, name="data")
kb_app = typer.Typer(help="Inspect and edit a knowledge base.", no_args_is_help=True)
app.add_typer(kb_app, name="kb")

QUIET = typer.Option(False, "--quiet", "-q", help="No progress bars.")


PRECISION_HELP = (
    "auto, fp32 or bf16: auto uses bf16 matmuls where the hardware has them natively (CUDA, CPUs with AMX), else fp32."
)


@app.command("finetune")
def finetune(
    file: Path = typer.Argument(..., help="Chat JSONL training file."),
    model: str = typer.Option("smollm2-135m-instruct", "--model", "-m", help=MODEL_HELP),
    method: str = typer.Option("full", "--method", help="full or lora."),
    epochs: str = typer.Option("auto", "--epochs", help="Number of epochs, or auto (OpenAI's rule)."),
    lr: Optional[float] = typer.Option(None, "--lr", help="Learning rate (default 5e-5 full, 2e-4 lora)."),
    batch_size: int = typer.Option(8, "--batch-size", min=1),
    seed: int = typer.Option(42, "--seed", min=0, max=2**32 - 1),
    out: Optional[Path] = typer.Option(None, "--out", help="Output directory (default runs/finetune-<time>)."),
    device: str = typer.Option("auto", "--device", help="auto, cpu or cuda."),
    precision: str = typer.Option("auto", "--precision", help=PRECISION_HELP),
    quiet: bool = QUIET,
) -> None:
    """Fine-tune a model locally (loss on assistant tokens only); saves a model or LoRA adapter."""
    finetune_file(file, model, method, epochs, lr, batch_size, seed, out, device, quiet, precision)


DB = typer.Option(None, "--db", help="Knowledge base directory (default $RAGFT_HOME/kb).")
COLLECTION = typer.Option("knowledge", "--collection", help="Chroma collection name.")
CHROMA_URL = typer.Option(None, "--chroma-url", help="Use a Chroma server (chroma run) at http://HOST:PORT.")


@app.command("index")
def index(
    path: Path = typer.Argument(..., help="Chat JSONL (its assistant answers), a text/markdown file, or a folder."),
    db: Optional[Path] = DB,
    collection: str = COLLECTION,
    chroma_url: Optional[str] = CHROMA_URL,
    split: str = typer.Option(
        "auto", "--split", help="lines (a passage per line), chunks, or auto: .txt by lines, markdown/rst by chunks."
    ),
    quiet: bool = QUIET,
) -> None:
    """Build or update a knowledge base; re-indexing a file replaces its passages."""
    index_path(path, db, collection, chroma_url, split, quiet)


@app.command("ask")
def ask(
    question: str = typer.Argument(..., help="The question."),
    db: Optional[Path] = DB,
    collection: str = COLLECTION,
    chroma_url: Optional[str] = CHROMA_URL,
    model: str = typer.Option("smollm2-135m-instruct", "--model", "-m", help=MODEL_HELP),
    k: int = typer.Option(
        5,
        "-k",
        min=1,
        help="At most this many passages in the prompt (the best one, and those scoring nearly as well).",
    ),
    device: str = typer.Option("auto", "--device"),
) -> None:
    """Answer from the knowledge base (hybrid retrieval), with checked citations and the passages cited."""
    ask_question(question, db, collection, chroma_url, model, k, device)


@kb_app.command("list")
def kb_list(
    db: Optional[Path] = DB,
    collection: str = COLLECTION,
    chroma_url: Optional[str] = CHROMA_URL,
    source: Optional[str] = typer.Option(None, "--source", help="Only passages from this file."),
    limit: int = typer.Option(20, "--limit", min=1),
) -> None:
    """List passages: id, source file, text."""
    from ragft.knowledge import kb_list as run

    run(db, collection, chroma_url, source, limit)


@kb_app.command("stats")
def kb_stats(db: Optional[Path] = DB, collection: str = COLLECTION, chroma_url: Optional[str] = CHROMA_URL) -> None:
    """Passages per source."""
    from ragft.knowledge import kb_stats as run

    run(db, collection, chroma_url)


@kb_app.command("delete")
def kb_delete(
    ids: Optional[list[str]] = typer.Argument(None, help="Passage ids (see `ragft kb list`)."),
    db: Optional[Path] = DB,
    collection: str = COLLECTION,
    chroma_url: Optional[str] = CHROMA_URL,
    source: Optional[str] = typer.Option(None, "--source", help="Delete every passage from this file."),
    drop: bool = typer.Option(False, "--all", help="Delete the whole collection."),
) -> None:
    """Delete passages by id or source, or the whole collection."""
    from ragft.knowledge import kb_delete as run

    run(db, collection, chroma_url, ids or [], source, drop)


@app.command("run")
def run(
    ctx: typer.Context,
    preset: Optional[str] = typer.Option(None, "--preset", help="Named experiment: seed, study, study-quick."),
    config: Optional[Path] = typer.Option(None, "--config", help="YAML experiment config."),
    data: Optional[str] = typer.Option(
        None,
        "--data",
        help="Your own chat JSONL, or a generator: cities, people, "
        "orgs, or a mix in one knowledge base (people:2+cities:10).",
    ),
    docs: Optional[Path] = typer.Option(
        None, "--docs", help="A folder of documents (md, txt, rst, html, pdf) as the knowledge; needs --questions."
    ),
    questions: Optional[Path] = typer.Option(
        None, "--questions", help='With --docs: the test set, JSONL lines {"question": ..., "answer": ...}.'
    ),
    train: Optional[Path] = typer.Option(
        None,
        "--train",
        help="With --docs: chat JSONL to fine-tune on (default: continued pre-training on the document chunks).",
    ),
    arms: Optional[str] = typer.Option(
        None,
        "--arms",
        help="Comma-separated: base,finetuned,rag,finetuned+rag,"
        "rag-seed,context,oracle,raft,idk (and V, V+rag, ... for each fine-tune V in "
        "the config's variants; `ragft arms` lists the contexts).",
    ),
    experiments: Optional[str] = typer.Option(
        None,
        "--experiments",
        help="Comma-separated studies (`ragft studies` "
        "lists them): generalization,augmentation,learning_curve (generated "
        "data), update,deletion,unknowns,long_context,raft,errors, behaviour.",
    ),
    out: Optional[Path] = typer.Option(None, "--out", help="Run directory (default runs/<preset>-<time>)."),
    limit: Optional[int] = typer.Option(None, "--limit", min=1, help="Evaluate only the first N questions."),
    model: Optional[str] = typer.Option(None, "--model", "-m", help=MODEL_HELP),
    method: Optional[str] = typer.Option(None, "--method", help="Fine-tuning method: full or lora."),
    epochs: Optional[str] = typer.Option(None, "--epochs", help="Fine-tuning epochs, or auto."),
    device: Optional[str] = typer.Option(None, "--device", help="auto, cpu or cuda."),
    precision: Optional[str] = typer.Option(None, "--precision", help=PRECISION_HELP),
    backend: Optional[str] = typer.Option(
        None,
        "--backend",
        help="local, or openai: answer on an OpenAI-compatible endpoint (--model is the endpoint's model name).",
    ),
    base_url: Optional[str] = typer.Option(
        None, "--base-url", help="OpenAI-compatible endpoint, e.g. http://127.0.0.1:8000/v1 (default OPENAI_BASE_URL)."
    ),
    api_key: Optional[str] = typer.Option(
        None,
        "--api-key",
        envvar="OPENAI_API_KEY",
        show_envvar=True,
        help="Key for the endpoint (never written to the run directory).",
    ),
    finetune_backend: Optional[str] = typer.Option(
        None, "--finetune-backend", help="local, or openai: the endpoint's fine-tuning API."
    ),
    chroma_url: Optional[str] = CHROMA_URL,
    judge_model: Optional[str] = typer.Option(
        None, "--judge-model", help="Also grade every answer with this model on an OpenAI-compatible endpoint."
    ),
    judge_url: Optional[str] = typer.Option(
        None, "--judge-url", help="The judge's endpoint (default OPENAI_BASE_URL)."
    ),
    judge_api_key: Optional[str] = typer.Option(
        None,
        "--judge-api-key",
        envvar="RAGFT_JUDGE_API_KEY",
        show_envvar=True,
        help="The judge's key (default: --api-key).",
    ),
    test: Optional[Path] = typer.Option(
        None,
        "--test",
        help="With --data FILE: held-out questions asked besides "
        'the trained ones, JSONL lines {"question": ..., "answer": ...}.',
    ),
    rewriter_url: Optional[str] = typer.Option(
        None,
        "--rewriter-url",
        help="An OpenAI-compatible endpoint that rewords each trained question: held-out phrasings of your data.",
    ),
    rewriter_model: Optional[str] = typer.Option(
        None, "--rewriter-model", help="The rewriter's model (default gpt-4o-mini)."
    ),
    rewriter_api_key: Optional[str] = typer.Option(
        None, "--rewriter-api-key", envvar="RAGFT_REWRITER_API_KEY", show_envvar=True, help="The rewriter's key."
    ),
    generator_url: Optional[str] = typer.Option(
        None,
        "--generator-url",
        help="An OpenAI-compatible endpoint that writes the document recipes' synthetic questions and texts "
        "(key: RAGFT_GENERATOR_API_KEY); default: the local model proposes questions.",
    ),
    generator_model: Optional[str] = typer.Option(
        None, "--generator-model", help="The generator's model (default gpt-4o-mini)."
    ),
    seeds: Optional[int] = typer.Option(
        None,
        "--seeds",
        min=1,
        max=20,
        help="Repeat the run N times with data and training seeds moved by 0..N-1; report mean ± std per arm.",
    ),
    resume: Optional[Path] = typer.Option(
        None,
        "--resume",
        help="Continue a killed run in RUN_DIR with its own "
        "config.yaml: the arms it answered and the fine-tunes it saved are not "
        "redone (keys come from the options and environment, as before).",
    ),
    quiet: bool = QUIET,
) -> None:
    """Run the whole experiment and write the report."""
    keys = ApiKeys(api_key, judge_api_key, rewriter_api_key)
    if resume is not None:
        not_experiment = {"resume", "api_key", "judge_api_key", "rewriter_api_key", "quiet"}
        given = [
            p.opts[0]
            for p in ctx.command.params  # typer carries its own click: compare by name
            if p.name not in not_experiment and getattr(ctx.get_parameter_source(p.name), "name", "") == "COMMANDLINE"
        ]
        if given:
            raise RagftError(f"--resume continues {resume} with its own config.yaml; drop {', '.join(given)}")
        return resume_experiment(resume, quiet, keys)
    options = {name: ctx.params[name] for name in RUN_OPTIONS}
    run_experiment(run_config(preset, config, options), out, quiet, keys)


@app.command("report")
def report(
    run_dir: Path = typer.Argument(..., help="A finished run's directory (the one with results.json)."),
) -> None:
    """Write a finished run's report again from its results.json and predictions.jsonl, without running anything."""
    paths = report_again(run_dir)
    typer.echo(f"report: {paths[1]}")


@app.command("arms")
def arms() -> None:
    """List the contexts an arm answers in: the untouched model's arm, and a fine-tune V's (V plus the suffix)."""
    for context in context_registry():
        typer.echo(f"{context.untouched_name:<10} V{context.suffix or ' (bare name)':<12} {context.description}")


@app.command("studies")
def studies() -> None:
    """List the studies a run can add beside its arms (--experiments, config `experiments:`)."""
    for study in study_registry():
        typer.echo(f"{study.name:<16} {study.summary}")


@app.command("recipes")
def recipes() -> None:
    """List the fine-tuning recipes for documents a variant can train on (`train_on:` in a config's variants)."""
    for recipe in recipe_registry().values():
        typer.echo(f"{recipe.name:<14} {recipe.summary}")


@app.command("serve")
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to bind (loopback by default)."),
    port: int = typer.Option(8000, "--port", min=0, max=65535),
    data_dir: Optional[Path] = typer.Option(
        None, "--data-dir", help="Files, jobs, models (default $RAGFT_HOME/server)."
    ),
    api_key: Optional[str] = typer.Option(
        None,
        "--api-key",
        envvar="RAGFT_API_KEY",
        show_envvar=True,
        help="Require 'Authorization: Bearer KEY' on every request.",
    ),
    model_alias: Optional[list[str]] = typer.Option(
        None, "--model-alias", help="NAME=MODEL (repeatable): serve MODEL (anything --model takes) as NAME."
    ),
    device: str = typer.Option("auto", "--device", help="auto, cpu or cuda."),
    max_upload_mb: int = typer.Option(100, "--max-upload-mb", min=1, help="Largest request body (uploads)."),
    max_queue: int = typer.Option(
        64,
        "--max-queue",
        min=1,
        help="Generations (a request's prompts × n) running or waiting at once; more are answered 429 (retry later).",
    ),
    max_batch: int = typer.Option(
        64, "--max-batch", min=1, help="Most choices of concurrent requests decoded together in one batch."
    ),
    finetune_method: str = typer.Option("full", "--finetune-method", help="How jobs train: full or lora."),
) -> None:
    """Serve the local models and trainer through the OpenAI HTTP API (/v1/...)."""
    serve_api(
        host, port, data_dir, api_key, model_alias or [], device, max_upload_mb, finetune_method, max_queue, max_batch
    )
