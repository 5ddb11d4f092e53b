"""Fine-tune with a progress bar and save: shared by `ragft finetune` and `ragft run`."""

from __future__ import annotations

import math
from pathlib import Path

from ragft.finetune.train import TrainSettings, save_finetuned, train
from ragft.progress import Reporter


def finetune_and_save(loaded, conversations: list[dict], settings: TrainSettings, out: Path,
                      reporter: Reporter):
    """Train `loaded.model` in place (LoRA wraps it) and save to `out`. Returns (model, TrainResult)."""
    steps = math.ceil(len(conversations) / settings.batch_size) * settings.epochs
    label = f"fine-tuning ({settings.method}, {settings.epochs} epoch{'s' if settings.epochs > 1 else ''})"
    with reporter.stage("finetune"), reporter.bar(label, steps) as advance:
        def on_step(step: int, total: int, loss: float | None) -> None:
            advance(1, **({"loss": loss} if loss is not None else {}))

        model, result = train(loaded.model, loaded.tokenizer, conversations, settings, on_step)
    with reporter.stage("save_finetuned"):
        save_finetuned(model, loaded.tokenizer, out, loaded.name, result)
    return model, result


def settings_from_config(ft, n_examples: int, seed: int, precision: str = "auto") -> TrainSettings:
    """TrainSettings from a FinetuneConfig, with 'auto' epochs resolved by OpenAI's rule."""
    from ragft.finetune.epochs import resolve_epochs

    return TrainSettings(method=ft.method, epochs=resolve_epochs(ft.epochs, n_examples),
                         learning_rate=ft.learning_rate, batch_size=ft.batch_size, max_length=ft.max_length,
                         seed=seed, lora_r=ft.lora_r, lora_alpha=ft.lora_alpha, precision=precision)

