import pytest

from ragft.errors import RagftError
from ragft.models.catalogue import CATALOGUE, DEFAULT_MODEL
from ragft.models.loading import classify_model, load_model


def test_classifies_every_kind_of_model_value(tiny_model_dir, tmp_path):
    assert classify_model(DEFAULT_MODEL) == ("gguf", CATALOGUE[DEFAULT_MODEL].gguf_path())
    assert classify_model(str(tiny_model_dir)) == ("hf", tiny_model_dir)
    assert classify_model("HuggingFaceTB/SmolLM2-135M-Instruct") == ("hub", "HuggingFaceTB/SmolLM2-135M-Instruct")
    (tmp_path / "adapter").mkdir()
    (tmp_path / "adapter" / "adapter_config.json").write_text("{}")
    assert classify_model(str(tmp_path / "adapter")) == ("adapter", tmp_path / "adapter")


@pytest.mark.parametrize(
    "value, message",
    [
        ("no-such-model", "unknown model 'no-such-model'"),
        ("a/b/c", "unknown model 'a/b/c'"),
        ("missing.gguf", "does not exist"),
        ("./missing-dir", "is not a model directory"),
    ],
)
def test_bad_model_values(value, message):
    with pytest.raises(RagftError, match=message):
        classify_model(value)


def test_directory_without_a_model(tmp_path):
    with pytest.raises(RagftError, match="neither config.json"):
        classify_model(str(tmp_path))


def test_load_sets_a_pad_token_and_eval_mode(tiny):
    assert tiny.tokenizer.pad_token is not None
    assert not tiny.model.training and tiny.device == "cpu"


def test_unknown_device_is_refused(tiny_model_dir):
    import torch

    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    with pytest.raises(RagftError, match="no CUDA GPU"):
        load_model(str(tiny_model_dir), "cuda")


def test_a_broken_model_file_or_folder_is_one_line_naming_it(tmp_path, monkeypatch):
    from ragft.errors import RagftError
    from ragft.models.loading import load_model

    monkeypatch.setenv("RAGFT_HOME", str(tmp_path / "home"))
    fake = tmp_path / "fake.gguf"
    fake.write_bytes(b"GGUF")
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "config.json").write_text("{}")
    for model in (fake, empty):
        with pytest.raises(RagftError, match=f"could not load model '{model}': ") as e:
            load_model(str(model), "cpu")
        assert "\n" not in str(e.value)
