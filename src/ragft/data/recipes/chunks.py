"""chunks: continued pre-training on the chunks as they are indexed (Ovadia et al. 2023's recipe; the baseline the
others are measured against)."""

from __future__ import annotations

from ragft.data.recipes.recipe import Recipe, RecipeData, RecipeInput, document_conversation


def build(given: RecipeInput) -> RecipeData:
    conversations = [document_conversation(given.system, c.text) for c in given.chunks.values()]
    return RecipeData(conversations, {"documents": len(conversations)})


RECIPE = Recipe("chunks", "continued pre-training on the chunks as indexed", build, order=10)
