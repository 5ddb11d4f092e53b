"""forward_cached passes the KV cache under the name the installed transformers' forward takes."""

import pytest

from ragft.models.generation import forward_cached


class _NewStyle:  # transformers >= 5.24
    def forward(self, input_ids=None, cache=None, use_cache=None, logits_to_keep=0):
        return {"logits": input_ids, "cache": (cache or ()) + (input_ids,)}

    __call__ = forward


class _OldStyle:  # transformers < 5.24
    def forward(self, input_ids=None, past_key_values=None, use_cache=None, logits_to_keep=0):
        return {"logits": input_ids, "past_key_values": (past_key_values or ()) + (input_ids,)}

    __call__ = forward


@pytest.mark.parametrize("model", [_NewStyle(), _OldStyle()])
def test_the_cache_goes_in_and_comes_back_under_the_models_own_name(model):
    out, cache = forward_cached(model, input_ids=1)
    assert cache == (1,)
    out, cache = forward_cached(model, cache, input_ids=2)
    assert cache == (1, 2) and out["logits"] == 2


def test_a_wrapped_model_is_asked_through_its_base():
    class Wrapper:  # PEFT's forward takes **kwargs: its base model's signature decides
        def __init__(self):
            self.base = _OldStyle()

        def get_base_model(self):
            return self.base

        def __call__(self, **kwargs):
            return self.base(**kwargs)

    assert forward_cached(Wrapper(), (0,), input_ids=3)[1] == (0, 3)
