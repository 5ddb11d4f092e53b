"""Number format of the heavy matmuls: fp32, or bf16 where the hardware multiplies bf16 natively.

- Answering runs on a bf16 copy of the weights (`inference_copy`); the loaded fp32 weights stay the
  master copy that fine-tuning updates and that is saved.
- Training is mixed precision: fp32 weights, gradients and optimizer state, matmuls in bf16 under
  torch.autocast (finetune/train.py).
- `auto` picks bf16 on a CUDA GPU that supports it and on a CPU with AMX-BF16 tiles (Intel Xeon
  4th gen and later), where a bf16 matmul is 5-8x an fp32 one (bench/peak.py measures both), and fp32
  everywhere else. bf16 keeps 8 bits of mantissa: answers can differ from fp32 ones in rare
  near-ties, so results.json records the precision used; pin `fp32` to compare across machines.
"""

from __future__ import annotations

PRECISIONS = ("auto", "fp32", "bf16")


def cpu_has_native_bf16() -> bool:
    """AMX-BF16 tiles (plain AVX-512 bf16 is no faster than fp32 for these shapes)."""
    import torch

    try:
        return bool(torch.cpu.get_capabilities().get("amx_bf16"))
    except (AttributeError, RuntimeError):
        return False


def resolve_precision(requested: str, device) -> str:
    """"fp32" or "bf16" for `requested` ("auto", "fp32" or "bf16") on `device` (torch.device or str)."""
    import torch

    if requested not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, got {requested!r}")
    if requested != "auto":
        return requested
    kind = torch.device(device).type
    if kind == "cuda":
        return "bf16" if torch.cuda.is_bf16_supported() else "fp32"
    return "bf16" if kind == "cpu" and cpu_has_native_bf16() else "fp32"


def inference_copy(model, precision: str):
    """The model itself for fp32; for bf16 a bf16 copy, built without an fp32 duplicate.

    Parameters shared by several modules (tied embeddings) stay shared in the copy.
    """
    import copy

    import torch

    dtype = {"fp32": torch.float32, "bf16": torch.bfloat16}[precision]
    if next(model.parameters()).dtype == dtype:
        return model
    # deepcopy takes objects found in `memo` as already copied: hand it the converted parameters.
    # requires_grad stays True (answering runs under inference_mode, so no graph is built): for a
    # frozen bf16 weight torch's matmul does not fold the last-position hidden states (a strided
    # view) into one mm but broadcasts the weight into a bmm, copying the 49152 x 576 vocabulary
    # projection once per row of the batch (measured: 4x slower answering).
    memo: dict = {id(p): torch.nn.Parameter(p.detach().to(dtype)) for p in model.parameters()}
    clone = copy.deepcopy(model, memo).to(dtype)  # .to: the buffers (rotary frequencies) too, as transformers does
    clone.eval()
    return clone
