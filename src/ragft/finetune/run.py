"""The one fine-tuning entry point: train, then save where `--model` can load it, atomically.

`ragft finetune`, the experiment runner (every fine-tune of a run) and the server's fine-tuning
jobs all call `finetune`; the first two through `finetune_with_progress`, which draws the bar.
"""

from __future__ import annotations

import math
import os
import shutil
from pathlib import Path

from ragft.finetune.distributed import rank
from ragft.finetune.epochs import resolve_epochs
from ragft.finetune.train import EpochFn, StepFn, TrainSettings, save_finetuned, train
from ragft.progress import Reporter


def save_atomically(model, tokenizer, out: Path, base_model: str, result) -> None:
    """Save into a scratch directory beside `out`, then rename it into place: a run killed while
    saving leaves no half-written model directory that `--model` would try to load."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    scratch = out.parent / f".{out.name}.partial"
    shutil.rmtree(scratch, ignore_errors=True)
    save_finetuned(model, tokenizer, scratch, base_model, result)
    if out.exists():  # an empty directory made beforehand, or the model a server job replaces
        shutil.rmtree(out)
    os.replace(scratch, out)


def finetune(
    model,
    tokenizer,
    conversations: list[dict],
    settings: TrainSettings,
    out: Path,
    base_model: str,
    on_step: StepFn | None = None,
    on_epoch: EpochFn | None = None,
):
    """Train `model` in place (LoRA wraps it: use the returned model) and save it to `out`.

    Returns (model, TrainResult).
    """
    trained, result = train(model, tokenizer, conversations, settings, on_step, on_epoch)
    if rank() == 0:  # under a launcher, one process writes the model
        save_atomically(trained, tokenizer, out, base_model, result)
    return trained, result


def finetune_with_progress(
    loaded,
    conversations: list[dict],
    settings: TrainSettings,
    out: Path,
    reporter: Reporter,
    name: str = "finetune",
    on_epoch: EpochFn | None = None,
):
    """`finetune` with a progress bar and the stage timed under `name`. Returns (model, TrainResult)."""
    steps = math.ceil(len(conversations) / settings.batch_size) * settings.epochs
    label = f"fine-tuning {name} ({settings.method}, {settings.epochs} epoch{'s' if settings.epochs > 1 else ''})"
    with reporter.stage(name), reporter.bar(label, steps) as advance:

        def on_step(step: int, total: int, loss: float | None) -> None:
            advance(1, **({"loss": loss} if loss is not None else {}))

        return finetune(loaded.model, loaded.tokenizer, conversations, settings, out, loaded.name, on_step, on_epoch)


def settings_from_config(ft, n_examples: int, seed: int, precision: str = "auto") -> TrainSettings:
    """TrainSettings from a FinetuneConfig, with 'auto' epochs resolved by OpenAI's rule."""
    return TrainSettings(
        method=ft.method,
        epochs=resolve_epochs(ft.epochs, n_examples),
        learning_rate=ft.learning_rate,
        batch_size=ft.batch_size,
        max_length=ft.max_length,
        seed=seed,
        lora_r=ft.lora_r,
        lora_alpha=ft.lora_alpha,
        precision=precision,
    )
