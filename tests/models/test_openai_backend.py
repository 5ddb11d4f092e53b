"""OpenAIChatModel's failure path and the backend options' validation (the happy path runs against a real
`ragft serve` in tests/server/test_run_backend.py)."""

import socket

import pytest

from ragft.config import load_config
from ragft.errors import RagftError
from ragft.models.generation import GenerationSettings
from ragft.models.openai_backend import OpenAIChatModel, openai_client


def test_an_unreachable_endpoint_is_one_clear_error():
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    client = openai_client(f"http://127.0.0.1:{port}/v1", "sk-test")
    model = OpenAIChatModel(client.with_options(max_retries=0, timeout=5), "gpt-4o-mini")
    with pytest.raises(RagftError, match="chat completion with model 'gpt-4o-mini' failed: Connection error") as err:
        model.complete([[{"role": "user", "content": "hi"}]], GenerationSettings())
    assert "sk-test" not in str(err.value)


def test_the_client_takes_the_environment_defaults(monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    client = openai_client()
    assert str(client.base_url).startswith("http://127.0.0.1:9/v1") and client.api_key == "none"
    assert openai_client("http://h:1/v1", "k").api_key == "k"


@pytest.mark.parametrize("overrides, expected", [
    ({"backend.type": "openai"}, "backend.finetune: openai"),
    ({"backend.finetune": "openai", "finetune.method": "lora"}, "lora is local only"),
    ({"backend.type": "vllm"}, "backend.type"),
])
def test_backend_combinations_that_cannot_work_are_config_errors(overrides, expected):
    with pytest.raises(RagftError, match=expected):
        load_config("seed", None, overrides)


def test_an_openai_backend_without_finetuned_arms_needs_no_finetuning_api():
    config = load_config("seed", None, {"backend.type": "openai", "arms": ["base", "rag"], "model": "gpt-4o-mini"})
    assert config.backend.type == "openai" and "api_key" not in config.to_yaml()
