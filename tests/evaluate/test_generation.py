import pytest

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


def _hf_greedy(model, tok, ids: list[int], max_new: int) -> list[int]:
    import torch

    ids = torch.tensor([ids])
    with torch.inference_mode():
        out = model.generate(
            input_ids=ids,
            attention_mask=torch.ones_like(ids),
            do_sample=False,
            max_new_tokens=max_new,
            eos_token_id=tok.eos_token_id,
            pad_token_id=tok.pad_token_id,
        )
    new = out[0, ids.shape[1] :].tolist()
    return new[: new.index(tok.eos_token_id) + 1] if tok.eos_token_id in new else new


def _early_stopping(tiny, convs):
    """Scrambled weights (varied answers) and a tokenizer whose EOS some answers emit early, others never."""
    import collections
    import copy

    import torch

    torch.manual_seed(0)
    with torch.no_grad():
        for name, p in tiny.model.named_parameters():
            if "norm" not in name:
                p.normal_(0, 0.5)
    prompt = LocalChatModel(tiny.model, tiny.tokenizer).prompt_ids
    answers = [_hf_greedy(tiny.model, tiny.tokenizer, prompt(c), 12) for c in convs]
    counts = collections.Counter(t for a in answers for t in set(a))
    token = next(t for t, n in counts.most_common() if n < len(convs))
    tok = copy.deepcopy(tiny.tokenizer)
    tok.eos_token = tok.convert_ids_to_tokens(token)
    return tok


@pytest.mark.parametrize("early_eos", [False, True])
def test_answers_equal_transformers_generate(tiny, early_eos):
    """The shared-prefix, drop-finished-rows loop decodes exactly what HF greedy generate does."""
    convs = [
        [
            {"role": "system", "content": "You are a helpful assistant."},
            {"role": "user", "content": f"What is the population of City_{i}?" + " y" * (i % 3)},
        ]
        for i in range(7)
    ]
    tok = _early_stopping(tiny, convs) if early_eos else tiny.tokenizer
    model = LocalChatModel(tiny.model, tok)
    mine = model.complete(convs, GenerationSettings(max_new_tokens=12, batch_size=3, loop_guard=False))
    if early_eos:  # some answers stopped early while others in their batch went on
        assert 0 < sum(c.completion_tokens < 12 for c in mine) < len(mine)
    for conv, got in zip(convs, mine):
        new = _hf_greedy(tiny.model, tok, model.prompt_ids(conv), 12)
        assert got.completion_tokens == len(new)
        assert got.text == tok.decode(new, skip_special_tokens=True).strip()


def test_shared_prefix_leaves_a_token_to_every_prompt():
    from ragft.models.generation import shared_prefix_length

    assert shared_prefix_length([[1, 2, 3, 4], [1, 2, 5], [1, 2, 3]]) == 2
    assert shared_prefix_length([[1, 2, 3], [1, 2, 3]]) == 2
    assert shared_prefix_length([[7], [1, 2]]) == 0
    assert shared_prefix_length([[1, 2, 3]]) == 2


def test_empty_input_and_a_lone_prompt(tiny):
    model = LocalChatModel(tiny.model, tiny.tokenizer)
    assert model.complete([], GenerationSettings()) == []
    one = model.complete([[{"role": "user", "content": "hi"}]], GenerationSettings(max_new_tokens=3))
    assert len(one) == 1 and 0 < one[0].completion_tokens <= 3


def test_loop_detection_keeps_one_copy():
    from ragft.models.generation import looping

    assert looping([5, 6, 7, 9, 9, 9, 9, 9, 9, 9]) is None  # a token 7 times: not yet
    assert looping([5, 6, 7] + [9] * 8) == 4  # 8 times: one kept
    assert looping([1, 2] + [3, 4] * 4) == 4  # "-bang" 4 times
    assert looping([1, 2] + [3, 4] * 3) is None
    assert looping([1] + [3, 4, 5, 6] * 3) == 5
    assert looping([1, 2, 3, 1, 2, 4, 1, 2, 3]) is None
    assert looping([]) is None


def test_loop_guard_stops_a_looping_reply(tiny):
    """Layers that add nothing make the model echo its last token forever: the guard keeps one copy."""
    import torch

    with torch.no_grad():
        for p in tiny.model.model.layers.parameters():
            if p.dim() > 1:
                p.zero_()  # attention and MLP outputs vanish: the residual stream is the input embedding
    model = LocalChatModel(tiny.model, tiny.tokenizer)
    conv = [[{"role": "user", "content": "hi"}]]
    free = model.complete(conv, GenerationSettings(max_new_tokens=20, loop_guard=False))[0]
    guarded = model.complete(conv, GenerationSettings(max_new_tokens=20))[0]
    assert free.completion_tokens == 20  # never stops by itself
    assert guarded.completion_tokens == 1
