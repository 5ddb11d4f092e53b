"""The experiment's dataset: the seed's generated cities, or the user's own chat JSONL."""

from __future__ import annotations

from pathlib import Path

from ragft.config import DataConfig
from ragft.data.cities import city_conversations
from ragft.data.validate import validate_file
from ragft.errors import RagftError

MAX_SHOWN = 3


def read_chat_file(path: Path, min_examples: int = 1) -> list[dict]:
    """The conversations of a chat JSONL file; any problem raises one RagftError naming FILE:LINE."""
    report = validate_file(Path(path), min_examples=min_examples)
    if not report.ok:
        shown = "; ".join(str(p) for p in report.errors[:MAX_SHOWN])
        more = f" (+{len(report.errors) - MAX_SHOWN} more; see `ragft data validate {path}`)" \
            if len(report.errors) > MAX_SHOWN else ""
        raise RagftError(f"{shown}{more}")
    return report.examples


def load_conversations(data: DataConfig, min_examples: int = 1) -> tuple[list[dict], str]:
    """Returns (conversations, a description for reports). Invalid files raise RagftError."""
    if data.source == "cities":
        return city_conversations(data.n, data.seed), f"cities (n={data.n}, seed={data.seed})"
    return read_chat_file(Path(data.source), min_examples), str(data.source)
