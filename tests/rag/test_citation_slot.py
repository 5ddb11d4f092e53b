"""The citation slot: answers that cite nothing get the model's own choice of passage."""

import pytest
import torch

from ragft.models.generation import ChatModel, LocalChatModel
from ragft.rag.citation_slot import choose_citations, ensure_citations


def _prompt(n):
    passages = "".join(f"[{i}] City_{i} has about {i * 1000} inhabitants.\n" for i in range(1, n + 1))
    return [{"role": "user", "content": f"PASSAGES:\n{passages}QUESTION: What is the population of City_{n}?"}]


def test_choice_is_the_most_likely_allowed_digit_and_batching_does_not_change_it(tiny):
    prompts = [_prompt(n) for n in (2, 5, 3, 9)]
    answers = ["City_2 has about 2000.", "It has 5000 inhabitants", "x", "City_9 has about 9000 inhabitants."]
    sizes = [2, 5, 3, 9]
    batched = choose_citations(tiny.model, tiny.tokenizer, prompts, answers, sizes, batch_size=4)
    for i, (p, a, n) in enumerate(zip(prompts, answers, sizes)):
        ids = tiny.tokenizer.apply_chat_template(p, add_generation_prompt=True, tokenize=True, return_dict=False)
        ids += tiny.tokenizer(a.rstrip() + " [", add_special_tokens=False)["input_ids"]
        with torch.no_grad():
            logits = tiny.model(input_ids=torch.tensor([ids])).logits[0, -1]
        digits = [tiny.tokenizer(str(d), add_special_tokens=False)["input_ids"][0] for d in range(1, n + 1)]
        assert batched[i] == int(torch.argmax(logits[digits])) + 1
        assert 1 <= batched[i] <= n


def test_ensure_citations_only_fills_answers_without_one(tiny):
    chat = LocalChatModel(tiny.model, tiny.tokenizer)
    prompts = [_prompt(3), _prompt(3), _prompt(3)]
    out = ensure_citations(chat, prompts, ["It has 3000 [3].", "It has 3000.", "No passages."], [3, 3, 0])
    assert out[0] == ("It has 3000 [3].", False)
    text, forced = out[1]
    assert forced and text.startswith("It has 3000. [") and text.endswith("]")
    assert out[2] == ("No passages.", False)  # nothing to cite


def test_remote_models_are_left_alone():
    class Remote(ChatModel):
        def complete(self, conversations, settings, progress=None):
            raise AssertionError("not called")

    assert ensure_citations(Remote(), [_prompt(2)], ["It has 2000."], [2]) == [("It has 2000.", False)]


def test_a_citation_cut_by_the_token_budget_is_replaced_not_doubled(tiny):
    chat = LocalChatModel(tiny.model, tiny.tokenizer)
    text, forced = ensure_citations(chat, [_prompt(3)], ["It has 3000 [1"], [3])[0]
    assert forced and text.startswith("It has 3000 [") and text.count("[") == 1


@pytest.mark.parametrize(
    "answer, passages, expected",
    [
        ("Redwater [1] [2] [3] [4] [5] [6] [7] [8] [9]", 1, "Redwater [1]"),
        ("It is 1934 [1] [1] [1].", 2, "It is 1934 [1]."),
        ("Both [2][1] say so [3].", 3, "Both [2][1] say so [3]."),
        ("Nothing here [4].", 3, "Nothing here."),
    ],
)
def test_citations_of_passages_not_in_the_prompt_are_dropped(answer, passages, expected):
    from ragft.rag.citations import without_phantom_citations

    assert without_phantom_citations(answer, passages) == expected
