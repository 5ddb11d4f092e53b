"""A run's directory: its default name, the checks before anything is written into it, and the check that a
resumed run asks what it asked before."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from ragft.config import ExperimentConfig
from ragft.data.questions import QAItem
from ragft.errors import RagftError
from ragft.paths import check_writable_dir


def default_run_dir(config: ExperimentConfig, root: Path = Path("runs")) -> Path:
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    base = root / f"{config.preset or 'custom'}-{stamp}"
    path, k = base, 1
    while path.exists():
        k += 1
        path = base.with_name(f"{base.name}-{k}")
    return path


def prepare_run_dir(path: Path) -> Path:
    check_writable_dir(path, "run directory")
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise RagftError(f"run directory {path} already exists and is not empty; choose another --out")
    path.mkdir(parents=True, exist_ok=True)
    return path


def check_same_questions(run_dir: Path, items: list[QAItem]) -> None:
    """A resumed run must ask what it asked before: the data are made again from the same config."""
    path = run_dir / "questions.jsonl"
    try:
        before = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    except (OSError, ValueError) as e:
        raise RagftError(f"{path}: cannot resume without the run's questions ({e})") from None
    if [(q.get("id"), q.get("question")) for q in before] != [(i.id, i.question) for i in items]:
        raise RagftError(
            f"{run_dir}: the data no longer make the questions this run started with "
            "(a data file changed?); start a new run"
        )
