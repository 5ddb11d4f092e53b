"""mixed: synthetic question/answer pairs, then the renderings, in that order every epoch (pre-instruction-tuning,
Jiang et al. 2024: questions before documents)."""

from __future__ import annotations

from ragft.data.recipes import renderings, synthetic_qa
from ragft.data.recipes.recipe import Recipe, RecipeData, RecipeInput


def build(given: RecipeInput) -> RecipeData:
    qa = synthetic_qa.build(given)
    documents = renderings.build(given)
    # `stage` orders training: every epoch shuffles stage 0, then stage 1 (finetune/train.py)
    conversations = [{**c, "stage": 0} for c in qa.conversations] + [{**c, "stage": 1} for c in documents.conversations]
    return RecipeData(
        conversations, {**qa.stats, "documents": qa.stats.get("documents", 0) + len(documents.conversations)}
    )


RECIPE = Recipe(
    "mixed", "synthetic question/answer pairs first, then the renderings, every epoch", build, order=40, uses_model=True
)
