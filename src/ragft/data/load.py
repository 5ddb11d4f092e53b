"""The experiment's dataset: the seed's generated cities, or the user's own chat JSONL."""

from __future__ import annotations

from pathlib import Path

from ragft.config import DataConfig
from ragft.data.cities import city_conversations
from ragft.data.validate import validate_file
from ragft.errors import RagftError

MAX_SHOWN = 3


def load_conversations(data: DataConfig, min_examples: int = 1) -> tuple[list[dict], str]:
    """Returns (conversations, a description for reports). Invalid files raise RagftError."""
    if data.source == "cities":
        return city_conversations(data.n, data.seed), f"cities (n={data.n}, seed={data.seed})"
    report = validate_file(Path(data.source), min_examples=min_examples)
    if not report.ok:
        shown = "; ".join(str(p) for p in report.errors[:MAX_SHOWN])
        more = f" (+{len(report.errors) - MAX_SHOWN} more; see `ragft data validate {data.source}`)" \
            if len(report.errors) > MAX_SHOWN else ""
        raise RagftError(f"{shown}{more}")
    return report.examples, str(data.source)
