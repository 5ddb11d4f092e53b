"""The `finetune` config section: how the local fine-tunes train."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from ragft.schema import Strict


class FinetuneConfig(Strict):
    """Local fine-tuning of the `finetuned` arms."""

    method: Literal["full", "lora"] = "full"
    epochs: int | Literal["auto"] = Field("auto", description="a number, or 'auto' for OpenAI's rule")
    learning_rate: float | None = Field(None, gt=0, allow_inf_nan=False, description="None: 5e-5 full, 2e-4 LoRA")
    batch_size: int = Field(8, ge=1)
    max_length: int = Field(1024, ge=8, description="tokens per training example (longer ones are cut)")
    lora_r: int = Field(16, ge=1)
    lora_alpha: int = Field(32, ge=1)

    @field_validator("epochs")
    @classmethod
    def _positive(cls, v):
        if v != "auto" and v < 1:
            raise ValueError("must be a positive integer or 'auto'")
        return v
