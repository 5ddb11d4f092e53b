"""Fine-tune a loaded model in place on chat conversations (a plain PyTorch loop; LoRA via PEFT)."""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ragft.finetune.chat_format import tools_of
from ragft.finetune.distill import TOP_K, soft_cross_entropy, soft_targets, target_tensors
from ragft.finetune.distributed import DataParallel, labelled_tokens
from ragft.finetune.loss import labelled_loss, supports_labelled_loss
from ragft.finetune.tokenize import IGNORE, tokenize_conversation
from ragft.models.loading import RAGFT_META
from ragft.models.precision import resolve_precision
from ragft.runtime import keep_freed_memory, release_free_memory

# Called after each optimizer step with (step, total_steps, loss or None).
StepFn = Callable[[int, int, float | None], None]
# Called after each epoch with (epoch, model, training seconds so far, tokens trained on so far); the time
# it takes is not training time, and the model is put back in training mode after it. True stops training there
# (early stopping: finetune/early_stopping.py).
EpochFn = Callable[[int, object, float, int], bool | None]

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
    trainable_parameters: int = 0  # what the optimizer updates (LoRA: the adapters only)
    total_parameters: int = 0
    soft_examples: int = 0  # examples trained on a teacher's token distributions (finetune/distill.py)

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
        batch = {"input_ids": torch.tensor(ids), "labels": torch.tensor(labels), "attention_mask": torch.tensor(mask)}
        if any(r.get("soft") for r in rows):  # a teacher's distributions: every row's targets as (ids, probs)
            batch["soft_ids"], batch["soft_probs"] = target_tensors(rows, width, TOP_K)
        return batch

    return collate


def _batches(stages: list[int], batch_size: int, epochs: int, seed: int) -> list[list[int]]:
    """Example indices per step: each epoch a fresh seeded shuffle, cut into batches. Examples of several stages
    (a conversation's "stage", 0 by default) are shuffled within each, the stages in order: a curriculum such as
    questions before documents."""
    import torch

    generator = torch.Generator().manual_seed(seed)
    groups = [[i for i, s in enumerate(stages) if s == stage] for stage in sorted(set(stages))]
    out = []
    for _ in range(epochs):
        order = [g[j] for g in groups for j in torch.randperm(len(g), generator=generator).tolist()]
        out += [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
    return out


def _own_loss(model, batch: dict, soft):
    """The model's own loss (models that post-process their logits), or against the teacher's distributions."""
    if soft is None:
        return model(**batch).loss
    keep = batch["labels"][:, 1:] != IGNORE
    logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits[:, :-1][keep]
    return soft_cross_entropy(logits, soft[0][:, 1:][keep], soft[1][:, 1:][keep])


def _optimizer(params: list, lr: float, device):
    import torch

    # The fused kernel updates all tensors in one pass (CPU and CUDA): ~7x less time than the loop.
    fused = device.type in ("cpu", "cuda")
    return torch.optim.AdamW(params, lr=lr, weight_decay=0.0, fused=fused)


def clip_and_step(optimizer, params: list, max_norm: float) -> None:
    """Clip the gradients to a total norm of max_norm, then take the optimizer's step.

    A fused AdamW does the clipping inside its kernel: it divides each gradient by `grad_scale` as it
    reads it (the hook AMP's GradScaler uses), which saves clip_grad_norm_'s separate pass writing every
    gradient (~1.5 % of an fp32 SmolLM2 step on a 2-core AMD EPYC Zen 5). Same arithmetic, one rounding apart.
    """
    import torch

    if not optimizer.defaults.get("fused"):
        torch.nn.utils.clip_grad_norm_(params, max_norm)
        optimizer.step()
        return
    norm = torch.nn.utils.get_total_norm([p.grad for p in params if p.grad is not None])
    optimizer.grad_scale = 1 / (max_norm / (norm + 1e-6)).clamp(max=1.0)  # clip_grad_norm_'s coefficient
    optimizer.step()


def _private_copies(params: list) -> None:
    """Give each trained weight memory of its own before the first step.

    Weights loaded from safetensors are views of the file, mapped copy-on-write, so the optimizer's
    first write faults every page in one at a time: 1.0 s for SmolLM2's 540 MB on a 2-core EPYC Zen 5 (a
    copy costs 0.15 s), ~2 % of the seed's fine-tune.
    """
    import torch

    with torch.no_grad():
        for p in params:
            p.data = p.data.clone()


def apply_lora(model, settings: TrainSettings):
    import warnings

    from peft import LoraConfig, get_peft_model

    config = LoraConfig(
        r=settings.lora_r,
        lora_alpha=settings.lora_alpha,
        lora_dropout=settings.lora_dropout,
        target_modules="all-linear",
        task_type="CAUSAL_LM",
    )
    with warnings.catch_warnings():  # PEFT asks transformers a deprecated question; nothing for a user to do
        warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing.*", category=FutureWarning)
        return get_peft_model(model, config)


def train(
    model,
    tokenizer,
    conversations: list[dict],
    settings: TrainSettings,
    on_step: StepFn | None = None,
    on_epoch: EpochFn | None = None,
):
    """Train and return (model, TrainResult). LoRA wraps the model, so use the returned one.

    A plain loop: AdamW (no weight decay), learning rate decaying linearly to 0, gradients clipped
    to norm 1.0, the loss on assistant tokens only (finetune/loss.py skips the work nobody needs);
    under bf16 the matmuls run in bf16 while weights, gradients and optimizer state stay fp32.
    """
    import torch

    keep_freed_memory()
    torch.manual_seed(settings.seed)  # LoRA's initial adapters
    rows = [tokenize_conversation(tokenizer, c["messages"], settings.max_length, tools_of(c)) for c in conversations]
    for row, conversation in zip(rows, conversations):  # prompt distillation: the teacher's top-k per answer token
        row["soft"] = soft_targets(row, conversation.get("teacher"))
    if settings.method == "lora":
        model = apply_lora(model, settings)
    device = next(model.parameters()).device
    precision = resolve_precision(settings.precision, device)
    params = [p for p in model.parameters() if p.requires_grad]
    if device.type == "cpu":
        _private_copies(params)
    optimizer = _optimizer(params, settings.lr, device)
    plan = _batches([c.get("stage", 0) for c in conversations], settings.batch_size, settings.epochs, settings.seed)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: 1 - step / len(plan))
    collate = _collate(tokenizer.pad_token_id)
    labelled = [labelled_tokens(r) for r in rows]
    own_loss = not supports_labelled_loss(model)
    work: dict[str, int] = {}  # tokens the model's body and head ran on
    losses: list[float] = []
    per_epoch = math.ceil(len(rows) / settings.batch_size)
    epoch_tokens = sum(len(r["input_ids"]) for r in rows)
    model.train()
    began = time.perf_counter()
    paused = 0.0  # seconds spent in on_epoch: evaluation, not training
    trained = len(plan)
    parallel = DataParallel()  # several processes under `accelerate launch`: each takes a share of a batch
    for step, indices in enumerate(plan, start=1):
        mine = parallel.share(indices)
        # this share's part of the batch's mean loss: its labelled tokens over the whole batch's
        weight = sum(labelled[i] for i in mine) / max(1, sum(labelled[i] for i in indices))
        loss = None
        if mine and (weight > 0 or parallel.world == 1):
            batch = {k: v.to(device) for k, v in collate([rows[i] for i in mine]).items()}
            soft = (batch.pop("soft_ids"), batch.pop("soft_probs")) if "soft_ids" in batch else None
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=precision == "bf16"):
                if own_loss:  # models that post-process their logits
                    loss = _own_loss(model, batch, soft)
                else:
                    loss = labelled_loss(
                        model, batch["input_ids"], batch["attention_mask"], batch["labels"], work, soft
                    )
            (loss * weight if parallel.world > 1 else loss).backward()
        parallel.sum_gradients(params)
        clip_and_step(optimizer, params, max_norm=1.0)
        schedule.step()
        optimizer.zero_grad(set_to_none=True)
        losses.append(
            parallel.sum(loss.item() * weight if loss is not None else 0.0) if parallel.world > 1 else loss.item()
        )
        if on_step:
            on_step(step, len(plan), losses[-1])
        if on_epoch and step % per_epoch == 0:
            stopped = time.perf_counter()
            model.eval()
            with torch.no_grad():
                stop = on_epoch(step // per_epoch, model, stopped - began - paused, epoch_tokens * (step // per_epoch))
            model.train()
            paused += time.perf_counter() - stopped
            if stop:
                trained = step  # the result counts the steps and epochs trained
                break
    seconds = time.perf_counter() - began - paused
    if parallel.world > 1:  # every process's share of the work (the same keys on each: a collective)
        work = {k: int(parallel.sum(work.get(k, 0))) for k in ("body_tokens", "head_tokens")}
    parallel.close()  # the last collective: no process talks to another after this
    model.eval()
    del optimizer, schedule  # AdamW's state is twice the model: free it, and give it back to the kernel
    release_free_memory()
    epochs = math.ceil(trained / per_epoch)
    tokens = sum(len(r["input_ids"]) for r in rows) * epochs
    result = TrainResult(
        settings.method,
        epochs,
        settings.lr,
        settings.batch_size,
        trained,
        len(rows),
        tokens,
        seconds,
        losses,
        **work,
        precision=precision,
        trainable_parameters=sum(p.numel() for p in params),
        total_parameters=sum(p.numel() for p in model.parameters()),
        soft_examples=sum(1 for r in rows if r["soft"]),
    )
    return model, result


def mean_loss(model, tokenizer, conversations: list[dict], batch_size: int = 16, max_length: int = 1024) -> float:
    """The loss training would see on `conversations` (the mean over their labelled tokens), without training."""
    import torch

    rows = [tokenize_conversation(tokenizer, c["messages"], max_length, tools_of(c)) for c in conversations]
    collate, device = _collate(tokenizer.pad_token_id), next(model.parameters()).device
    own_loss, total, count = not supports_labelled_loss(model), 0.0, 0
    with torch.no_grad():
        for start in range(0, len(rows), batch_size):
            chunk = rows[start : start + batch_size]
            batch = {k: v.to(device) for k, v in collate(chunk).items()}
            args = batch["input_ids"], batch["attention_mask"], batch["labels"]
            loss = model(**batch).loss if own_loss else labelled_loss(model, *args)
            n = sum(labelled_tokens(r) for r in chunk)
            total, count = total + loss.item() * n, count + n
    return total / max(1, count)


def save_finetuned(model, tokenizer, out: Path, base_model: str, result: TrainResult) -> None:
    """Save a full model or a LoRA adapter that `--model OUT` loads in any ragft command."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    meta = {"base_model": base_model, "method": result.method, "train": result.to_dict()}
    (out / RAGFT_META).write_text(json.dumps(meta, indent=2) + "\n")
