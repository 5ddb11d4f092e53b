from ragft.models.generation import GenerationSettings, LocalChatModel


def test_batched_generation_matches_one_by_one(tiny):
    model = LocalChatModel(tiny.model, tiny.tokenizer)
    convs = [[{"role": "user", "content": "What is the population of City_%d?" % i + " x" * i}] for i in range(1, 6)]
    settings = GenerationSettings(max_new_tokens=6, batch_size=4)
    batched = model.complete(convs, settings)
    single = [model.complete([c], GenerationSettings(max_new_tokens=6, batch_size=1))[0] for c in convs]
    assert [c.text for c in batched] == [c.text for c in single]
    assert [c.prompt_tokens for c in batched] == [len(model.prompt_ids(c)) for c in convs]
    assert all(0 < c.completion_tokens <= 6 for c in batched)
