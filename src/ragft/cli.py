"""The `ragft` command line. Each command parses options and calls one function; no logic here."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from typer.core import TyperGroup

from ragft.errors import RagftError

class _Group(TyperGroup):
    """Turns a RagftError from any command into one line on stderr and exit code 1."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except RagftError as e:
            typer.secho(f"error: {e}", fg=typer.colors.RED, err=True)
            raise typer.Exit(1) from None


app = typer.Typer(cls=_Group, help="Fine-tune or retrieve? ragft measures it on a local LLM.", no_args_is_help=True,
                  pretty_exceptions_enable=False, add_completion=False)
data_app = typer.Typer(help="Generate and check chat JSONL datasets.", no_args_is_help=True)
app.add_typer(data_app, name="data")

QUIET = typer.Option(False, "--quiet", "-q", help="No progress bars.")
MODEL_HELP = "Catalogue name (smollm2-135m-instruct), local HF dir, adapter dir, .gguf file or hub id."


@data_app.command("cities")
def data_cities(
    n: int = typer.Option(100, "-n", min=1, help="Number of cities."),
    seed: int = typer.Option(42, "--seed", help="Random seed (42 = the seed's data)."),
    out: Optional[Path] = typer.Option(None, "-o", "--out", help="Output file (default: stdout)."),
) -> None:
    """Write the seed's fake-city dataset as OpenAI chat JSONL."""
    from ragft import atomic
    from ragft.data.cities import city_conversations, to_jsonl

    text = to_jsonl(city_conversations(n, seed))
    if out is None:
        typer.echo(text)
    else:
        atomic.write_text(out, text)
        typer.echo(f"wrote {n} conversations to {out}", err=True)


@data_app.command("validate")
def data_validate(
    file: Path = typer.Argument(..., help="Chat JSONL file."),
    model: str = typer.Option("smollm2-135m-instruct", "--model", "-m", help="Tokenizer for token counts. " + MODEL_HELP),
    max_tokens: int = typer.Option(16385, "--max-tokens", help="Per-example token limit (OpenAI's: 16385)."),
) -> None:
    """Check a chat fine-tuning file the way OpenAI does; print FILE:LINE: problem for each issue."""
    from ragft.commands import validate

    raise typer.Exit(validate(file, model, max_tokens))


@app.command("finetune")
def finetune(
    file: Path = typer.Argument(..., help="Chat JSONL training file."),
    model: str = typer.Option("smollm2-135m-instruct", "--model", "-m", help=MODEL_HELP),
    method: str = typer.Option("full", "--method", help="full or lora."),
    epochs: str = typer.Option("auto", "--epochs", help="Number of epochs, or auto (OpenAI's rule)."),
    lr: Optional[float] = typer.Option(None, "--lr", help="Learning rate (default 5e-5 full, 2e-4 lora)."),
    batch_size: int = typer.Option(8, "--batch-size", min=1),
    seed: int = typer.Option(42, "--seed"),
    out: Optional[Path] = typer.Option(None, "--out", help="Output directory (default runs/finetune-<time>)."),
    device: str = typer.Option("auto", "--device", help="auto, cpu or cuda."),
    quiet: bool = QUIET,
) -> None:
    """Fine-tune a model locally (loss on assistant tokens only); saves a model or LoRA adapter."""
    from ragft.commands import finetune_file

    finetune_file(file, model, method, epochs, lr, batch_size, seed, out, device, quiet)


@app.command("index")
def index(
    file: Path = typer.Argument(..., help="Chat JSONL (assistant answers are indexed) or text file (one passage per line)."),
    db: Optional[Path] = typer.Option(None, "--db", help="Knowledge base directory (default $RAGFT_HOME/kb)."),
    collection: str = typer.Option("knowledge", "--collection"),
    quiet: bool = QUIET,
) -> None:
    """Build or extend a Chroma knowledge base."""
    from ragft.commands import index_file

    index_file(file, db, collection, quiet)


@app.command("ask")
def ask(
    question: str = typer.Argument(..., help="The question."),
    db: Optional[Path] = typer.Option(None, "--db", help="Knowledge base directory (default $RAGFT_HOME/kb)."),
    collection: str = typer.Option("knowledge", "--collection"),
    model: str = typer.Option("smollm2-135m-instruct", "--model", "-m", help=MODEL_HELP),
    k: int = typer.Option(5, "-k", min=1, help="Passages to retrieve."),
    device: str = typer.Option("auto", "--device"),
) -> None:
    """Answer a question from the knowledge base (RAG) and show the passages used."""
    from ragft.commands import ask_question

    ask_question(question, db, collection, model, k, device)


@app.command("run")
def run(
    preset: Optional[str] = typer.Option(None, "--preset", help="Named experiment (seed)."),
    config: Optional[Path] = typer.Option(None, "--config", help="YAML experiment config."),
    data: Optional[Path] = typer.Option(None, "--data", help="Your own chat JSONL instead of the cities."),
    arms: Optional[str] = typer.Option(None, "--arms", help="Comma-separated: base,finetuned,rag,finetuned+rag."),
    out: Optional[Path] = typer.Option(None, "--out", help="Run directory (default runs/<preset>-<time>)."),
    limit: Optional[int] = typer.Option(None, "--limit", min=1, help="Evaluate only the first N questions."),
    model: Optional[str] = typer.Option(None, "--model", "-m", help=MODEL_HELP),
    method: Optional[str] = typer.Option(None, "--method", help="Fine-tuning method: full or lora."),
    epochs: Optional[str] = typer.Option(None, "--epochs", help="Fine-tuning epochs, or auto."),
    device: Optional[str] = typer.Option(None, "--device", help="auto, cpu or cuda."),
    quiet: bool = QUIET,
) -> None:
    """Run the whole experiment and write the report."""
    from ragft.commands import run_experiment

    run_experiment(preset, config, data, arms, out, limit, model, method, epochs, device, quiet)
