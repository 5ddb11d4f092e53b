"""The experiment's dataset: a generated one (cities, people, orgs), or the user's own chat JSONL."""

from __future__ import annotations

from pathlib import Path

from ragft.data.config import DataConfig
from ragft.data.sources import generate, generated_description, generator_names, is_generator
from ragft.data.validate import validate_file
from ragft.errors import RagftError

MAX_SHOWN = 3


def read_chat_file(path: Path, min_examples: int = 1) -> list[dict]:
    """The conversations of a chat JSONL file; any problem raises one RagftError naming FILE:LINE."""
    report = validate_file(Path(path), min_examples=min_examples)
    if not report.ok:
        shown = "; ".join(str(p) for p in report.errors[:MAX_SHOWN])
        more = (
            f" (+{len(report.errors) - MAX_SHOWN} more; see `ragft data validate {path}`)"
            if len(report.errors) > MAX_SHOWN
            else ""
        )
        raise RagftError(f"{shown}{more}")
    return report.examples


def load_conversations(data: DataConfig, min_examples: int = 1) -> tuple[list[dict], str]:
    """Returns (conversations, a description for reports). Invalid files raise RagftError."""
    if is_generator(data.source):  # a registered name wins over a file of the same name, as "cities" always did
        return generate(data.source, data.n, data.seed), generated_description(data.source, data.n, data.seed)
    path = Path(data.source)
    if not path.exists() and len(path.parts) == 1 and not path.suffix:  # likely a misspelt generator name
        raise RagftError(f"{path}: no such file, and not a generator ({', '.join(generator_names())})")
    return read_chat_file(path, min_examples), str(data.source)
