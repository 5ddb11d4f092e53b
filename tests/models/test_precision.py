import pytest
import torch

from ragft.models.generation import GenerationSettings, LocalChatModel
from ragft.models.precision import cpu_has_native_bf16, inference_copy, resolve_precision


def test_resolve_precision():
    assert resolve_precision("fp32", "cpu") == "fp32"
    assert resolve_precision("bf16", "cpu") == "bf16"
    assert resolve_precision("auto", "cpu") == ("bf16" if cpu_has_native_bf16() else "fp32")
    with pytest.raises(ValueError, match="precision must be one of"):
        resolve_precision("fp16", "cpu")


def test_bf16_inference_copy_leaves_the_master_weights_alone(tiny):
    model = tiny.model
    before = {k: v.clone() for k, v in model.state_dict().items()}
    copy = inference_copy(model, "bf16")
    assert copy is not model and inference_copy(model, "fp32") is model
    assert all(p.dtype == torch.bfloat16 for p in copy.parameters())
    assert copy.get_input_embeddings().weight is copy.get_output_embeddings().weight  # still tied
    assert all(p.dtype == torch.float32 and p.requires_grad for p in model.parameters())
    for k, v in model.state_dict().items():
        assert torch.equal(v, before[k]), k
    for k, v in copy.state_dict().items():
        torch.testing.assert_close(v.float(), before[k], rtol=1e-2, atol=1e-2)


def test_bf16_answers_come_from_a_snapshot(tiny):
    """LocalChatModel(bf16) answers with the weights as they were when it was built."""
    prompt = [[{"role": "user", "content": "What is the population of City_3?"}]]
    settings = GenerationSettings(max_new_tokens=6)
    chat = LocalChatModel(tiny.model, tiny.tokenizer, "bf16")
    first = chat.complete(prompt, settings)[0]
    with torch.no_grad():
        for p in tiny.model.parameters():
            p.mul_(-1.0)
    assert chat.complete(prompt, settings)[0].text == first.text
    assert first.prompt_tokens > 0 and 1 <= first.completion_tokens <= 6


@pytest.mark.parametrize(
    "caps, speedup, expected, probed",
    [
        ({"amx_bf16": True, "avx512_bf16": True}, None, True, False),  # AMX: bf16 without asking
        ({"avx512_bf16": True}, 4.2, True, True),  # AMD Zen 4 as measured: ~4x
        ({"avx512_bf16": True}, 1.1, False, True),  # the instructions, but no faster
        ({}, None, False, False),  # AVX2 only: bf16 emulated
    ],
)
def test_auto_precision_takes_bf16_where_the_cpu_multiplies_it_fast(
    monkeypatch, tmp_path, caps, speedup, expected, probed
):
    from ragft.models import precision

    monkeypatch.setenv("RAGFT_HOME", str(tmp_path))
    monkeypatch.setattr(precision, "_capabilities", lambda: caps)
    calls = []
    monkeypatch.setattr(precision, "_matmul_speedup", lambda: calls.append(1) or speedup)
    precision.cpu_has_native_bf16.cache_clear()
    try:
        assert precision.cpu_has_native_bf16() is expected
        assert resolve_precision("auto", "cpu") == ("bf16" if expected else "fp32")
        precision.cpu_has_native_bf16.cache_clear()
        precision.cpu_has_native_bf16()  # a new process: the probe's result is read back, not measured again
        assert len(calls) == (1 if probed else 0)
        assert (tmp_path / precision.PROBE_FILE).exists() is probed
    finally:
        precision.cpu_has_native_bf16.cache_clear()


def test_the_probe_measures_a_ratio_on_this_cpu():
    from ragft.models.precision import _matmul_speedup

    assert 0.01 < _matmul_speedup(n=256, reps=2) < 100
