"""Data-parallel fine-tuning when started by a launcher: `accelerate launch --multi_gpu --num_processes N -m ragft
finetune ...` on GPUs (or machines, with Accelerate's config), `ACCELERATE_USE_CPU=1 torchrun --nproc_per_node N
-m ragft finetune ...` as CPU processes (gloo; Accelerate's own launcher starts one process with --cpu).

Every process holds the same model and takes its share of each batch; each share's loss is weighted by
its share of the batch's labelled tokens and the gradients are summed across processes (Hugging Face
Accelerate sets up the process group and reduces), so every process takes the step one process would
take on the whole batch, up to the order floats are summed in. Only the first process saves. Started
without a launcher nothing changes: one process, no communication.
"""

from __future__ import annotations

import os

from ragft.errors import RagftError
from ragft.finetune.tokenize import IGNORE


def rank() -> int:
    """This process's place among the launched ones (0 without a launcher)."""
    return int(os.environ.get("RANK", "0"))


class DataParallel:
    def __init__(self) -> None:
        self.world = int(os.environ.get("WORLD_SIZE", "1"))
        self.rank = rank()
        self.accelerator = None
        if self.world > 1:
            from accelerate import Accelerator

            self.accelerator = Accelerator()
            if self.accelerator.num_processes != self.world:  # e.g. --multi_gpu on a machine without GPUs
                raise RagftError(
                    f"launched as {self.world} processes, but Accelerate set up "
                    f"{self.accelerator.num_processes} ({self.accelerator.state.distributed_type}); "
                    "for CPU processes run ACCELERATE_USE_CPU=1 torchrun --nproc_per_node N -m ragft ..."
                )

    def close(self) -> None:
        """Tear the process group down once the last collective is done. Left to interpreter exit, gloo's threads
        can abort a process as it exits ("terminate called without an active exception"), failing a run that
        trained and saved."""
        if self.accelerator is None:
            return
        import torch.distributed as dist

        if dist.is_initialized():
            dist.barrier()
            dist.destroy_process_group()

    def share(self, indices: list[int]) -> list[int]:
        """This process's examples of a batch."""
        return indices[self.rank :: self.world]

    def sum_gradients(self, params: list) -> None:
        """Every process's gradients summed, in one flat all-reduce."""
        if self.accelerator is None:
            return
        import torch

        grads = [p.grad if p.grad is not None else torch.zeros_like(p) for p in params]
        flat = self.accelerator.reduce(torch.cat([g.reshape(-1) for g in grads]), reduction="sum")
        offset = 0
        for p, g in zip(params, grads):
            p.grad = flat[offset : offset + g.numel()].view_as(g).clone()
            offset += g.numel()

    def sum(self, value: float) -> float:
        if self.accelerator is None:
            return value
        import torch

        return float(self.accelerator.reduce(torch.tensor([value], dtype=torch.float64), reduction="sum"))


def labelled_tokens(row: dict) -> int:
    """The positions a loss averages over: the shifted labels that are not IGNORE."""
    return sum(1 for label in row["labels"][1:] if label != IGNORE)
