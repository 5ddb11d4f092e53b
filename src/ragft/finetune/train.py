"""Fine-tune a loaded model in place on chat conversations (transformers Trainer; LoRA via PEFT)."""

from __future__ import annotations

import json
import math
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ragft.finetune.tokenize import IGNORE, tokenize_conversation
from ragft.models.loading import RAGFT_META

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


def labelled_loss(model, input_ids, attention_mask, labels, work: dict | None = None):
    """Causal-LM loss that skips work nobody needs; equal to the model's own loss and gradients.

    - The tokens every row of the batch starts with (system prompt, the question's opening words)
      run through the model once; their keys and values are shared by every row (autograd sums
      the rows' gradients into them).
    - The vocabulary projection (lm_head; for SmolLM2 a 576 x 49152 matmul, ~20 % of the model's
      FLOPs) and its gradient run only where a label is trained on, not on the prompt and padding.
    The loss is the mean cross-entropy over the shifted labels that are not IGNORE. `work`, if given,
    counts the tokens the body and the head ran on.
    """
    import torch
    import torch.nn.functional as F

    core = _core(model)
    decoder = core.get_decoder()
    rows, width = input_ids.shape
    shared = _shared_prefix(input_ids, attention_mask) if _can_share_prefix(core) else 0
    if shared:
        from transformers.cache_utils import DynamicCache

        prefix = decoder(input_ids=input_ids[:1, :shared], use_cache=True)
        cache = DynamicCache(ddp_cache_data=[(layer.keys.expand(rows, -1, -1, -1),
                                              layer.values.expand(rows, -1, -1, -1))
                                             for layer in prefix.past_key_values.layers])
        positions = torch.arange(shared, width, device=input_ids.device).expand(rows, -1)
        rest = decoder(input_ids=input_ids[:, shared:], attention_mask=attention_mask, position_ids=positions,
                       past_key_values=cache, use_cache=True)
        hidden = torch.cat([prefix.last_hidden_state.expand(rows, -1, -1), rest.last_hidden_state], dim=1)
    else:
        hidden = decoder(input_ids=input_ids, attention_mask=attention_mask, use_cache=False).last_hidden_state
    targets = labels[:, 1:]
    keep = targets != IGNORE
    logits = core.get_output_embeddings()(hidden[:, :-1][keep])
    if work is not None:
        work["body_tokens"] = work.get("body_tokens", 0) + int(attention_mask.sum()) - shared * (rows - 1)
        work["head_tokens"] = work.get("head_tokens", 0) + int(keep.sum())
    return F.cross_entropy(logits.float(), targets[keep])


def _shared_prefix(input_ids, attention_mask) -> int:
    """Leading tokens all rows share, leaving each row at least one token of its own."""
    if input_ids.shape[0] < 2:
        return 0
    same = (input_ids == input_ids[:1]).all(dim=0)
    limit = int(attention_mask.sum(dim=1).min()) - 1
    differ = (~same).nonzero()
    first_difference = int(differ[0]) if len(differ) else input_ids.shape[1]
    return max(0, min(first_difference, limit))


def _core(model):
    """The causal LM itself (under a LoRA wrapper, the base model with its adapters injected)."""
    return model.get_base_model() if hasattr(model, "get_base_model") else model


def _can_share_prefix(core) -> bool:
    """A plain key/value cache (no sliding windows, ...) and no dropout: rows may share a prefix's states."""
    import torch
    from transformers.cache_utils import DynamicCache, DynamicLayer

    if any(isinstance(m, torch.nn.Dropout) and m.p > 0 for m in core.modules()) or \
            getattr(core.config, "attention_dropout", 0.0):
        return False
    try:
        layers = DynamicCache(config=core.config).layers
    except (AttributeError, TypeError, ValueError):
        return False
    return all(type(layer) is DynamicLayer for layer in layers)


def _supports_labelled_loss(model) -> bool:
    core = _core(model)
    config = getattr(core, "config", None)
    try:
        plain_head = core.get_decoder() is not None and core.get_output_embeddings() is not None
    except (AttributeError, NotImplementedError):
        return False
    # Models that post-process logits (Gemma's soft-capping, scaled logits) use their own forward.
    return plain_head and not getattr(config, "final_logit_softcapping", None) and \
        getattr(config, "logit_scale", None) in (None, 1, 1.0)


def _trainer_class():
    from transformers import Trainer

    class LabelledLossTrainer(Trainer):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.work: dict[str, int] = {}  # tokens the model's body and head ran on

        def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
            if return_outputs or not _supports_labelled_loss(model):
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
    import torch
    from transformers import PrinterCallback, TrainingArguments, set_seed

    set_seed(settings.seed)
    rows = [tokenize_conversation(tokenizer, c["messages"], settings.max_length) for c in conversations]
    if settings.method == "lora":
        model = apply_lora(model, settings)
    model.train()
    losses: list[float] = []
    on_gpu = next(model.parameters()).device.type == "cuda"
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
            bf16=on_gpu and torch.cuda.is_bf16_supported(),  # explicit: never bf16 on CPU
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
                         len(rows), tokens, seconds, losses, **trainer.work)
    return model, result


def save_finetuned(model, tokenizer, out: Path, base_model: str, result: TrainResult) -> None:
    """Save a full model or a LoRA adapter that `--model OUT` loads in any ragft command."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    meta = {"base_model": base_model, "method": result.method, "train": result.to_dict()}
    (out / RAGFT_META).write_text(json.dumps(meta, indent=2) + "\n")
