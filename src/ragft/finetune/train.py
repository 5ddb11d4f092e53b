"""Fine-tune a loaded model in place on chat conversations (transformers Trainer; LoRA via PEFT)."""

from __future__ import annotations

import json
import math
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ragft.finetune.loss import labelled_loss, supports_labelled_loss
from ragft.finetune.tokenize import IGNORE, tokenize_conversation
from ragft.models.loading import RAGFT_META
from ragft.models.precision import resolve_precision
from ragft.runtime import keep_freed_memory

# Called after each optimizer step with (step, total_steps, loss or None).
StepFn = Callable[[int, int, float | None], None]

DEFAULT_LR = {"full": 5e-5, "lora": 2e-4}


@dataclass(frozen=True)
class TrainSettings:
    method: str = "full"  # "full" or "lora"
    epochs: int = 3
    learning_rate: float | None = None  # None: DEFAULT_LR[method]
    batch_size: int = 8
    max_length: int = 1024
    seed: int = 42
    lora_r: int = 16
    lora_alpha: int = 32
    lora_dropout: float = 0.0
    precision: str = "auto"  # "auto", "fp32" or "bf16" (mixed precision); see models/precision.py

    @property
    def lr(self) -> float:
        return self.learning_rate if self.learning_rate is not None else DEFAULT_LR[self.method]


@dataclass
class TrainResult:
    method: str
    epochs: int
    learning_rate: float
    batch_size: int
    steps: int
    examples: int
    train_tokens: int  # tokens processed (all positions, padding excluded), summed over epochs
    seconds: float
    losses: list[float] = field(default_factory=list)
    # Work done, summed over epochs (0 where the model's own loss ran): tokens through the transformer
    # body (a prefix shared by a batch counted once) and positions the vocabulary projection ran on.
    body_tokens: int = 0
    head_tokens: int = 0
    precision: str = "fp32"

    @property
    def final_loss(self) -> float | None:
        return self.losses[-1] if self.losses else None

    def to_dict(self) -> dict:
        return {**asdict(self), "final_loss": self.final_loss}


def _collate(pad_id: int):
    import torch

    def collate(rows: list[dict]) -> dict:
        width = max(len(r["input_ids"]) for r in rows)
        ids = [r["input_ids"] + [pad_id] * (width - len(r["input_ids"])) for r in rows]
        labels = [r["labels"] + [IGNORE] * (width - len(r["labels"])) for r in rows]
        mask = [[1] * len(r["input_ids"]) + [0] * (width - len(r["input_ids"])) for r in rows]
        return {"input_ids": torch.tensor(ids), "labels": torch.tensor(labels), "attention_mask": torch.tensor(mask)}

    return collate


def _step_callback(on_step: StepFn | None, losses: list[float]):
    from transformers import TrainerCallback

    class Report(TrainerCallback):
        def on_log(self, args, state, control, logs=None, **kwargs):
            if logs and "loss" in logs:
                losses.append(float(logs["loss"]))

        def on_step_end(self, args, state, control, **kwargs):
            if on_step:
                on_step(state.global_step, state.max_steps, losses[-1] if losses else None)

    return Report()


def _trainer_class():
    from transformers import Trainer

    class LabelledLossTrainer(Trainer):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.work: dict[str, int] = {}  # tokens the model's body and head ran on

        def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
            if return_outputs or not supports_labelled_loss(model):
                return super().compute_loss(model, inputs, return_outputs, num_items_in_batch)
            return labelled_loss(model, inputs["input_ids"], inputs["attention_mask"], inputs["labels"], self.work)

    return LabelledLossTrainer


def _length_grouped(arguments_class) -> dict:
    """Batches of near-equal lengths waste little on padding (still shuffled, seeded)."""
    if "train_sampling_strategy" in arguments_class.__dataclass_fields__:
        return {"train_sampling_strategy": "group_by_length"}
    return {"group_by_length": True}  # transformers before the sampling-strategy option


def apply_lora(model, settings: TrainSettings):
    from peft import LoraConfig, get_peft_model

    config = LoraConfig(r=settings.lora_r, lora_alpha=settings.lora_alpha, lora_dropout=settings.lora_dropout,
                        target_modules="all-linear", task_type="CAUSAL_LM")
    return get_peft_model(model, config)


def train(model, tokenizer, conversations: list[dict], settings: TrainSettings,
          on_step: StepFn | None = None):
    """Train and return (model, TrainResult). LoRA wraps the model, so use the returned one."""
    from transformers import PrinterCallback, TrainingArguments, set_seed

    keep_freed_memory()
    set_seed(settings.seed)
    rows = [tokenize_conversation(tokenizer, c["messages"], settings.max_length) for c in conversations]
    if settings.method == "lora":
        model = apply_lora(model, settings)
    model.train()
    losses: list[float] = []
    device = next(model.parameters()).device
    on_gpu = device.type == "cuda"
    precision = resolve_precision(settings.precision, device)
    with tempfile.TemporaryDirectory(prefix="ragft-train-") as scratch:
        args = TrainingArguments(
            output_dir=scratch,
            num_train_epochs=settings.epochs,
            per_device_train_batch_size=settings.batch_size,
            learning_rate=settings.lr,
            lr_scheduler_type="linear",
            warmup_steps=0,
            weight_decay=0.0,
            max_grad_norm=1.0,
            logging_steps=1,
            save_strategy="no",
            report_to=[],
            disable_tqdm=True,
            seed=settings.seed,
            data_seed=settings.seed,
            bf16=precision == "bf16",  # mixed precision: fp32 master weights, bf16 matmuls
            fp16=False,
            use_cpu=not on_gpu,
            remove_unused_columns=False,
            dataloader_num_workers=0,
            **_length_grouped(TrainingArguments),
        )
        trainer = _trainer_class()(model=model, args=args, train_dataset=rows,
                                   data_collator=_collate(tokenizer.pad_token_id),
                                   callbacks=[_step_callback(on_step, losses)])
        trainer.remove_callback(PrinterCallback)  # it prints raw log dicts; our bar shows the loss
        began = time.perf_counter()
        trainer.train()
        seconds = time.perf_counter() - began
    model.eval()
    steps = math.ceil(len(rows) / settings.batch_size) * settings.epochs
    tokens = sum(len(r["input_ids"]) for r in rows) * settings.epochs
    result = TrainResult(settings.method, settings.epochs, settings.lr, settings.batch_size, steps,
                         len(rows), tokens, seconds, losses, **trainer.work, precision=precision)
    return model, result


def save_finetuned(model, tokenizer, out: Path, base_model: str, result: TrainResult) -> None:
    """Save a full model or a LoRA adapter that `--model OUT` loads in any ragft command."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    meta = {"base_model": base_model, "method": result.method, "train": result.to_dict()}
    (out / RAGFT_META).write_text(json.dumps(meta, indent=2) + "\n")
