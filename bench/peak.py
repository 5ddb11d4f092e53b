"""The machine's matrix-multiply peak, fp32 and bf16, measured on the shapes a SmolLM2-sized model runs."""

from __future__ import annotations

import time

# (tokens, in, out): the attention and MLP projections (hidden 576, intermediate 1536) and the
# vocabulary projection (49152), at batch x sequence sizes a training step and a prefill run.
SHAPES = [(m, k, n) for m in (512, 2048, 4096) for k, n in ((576, 1536), (1536, 576), (576, 576), (576, 49152))]


def matmul_gflops(m: int, k: int, n: int, seconds: float = 0.4, dtype: str = "fp32") -> float:
    import torch

    kind = {"fp32": torch.float32, "bf16": torch.bfloat16}[dtype]
    a, b = torch.randn(m, k, dtype=kind), torch.randn(k, n, dtype=kind)
    torch.matmul(a, b)  # warm-up
    reps, began = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - began) < seconds or reps < 3:
        torch.matmul(a, b)
        reps += 1
    return 2 * m * k * n * reps / elapsed / 1e9


def measure(quick: bool = False) -> dict:
    import torch

    shapes = SHAPES[4:8] if quick else SHAPES
    out: dict = {"threads": torch.get_num_threads()}
    for dtype in ("fp32", "bf16"):
        per_shape = {
            f"{m}x{k}x{n}": round(matmul_gflops(m, k, n, 0.2 if quick else 0.4, dtype), 1) for m, k, n in shapes
        }
        key = "" if dtype == "fp32" else "_bf16"
        out[f"gflops_by_shape{key}"] = per_shape
        out[f"peak_gflops{key}"] = max(per_shape.values())
    return out
