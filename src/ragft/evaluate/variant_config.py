"""A run's further fine-tunes (`variants`): each one's name, what it trains on and how, on top of `finetune`."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from ragft.data.recipes.recipe import recipes
from ragft.evaluate.arms import TRAIN_ON
from ragft.finetune.config import FinetuneConfig
from ragft.schema import Strict


class VariantConfig(Strict):
    """One more fine-tune of the same model in a run (the default one, `finetuned`, is `finetune`).

    Unset fields take `finetune`'s value (and the run's seed); arms `NAME`, `NAME+rag`, `NAME+rag-seed`,
    `NAME+context` (train_on raft: `NAME` is the grounded arm and `NAME+closed` the closed-book one).
    """

    name: str = Field(pattern=r"^[a-z][a-z0-9_-]{0,39}$", description="names its arms and finetuned/NAME/")
    train_on: str = Field(
        "facts",
        description=(
            "facts: the task's training data; raft: its questions with retrieved passages, gold and distractors "
            "(Zhang et al. 2024); idk: the facts plus 'I don't know' for entities not in them; with documents, a "
            "fine-tuning recipe (data/recipes/): chunks, renderings, synthetic-qa, mixed, distilled"
        ),
    )
    phrasings: int = Field(
        1,
        ge=1,
        le=10,
        description=(
            "k: phrasings of each generated fact (data/probes.py), or a document recipe's renderings or "
            "question/answer pairs per chunk; 1: the data as it is"
        ),
    )
    hold_back: float = Field(
        0.0,
        ge=0,
        lt=0.5,
        description=(
            "early stopping (document recipes): this share of the synthetic training questions is held back and "
            "asked after each epoch; training stops when they stop improving and keeps the best epoch; 0: off"
        ),
    )
    method: Literal["full", "lora"] | None = None
    epochs: int | Literal["auto"] | None = None
    learning_rate: float | None = Field(None, gt=0, allow_inf_nan=False)
    seed: int | None = Field(None, ge=0, lt=2**32)

    @field_validator("train_on")
    @classmethod
    def _known_training_data(cls, v):
        known = [*TRAIN_ON, *recipes()]
        if v not in known:
            raise ValueError(f"unknown train_on {v!r}; known: {', '.join(known)}")
        return v

    @model_validator(mode="after")
    def _held_back_from_synthetic_questions(self):
        if self.hold_back and not self.document_recipe:
            raise ValueError(
                f"variants: {self.name} holds back synthetic training questions (hold_back), which a document "
                f"recipe makes; train_on {self.train_on} has none"
            )
        return self

    @property
    def document_recipe(self) -> bool:
        """Does it train on data a recipe makes from documents (data/recipes/)?"""
        return self.train_on in recipes()

    @property
    def generates(self) -> bool:
        """Does its recipe ask a generator (data.generator_url, or the local model)?"""
        return self.document_recipe and recipes()[self.train_on].uses_model

    @field_validator("name")
    @classmethod
    def _not_reserved(cls, v):
        if v in ("base", "rag", "finetuned", "untouched", "context", "raft", "idk") or v.startswith("rag"):
            raise ValueError(f"{v!r} is an arm name already; choose another fine-tune name")
        return v

    def recipe(self, finetune: FinetuneConfig) -> FinetuneConfig:
        """`finetune` with this variant's settings on top."""
        mine = {
            k: v for k, v in self.model_dump().items() if k in ("method", "epochs", "learning_rate") and v is not None
        }
        return finetune.model_copy(update=mine)
