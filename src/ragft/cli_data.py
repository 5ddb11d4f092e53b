"""`ragft data`: generate and check chat JSONL datasets (the seed's cities, any generated domain, house-style
support replies; OpenAI's fine-tuning checks). Each command parses options and calls one function."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ragft import atomic
from ragft.commands import validate
from ragft.data import support
from ragft.data.cities import to_jsonl
from ragft.data.config import MAX_ENTITIES
from ragft.data.sources import generate
from ragft.errors import RagftError
from ragft.paths import check_writable_dir

MODEL_HELP = "Catalogue name (smollm2-135m-instruct), local HF dir, adapter dir, .gguf file or hub id."
OUT = typer.Option(None, "-o", "--out", help="Output file (default: stdout).")

data_app = typer.Typer(help="Generate and check chat JSONL datasets.", no_args_is_help=True)


@data_app.command("cities")
def data_cities(
    n: int = typer.Option(100, "-n", min=1, max=MAX_ENTITIES, help="Number of cities."),
    seed: int = typer.Option(42, "--seed", help="Random seed (42 = the seed's data)."),
    out: Optional[Path] = OUT,
) -> None:
    """Write the seed's fake-city dataset as OpenAI chat JSONL."""
    _write_generated("cities", n, seed, out)


@data_app.command("people")
def data_people(
    n: int = typer.Option(
        100, "-n", min=1, max=MAX_ENTITIES, help="Number of people (one conversation per fact, 5 each)."
    ),
    seed: int = typer.Option(42, "--seed", help="Random seed."),
    out: Optional[Path] = OUT,
) -> None:
    """Write fictional people (birth year, birthplace, employer, trade, height) as OpenAI chat JSONL."""
    _write_generated("people", n, seed, out)


@data_app.command("orgs")
def data_orgs(
    n: int = typer.Option(
        60, "-n", min=1, max=MAX_ENTITIES, help="Number of organisations (one conversation per fact, 5 each)."
    ),
    seed: int = typer.Option(42, "--seed", help="Random seed."),
    out: Optional[Path] = OUT,
) -> None:
    """Write fictional organisations (founding, staff, headquarters, chief executive, industry) as chat JSONL."""
    _write_generated("orgs", n, seed, out)


@data_app.command("generate")
def data_generate(
    name: str = typer.Argument(
        ..., help="A generated domain (cities, people, orgs, any added one) or a mix of them (people:2+cities:10)."
    ),
    n: int = typer.Option(100, "-n", min=1, max=MAX_ENTITIES, help="Entities (a mix's parts without a count)."),
    seed: int = typer.Option(42, "--seed", help="Random seed."),
    out: Optional[Path] = OUT,
) -> None:
    """Write any generated domain's facts as OpenAI chat JSONL (one conversation per fact)."""
    _write_generated(name, n, seed, out)


@data_app.command("support")
def data_support(
    n: int = typer.Option(200, "-n", min=1, max=MAX_ENTITIES, help="Number of conversations."),
    seed: int = typer.Option(42, "--seed", help="Random seed."),
    format: str = typer.Option("text", "--format", help="text: plain replies; json: {intent, reply, needs_id}."),
    split: str = typer.Option("train", "--split", help="train or test: disjoint user-message templates and slots."),
    out: Optional[Path] = OUT,
) -> None:
    """Write customer-support conversations in a checkable house style (greeting, sign-off, asks for the one
    identifier the request needs, at most 45 words) as chat JSONL: the behaviour experiment's data."""
    if format not in support.FORMATS or split not in support.SPLITS:
        bad, name, choices = (
            ("--format", format, support.FORMATS)
            if format not in support.FORMATS
            else ("--split", split, support.SPLITS)
        )
        raise typer.BadParameter(f"{name!r} is not one of {', '.join(choices)}", param_hint=bad)
    _write_conversations(support.conversations(n, seed, format, split), out, f"{split} conversations")


def _write_generated(name: str, n: int, seed: int, out: Path | None) -> None:
    _write_conversations(generate(name, n, seed), out)


def _write_conversations(conversations: list[dict], out: Path | None, what: str = "conversations") -> None:
    """Chat JSONL to stdout, or atomically to OUT (its folder checked first) with a note on stderr."""
    if out is None:
        typer.echo(to_jsonl(conversations))
        return
    if out.is_dir():
        raise RagftError(f"-o {out}: is a folder; give a file name")
    check_writable_dir(out.parent, "-o")
    atomic.write_text(out, to_jsonl(conversations))
    typer.echo(f"wrote {len(conversations)} {what} to {out}", err=True)


@data_app.command("validate")
def data_validate(
    file: Path = typer.Argument(..., help="Chat JSONL file."),
    model: str = typer.Option(
        "smollm2-135m-instruct", "--model", "-m", help="Tokenizer for token counts. " + MODEL_HELP
    ),
    max_tokens: int = typer.Option(16385, "--max-tokens", min=1, help="Per-example token limit (OpenAI's: 16385)."),
) -> None:
    """Check a chat fine-tuning file the way OpenAI does; print FILE:LINE: problem for each issue."""
    raise typer.Exit(validate(file, model, max_tokens))
