"""What a run has finished, kept in RUN_DIR/stages/, so `ragft run --resume RUN_DIR` does not redo it.

Each arm's answers are written as soon as the arm is done, and each fine-tune's summary (with its
learning curve) once its weights are saved whole (the save is atomic: finetune/train.py); a resumed
run reads them back instead of answering or training again. The same config and seed make the same
data, so what is read back is what the run would have made; the runner checks that the questions are
the ones the run started with.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from ragft import atomic
from ragft.errors import RagftError
from ragft.evaluate.records import Record

STAGES = "stages"


class Checkpoints:
    def __init__(self, run_dir: Path):
        self.dir = run_dir / STAGES

    def _path(self, kind: str, name: str, suffix: str) -> Path:
        return self.dir / f"{kind}-{re.sub(r'[^A-Za-z0-9.+_-]', '_', name)}{suffix}"

    def answers(self, arm: str) -> list[Record] | None:
        """The arm's records if it finished, else None."""
        path = self._path("answers", arm, ".jsonl")
        if not path.is_file():
            return None
        try:
            return [Record(**json.loads(line)) for line in path.read_text(encoding="utf-8").splitlines() if line]
        except (ValueError, TypeError) as e:
            raise RagftError(f"{path}: not a finished stage ({e}); delete it to redo that arm") from None

    def save_answers(self, arm: str, records: list[Record]) -> None:
        self.dir.mkdir(exist_ok=True)
        atomic.write_jsonl(self._path("answers", arm, ".jsonl"), [r.to_dict() for r in records])

    def finetune(self, variant: str) -> dict | None:
        """{"summary": the fine-tune's summary, "curve": its learning curve or None} if it finished, else None."""
        path = self._path("finetune", variant, ".json")
        if not path.is_file():
            return None
        try:
            state = json.loads(path.read_text(encoding="utf-8"))
            state["summary"]  # noqa: B018 - a stage without it is not one this module wrote
        except (ValueError, KeyError, TypeError) as e:
            raise RagftError(f"{path}: not a finished stage ({e}); delete it to train that fine-tune again") from None
        return state

    def save_finetune(self, variant: str, summary: dict, curve: dict | None) -> None:
        self.dir.mkdir(exist_ok=True)
        atomic.write_json(self._path("finetune", variant, ".json"), {"summary": summary, "curve": curve})
