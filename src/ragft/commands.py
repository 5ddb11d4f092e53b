"""What each CLI command does, as plain functions (the CLI only parses options)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import typer
from rich.console import Console
from rich.table import Table

from ragft import atomic
from ragft.config import ExperimentConfig, load_config, one_line_error
from ragft.data.load import read_chat_file
from ragft.data.sources import generator_names, is_generator
from ragft.data.validate import MIN_EXAMPLES, validate_file
from ragft.errors import ON_TERMINATE, RagftError
from ragft.evaluate.repetitions import run_seeds
from ragft.evaluate.results import RESULTS, RunResults, SeedsResults, read_results
from ragft.evaluate.run_dir import default_run_dir, prepare_run_dir
from ragft.evaluate.runner import Experiment
from ragft.finetune.chat_format import tools_of
from ragft.finetune.config import FinetuneConfig
from ragft.finetune.run import finetune_with_progress, settings_from_config
from ragft.finetune.tokenize import count_tokens
from ragft.models.loading import (
    DEVICE_PATTERN,
    adapter_base,
    classify_model,
    load_model,
    quiet_transformers,
    resolve_model,
)
from ragft.models.precision import PRECISIONS
from ragft.paths import check_writable_dir, ragft_home
from ragft.progress import Reporter
from ragft.report.repetitions import render_seed_reports
from ragft.report.write import render_reports

out = Console()


def _load_tokenizer(model: str):
    from transformers import AutoTokenizer

    quiet_transformers()
    kind, where = resolve_model(model)
    if kind == "adapter":
        return _load_tokenizer(adapter_base(Path(where)))
    return AutoTokenizer.from_pretrained(where)


def validate(file: Path, model: str, max_tokens: int) -> int:
    """Print one line per problem and a summary; return the exit code (1 on any error)."""
    tokenizer = _load_tokenizer(model)
    report = validate_file(
        file, lambda example: count_tokens(tokenizer, example["messages"], tools_of(example)), max_tokens
    )
    for problem in report.problems:
        typer.echo(str(problem))
    for line in report.summary_lines():
        typer.echo(line)
    if report.token_counts:
        typer.echo(f"(tokens counted with {model}'s tokenizer and chat template)")
    return 0 if report.ok else 1


def _parse_epochs(epochs: str | None) -> int | str | None:
    if epochs is None or epochs == "auto":
        return epochs
    if not epochs.isdigit() or int(epochs) < 1:
        raise RagftError(f"--epochs must be a positive integer or 'auto', got {epochs!r}")
    return int(epochs)


def finetune_file(
    file: Path,
    model: str,
    method: str,
    epochs: str,
    lr: float | None,
    batch_size: int,
    seed: int,
    out_dir: Path | None,
    device: str,
    quiet: bool,
    precision: str = "auto",
) -> None:
    from pydantic import ValidationError

    if method not in ("full", "lora"):
        raise RagftError(f"--method must be full or lora, got {method!r}")
    if precision not in PRECISIONS:
        raise RagftError(f"--precision must be one of {', '.join(PRECISIONS)}, got {precision!r}")
    conversations = read_chat_file(file, min_examples=MIN_EXAMPLES)
    out_dir = check_writable_dir(out_dir or Path("runs") / f"finetune-{dt.datetime.now():%Y%m%d-%H%M%S}", "--out")
    if out_dir.exists() and any(out_dir.iterdir()):
        raise RagftError(f"output directory {out_dir} already exists and is not empty")
    try:
        config = FinetuneConfig(method=method, epochs=_parse_epochs(epochs), learning_rate=lr, batch_size=batch_size)
    except ValidationError as e:
        raise one_line_error(e, "ragft finetune") from None
    settings = settings_from_config(config, len(conversations), seed, precision)
    reporter = Reporter(quiet)
    with reporter.stage("load_model"), reporter.spinner(f"loading {model}"):
        loaded = load_model(model, device)
    _, result = finetune_with_progress(loaded, conversations, settings, out_dir, reporter)
    typer.echo(
        f"{settings.method} fine-tuning ({result.precision}): {result.examples} examples, "
        f"{result.epochs} epochs, {result.steps} steps, final loss {result.final_loss:.4f}, "
        f"{result.seconds:.1f} s"
    )
    typer.echo(f"saved to {out_dir}  (use it with --model {out_dir})")


def _listed(option: str | None) -> list[str] | None:
    """A comma-separated option as a list (None: not given)."""
    return [a.strip() for a in option.split(",") if a.strip()] if option is not None else None


def _path(value) -> str:
    return str(value)


# `ragft run`'s options and the config key each sets, with how its text becomes the key's value: the one place a
# command-line option meets the config (an option not given leaves the preset's or the config file's value).
RUN_OPTIONS: dict[str, tuple[str, Callable | None]] = {
    "data": ("data.source", _path),
    "docs": ("data.docs", _path),
    "questions": ("data.questions", _path),
    "train": ("data.train", _path),
    "test": ("data.test", _path),
    "rewriter_url": ("data.rewriter_url", None),
    "rewriter_model": ("data.rewriter_model", None),
    "generator_url": ("data.generator_url", None),
    "generator_model": ("data.generator_model", None),
    "judge_model": ("judge.model", None),
    "judge_url": ("judge.url", None),
    "arms": ("arms", _listed),
    "experiments": ("experiments", _listed),
    "limit": ("limit", None),
    "model": ("model", None),
    "method": ("finetune.method", None),
    "epochs": ("finetune.epochs", _parse_epochs),
    "device": ("device", None),
    "precision": ("precision", None),
    "backend": ("backend.type", None),
    "base_url": ("backend.base_url", None),
    "finetune_backend": ("backend.finetune", None),
    "chroma_url": ("rag.chroma_url", None),
    "seeds": ("seeds", None),
}


class ApiKeys(NamedTuple):
    """Keys for the endpoints a run talks to: never part of the config, never written to the run directory."""

    api_key: str | None = None
    judge: str | None = None
    rewriter: str | None = None


def run_config(preset: str | None, config_file: Path | None, options: dict) -> ExperimentConfig:
    """The config `ragft run` runs: the preset (seed when nothing else names the knowledge), the config file on top,
    then each option given (`options`: {RUN_OPTIONS name: value or None})."""
    data, docs = options.get("data"), options.get("docs")
    if preset is None and config_file is None and data is None and docs is None:
        preset = "seed"  # the seed experiment; with your own knowledge, the defaults (config.py)
    if data is not None and not is_generator(data) and not Path(data).is_file():
        raise RagftError(
            f"--data {data}: no such file, and not a generator ({', '.join(generator_names())}, "
            "or a mix like people:2+cities:10)"
        )
    for option in ("docs", "questions", "train", "test"):
        path = options.get(option)
        if path is not None and not Path(path).exists():
            raise RagftError(f"--{option} {path}: no such file or directory")
    overrides = {}
    for name, value in options.items():
        key, convert = RUN_OPTIONS[name]
        if value is not None:
            overrides[key] = convert(value) if convert else value
    return load_config(preset, config_file, overrides)


def run_experiment(config: ExperimentConfig, out_dir: Path | None, quiet: bool, keys: ApiKeys = ApiKeys()) -> None:
    """Run `config` into OUT_DIR (default runs/<preset>-<time>) and print its summary."""
    if config.backend.type == "local":
        classify_model(config.model)  # fail on a bad --model before creating the run directory
    run_dir = prepare_run_dir(out_dir or default_run_dir(config))
    reporter = Reporter(quiet)
    reporter.log(f"run directory: {run_dir}")
    if config.seeds > 1:
        result = _marking_failure(
            run_dir,
            lambda: run_seeds(
                config,
                run_dir,
                reporter,
                api_key=keys.api_key,
                judge_api_key=keys.judge,
                rewriter_api_key=keys.rewriter,
            ),
        )
        print_seeds(result.results)
        typer.echo(f"report: {run_dir / 'report.html'}")
        return
    _run_and_print(config, run_dir, reporter, keys)


def resume_experiment(run_dir: Path, quiet: bool, keys: ApiKeys = ApiKeys()) -> None:
    """`ragft run --resume RUN_DIR`: the killed run again, from its config.yaml, its finished stages read back."""
    if not (run_dir / "config.yaml").is_file():
        raise RagftError(f"--resume {run_dir}: not a run directory (no config.yaml)")
    if (run_dir / RESULTS).exists():
        raise RagftError(f"--resume {run_dir}: the run is complete ({RESULTS} is there); nothing to resume")
    config = load_config(None, run_dir / "config.yaml", {})
    if config.seeds > 1:
        raise RagftError(f"--resume {run_dir}: a run of several seeds cannot be resumed; start it again")
    (run_dir / "FAILED").unlink(missing_ok=True)  # written again if this try fails too
    reporter = Reporter(quiet)
    reporter.log(f"resuming {run_dir}")
    _run_and_print(config, run_dir, reporter, keys, resume=True)


def report_again(run_dir: Path) -> list[Path]:
    """A finished run's report written again from its results.json and per-question records (after an upgrade of
    ragft, say): the numbers are read, not measured again."""
    if not (run_dir / RESULTS).is_file():
        raise RagftError(
            f"{run_dir}: no {RESULTS}, so not a finished run (a run that stopped is finished by ragft run --resume)"
        )
    results = read_results(run_dir / RESULTS)
    if isinstance(results, SeedsResults):
        render_seed_reports(results, run_dir)
        return [run_dir / "report.md", run_dir / "report.html"]
    records = run_dir / "predictions.jsonl"
    try:
        rows = [json.loads(line) for line in records.read_text(encoding="utf-8").splitlines() if line.strip()]
    except OSError as e:
        raise RagftError(f"{records}: cannot read the run's records ({e.strerror or e})") from None
    except ValueError as e:
        raise RagftError(f"{records}: not JSON lines ({e})") from None
    return render_reports(results, rows, run_dir)


def _run_and_print(config: ExperimentConfig, run_dir: Path, reporter: Reporter, keys: ApiKeys, resume=False) -> None:
    """One run into `run_dir` (FAILED written if it fails), its summary table and where its report is."""
    experiment = Experiment(config, run_dir, reporter, keys.api_key, keys.judge, keys.rewriter, resume=resume)
    print_summary(_marking_failure(run_dir, experiment.run).results)
    typer.echo(f"report: {run_dir / 'report.html'}")


def _marking_failure(run_dir: Path, work):
    """work(), with RUN_DIR/FAILED written when it fails or the process is told to stop (SIGTERM)."""

    def mark_failed(e: BaseException) -> None:
        atomic.write_text(run_dir / "FAILED", f"{type(e).__name__}: {e}\n")

    ON_TERMINATE.append(mark_failed)
    try:
        return work()
    except BaseException as e:
        mark_failed(e)
        raise
    finally:
        ON_TERMINATE.remove(mark_failed)


def print_seeds(results: SeedsResults) -> None:
    """Mean ± std per arm over the seeds, on the terminal."""
    study = results.experiments.seeds
    table = Table(title=f"{results.run_name}: {len(study.seeds)} seeds")
    for col in ("arm", "mean", "std", "per seed"):
        table.add_column(col, justify="left" if col in ("arm", "per seed") else "right")
    for name, m in study.arms.items():
        a = m["accuracy"]
        table.add_row(name, f"{a.mean:.1%}", f"{a.std:.1%}", " ".join(f"{v:.0%}" for v in a.values))
    out.print(table)


def print_summary(results: RunResults) -> None:
    """The results table on the terminal (narrow enough for 80 columns)."""
    table = Table(title=f"{results.run_name}: {results.dataset.questions} questions")
    for col in ("arm", "acc", "95% CI", "correct", "seed", "retr.", "tokens", "s/q"):
        table.add_column(col, justify="left" if col == "arm" else "right")

    def pct(value):
        return "—" if value is None else f"{value:.0%}"

    def number(value, fmt):
        return "—" if value is None else format(value, fmt)

    for name, arm in results.arms.items():
        lo, hi = arm.ci95
        table.add_row(
            name,
            pct(arm.accuracy),
            f"{lo:.0%}–{hi:.0%}",
            f"{arm.correct}/{arm.n}",
            pct(arm.accuracy_seed),
            pct(arm.retrieval_hit_rate),
            number(arm.mean_prompt_tokens, ".0f"),
            number(arm.mean_latency_s, ".2f"),
        )
    out.print(table)
    timings = ", ".join(f"{k} {v:.1f}s" for k, v in results.timings.items())
    out.print(f"[dim]{timings}[/dim]")


def serve(
    host: str,
    port: int,
    data_dir: Path | None,
    api_key: str | None,
    model_alias: list[str],
    device: str,
    max_upload_mb: int,
    finetune_method: str,
    max_queue: int = 64,
    max_batch: int = 64,
) -> None:
    """Run the OpenAI-compatible server until interrupted."""
    import uvicorn

    from ragft.server.app import ServerSettings, create_app
    from ragft.server.registry import parse_aliases

    if finetune_method not in ("full", "lora"):
        raise RagftError(f"--finetune-method must be full or lora, got {finetune_method!r}")
    import re

    if not re.fullmatch(DEVICE_PATTERN, device):
        raise RagftError(f"--device: unknown device {device!r}: use auto, cpu, cuda, cuda:N or mps")
    data_dir = check_writable_dir(data_dir or ragft_home() / "server", "--data-dir")
    settings = ServerSettings(
        data_dir=data_dir,
        aliases=parse_aliases(model_alias),
        api_key=api_key or None,
        device=device,
        max_upload_bytes=max_upload_mb * 2**20,
        finetune_method=finetune_method,
        max_queue=max_queue,
        max_batch=max_batch,
    )
    if host not in ("127.0.0.1", "localhost", "::1") and not api_key:
        typer.secho(
            f"warning: listening on {host} without --api-key: anyone who can reach this address can use "
            f"the models and the trainer",
            fg=typer.colors.YELLOW,
            err=True,
        )
    app = create_app(settings)
    typer.echo(f"ragft serve: http://{host}:{port}/v1 (data in {data_dir}); Ctrl-C stops it", err=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")
