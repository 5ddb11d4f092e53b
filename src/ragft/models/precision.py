"""Number format of the heavy matmuls: fp32, or bf16 where the hardware multiplies bf16 natively.

- Answering runs on a bf16 copy of the weights (`inference_copy`); the loaded fp32 weights stay the
  master copy that fine-tuning updates and that is saved.
- Training is mixed precision: fp32 weights, gradients and optimizer state, matmuls in bf16 under
  torch.autocast (finetune/train.py).
- `auto` picks bf16 on a CUDA GPU that supports it, on a CPU with AMX-BF16 tiles (Intel Xeon 4th
  gen and later), where a bf16 matmul is 5-8x an fp32 one (bench/peak.py measures both), and on a CPU
  with AVX-512 BF16 (AMD Zen 4 and later) where a one-off probe finds bf16 matmuls at least twice as
  fast as fp32 (about 4x measured on such an EPYC; the instructions alone do not promise it); fp32
  everywhere else. bf16 keeps 8 bits of mantissa: answers can differ from fp32 ones in rare
  near-ties, so results.json records the precision used; pin `fp32` to compare across machines.
"""

from __future__ import annotations

import functools

from ragft import atomic
from ragft.paths import ragft_home

PRECISIONS = ("auto", "fp32", "bf16")
BF16_SPEEDUP_NEEDED = 2.0  # an AVX-512 BF16 CPU runs bf16 when its matmuls are at least this much faster
PROBE_FILE = "cpu-probe.json"  # under RAGFT_HOME: the probe's result per CPU model, torch and thread count


def _capabilities() -> dict:
    import torch

    try:
        return dict(torch.cpu.get_capabilities())
    except (AttributeError, RuntimeError):
        return {}


@functools.cache
def cpu_has_native_bf16() -> bool:
    """AMX-BF16 tiles; or AVX-512 BF16 where bf16 matmuls measure at least BF16_SPEEDUP_NEEDED x fp32."""
    caps = _capabilities()
    if caps.get("amx_bf16"):
        return True
    if not caps.get("avx512_bf16"):
        return False  # bf16 would be emulated: slower than fp32
    return probed_bf16_speedup() >= BF16_SPEEDUP_NEEDED


@functools.cache
def cpu_has_amx() -> bool:
    """AMX-BF16 tiles (Intel Xeon 4th generation and later)."""
    return bool(_capabilities().get("amx_bf16"))


def probed_bf16_speedup(measure=None) -> float:
    """bf16 over fp32 matmul speed on this CPU: measured once (well under a second) and kept in RAGFT_HOME."""
    import json

    import torch

    key = f"{_cpu_model()}|torch {torch.__version__}|{torch.get_num_threads()} threads"
    path = ragft_home() / PROBE_FILE
    try:
        cache = json.loads(path.read_text())
    except (OSError, ValueError):
        cache = {}
    if not isinstance(cache, dict) or not isinstance(cache.get(key), (int, float)):
        cache = cache if isinstance(cache, dict) else {}
        cache[key] = round((measure or _matmul_speedup)(), 3)
        try:
            atomic.write_json(path, cache)
        except OSError:
            pass  # a read-only home: probe again next time
    return float(cache[key])


def _cpu_model() -> str:
    import platform

    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            return next(
                (line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), platform.processor()
            )
    except OSError:
        return platform.processor() or platform.machine()


def _matmul_speedup(n: int = 1024, reps: int = 6) -> float:
    import time

    import torch

    def rate(dtype) -> float:
        a, b = torch.randn(n, n).to(dtype), torch.randn(n, n).to(dtype)
        a @ b  # warm-up: the kernels' first call sets them up
        began = time.perf_counter()
        for _ in range(reps):
            a @ b
        return reps / (time.perf_counter() - began)

    return rate(torch.bfloat16) / rate(torch.float32)


def resolve_precision(requested: str, device) -> str:
    """ "fp32" or "bf16" for `requested` ("auto", "fp32" or "bf16") on `device` (torch.device or str)."""
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
