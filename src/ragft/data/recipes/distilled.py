"""distilled: prompt distillation (Kujanpää et al. 2024), from answers. For each synthetic question the untouched
model with the chunk in its prompt is the teacher, and the fine-tune learns to say what it said without the chunk.
The teacher's answers stand in for its token distributions (sequence-level distillation): a remote teacher gives no
logits, and the kept answers are the ones the round-trip filter found right."""

from __future__ import annotations

from ragft.data.recipes.recipe import Recipe, RecipeData, RecipeInput
from ragft.data.recipes.synthetic_qa import qa_data


def build(given: RecipeInput) -> RecipeData:
    return qa_data(given, target="teacher")


RECIPE = Recipe(
    "distilled", "the untouched model's answers with the chunk, learnt without it", build, order=50, uses_model=True
)
