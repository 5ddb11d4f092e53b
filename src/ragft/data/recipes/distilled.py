"""distilled: prompt distillation (Kujanpää et al. 2024). For each synthetic question the untouched model with the
chunk in its prompt is the teacher, and the fine-tune learns to answer as it did without the chunk: on the teacher's
token distributions (its top-k at every answer token, finetune/distill.py) where the untouched model is local, on its
answers alone (sequence-level distillation) where it gives no logits. The questions are the round-trip filter's kept
ones, so the teacher's answers are ones it got right."""

from __future__ import annotations

from ragft.data.recipes.pairs import filtered_pairs
from ragft.data.recipes.recipe import Recipe, RecipeData, RecipeInput, qa_conversation


def build(given: RecipeInput) -> RecipeData:
    pairs, stats = filtered_pairs(given)
    teachers = given.teach([(p.question, given.chunks[p.chunk_id], p.teacher) for p in pairs])
    conversations = []
    for pair, teacher in zip(pairs, teachers):
        conversation = qa_conversation(given.closed(pair.question), pair.teacher)
        if teacher:
            conversation["teacher"] = teacher
        conversations.append(conversation)
    with_logits = sum(1 for t in teachers if t)
    return RecipeData(conversations, {"pairs": stats, "teacher": "token distributions" if with_logits else "answers"})


RECIPE = Recipe(
    "distilled",
    "the untouched model's answers with the chunk, learnt without it from its token distributions",
    build,
    order=50,
    uses_model=True,
)
