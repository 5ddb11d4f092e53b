"""Shared fixtures: a tiny randomly initialised Llama with a ChatML tokenizer, built in the test session."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest_plugins = ["chroma_server_fixture"]

CHATML = (
    "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + "
    "'<|im_end|>' + '\n'}}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)


def build_tiny_tokenizer(corpus: list[str]):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=400,
        special_tokens=["<|endoftext|>", "<|im_start|>", "<|im_end|>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(corpus, trainer)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        bos_token="<|im_start|>",
        eos_token="<|im_end|>",
        pad_token="<|im_end|>",
        unk_token="<|endoftext|>",
    )
    fast.chat_template = CHATML
    return fast


def build_tiny_model(vocab_size: int, seed: int = 0):
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=vocab_size,
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=512,
        tie_word_embeddings=True,
    )
    return LlamaForCausalLM(config)


@pytest.fixture(autouse=True)
def isolated_home(tmp_path_factory, monkeypatch):
    """Every test gets its own RAGFT_HOME, so nothing leaks between tests or into ~/.cache."""
    home = tmp_path_factory.mktemp("ragft_home")
    monkeypatch.setenv("RAGFT_HOME", str(home))
    return home


@pytest.fixture(scope="session")
def cities():
    from ragft.data.cities import city_conversations

    return city_conversations(100, 42)


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory, cities) -> Path:
    """A saved tiny model directory: usable anywhere ragft takes --model."""
    from ragft.rag.prompts import SEED_FINETUNED_PROMPT, SEED_RAG_PROMPT

    corpus = [m["content"] for c in cities for m in c["messages"]] + [SEED_FINETUNED_PROMPT, SEED_RAG_PROMPT]
    tokenizer = build_tiny_tokenizer(corpus)
    model = build_tiny_model(len(tokenizer))
    model.generation_config.eos_token_id = tokenizer.eos_token_id
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    out = tmp_path_factory.mktemp("tiny_model")
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out


@pytest.fixture()
def tiny(tiny_model_dir):
    """A freshly loaded tiny model (LoadedModel) that a test may train or modify."""
    from ragft.models.loading import load_model

    return load_model(str(tiny_model_dir), "cpu")


@pytest.fixture()
def cities_file(tmp_path, cities) -> Path:
    from ragft.data.cities import to_jsonl

    path = tmp_path / "cities.jsonl"
    path.write_text(to_jsonl(cities))
    return path


def write_jsonl(path: Path, rows: list) -> Path:
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n")
    return path


@pytest.fixture(scope="session")
def shared_home(tmp_path_factory):
    """One RAGFT_HOME for the real-model tests (tests/integration): the GGUF is dequantised once."""
    return tmp_path_factory.mktemp("real_home")


@pytest.fixture()
def real_home(isolated_home, shared_home, monkeypatch):
    monkeypatch.setenv("RAGFT_HOME", str(shared_home))
    return shared_home


@pytest.fixture()
def drop_in(tmp_path, monkeypatch):
    """drop_in(package, name, source, registry_cache): a module `name` added to `package` the way a newcomer adds a
    study, context or domain (a file in its folder), with the registry's cache cleared before and after."""
    cleared = []

    def add(package, name: str, source: str, cache) -> None:
        folder = tmp_path / f"more_{package.__name__.replace('.', '_')}"
        folder.mkdir(exist_ok=True)
        (folder / f"{name}.py").write_text(source)
        monkeypatch.setattr(package, "__path__", [*package.__path__, str(folder)])
        cache.cache_clear()
        cleared.append(cache)

    yield add
    for cache in cleared:
        cache.cache_clear()
