"""The machine's fp32 matrix-multiply peak, measured on the shapes a SmolLM2-sized model runs."""

from __future__ import annotations

import time

# (tokens, in, out): the attention and MLP projections (hidden 576, intermediate 1536) and the
# vocabulary projection (49152), at batch x sequence sizes a training step and a prefill run.
SHAPES = [(m, k, n) for m in (512, 2048, 4096) for k, n in ((576, 1536), (1536, 576), (576, 576), (576, 49152))]


def matmul_gflops(m: int, k: int, n: int, seconds: float = 0.4) -> float:
    import torch

    a, b = torch.randn(m, k), torch.randn(k, n)
    torch.matmul(a, b)  # warm-up
    reps, began = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - began) < seconds or reps < 3:
        torch.matmul(a, b)
        reps += 1
    return 2 * m * k * n * reps / elapsed / 1e9


def measure(quick: bool = False) -> dict:
    import torch

    shapes = SHAPES[4:8] if quick else SHAPES
    per_shape = {f"{m}x{k}x{n}": round(matmul_gflops(m, k, n, 0.2 if quick else 0.4), 1) for m, k, n in shapes}
    return {"threads": torch.get_num_threads(), "gflops_by_shape": per_shape,
            "peak_gflops": max(per_shape.values())}
