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


@pytest.mark.parametrize(
    "overrides, expected",
    [
        ({"backend.type": "openai"}, "backend.finetune: openai"),
        ({"backend.finetune": "openai", "finetune.method": "lora"}, "lora is local only"),
        ({"backend.type": "vllm"}, "backend.type"),
    ],
)
def test_backend_combinations_that_cannot_work_are_config_errors(overrides, expected):
    with pytest.raises(RagftError, match=expected):
        load_config("seed", None, overrides)


def test_an_openai_backend_without_finetuned_arms_needs_no_finetuning_api():
    config = load_config("seed", None, {"backend.type": "openai", "arms": ["base", "rag"], "model": "gpt-4o-mini"})
    assert config.backend.type == "openai" and "api_key" not in config.to_yaml()


def test_a_model_that_refuses_max_tokens_is_asked_with_max_completion_tokens():
    # OpenAI's reasoning models answer 400 to `max_tokens`; nothing here behaves so, so a mock transport plays
    # that endpoint (the only mock in these tests: OpenAI's cloud cannot be reached from here).
    import json

    import httpx
    from openai import OpenAI

    seen = []

    def endpoint(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        seen.append(sorted(k for k in body if k.startswith("max_")))
        if "max_tokens" in body:
            return httpx.Response(
                400,
                json={
                    "error": {
                        "message": "Unsupported parameter: 'max_tokens' is not supported with this model. Use "
                        "'max_completion_tokens' instead.",
                        "type": "invalid_request_error",
                        "param": "max_tokens",
                        "code": "unsupported_parameter",
                    }
                },
            )
        return httpx.Response(
            200,
            json={
                "id": "c",
                "object": "chat.completion",
                "created": 0,
                "model": body["model"],
                "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "4"}}],
                "usage": {"prompt_tokens": 5, "completion_tokens": 1, "total_tokens": 6},
            },
        )

    client = OpenAI(
        base_url="http://reasoning.test/v1",
        api_key="k",
        max_retries=0,
        http_client=httpx.Client(transport=httpx.MockTransport(endpoint)),
    )
    model = OpenAIChatModel(client, "o-mini", concurrency=1)
    answers = model.complete([[{"role": "user", "content": "2+2?"}]] * 2, GenerationSettings(max_new_tokens=7))
    assert [a.text for a in answers] == ["4", "4"]
    assert seen == [["max_tokens"], ["max_completion_tokens"], ["max_completion_tokens"]]  # learnt once


def test_credentials_in_an_endpoint_url_are_never_written_down():
    config = load_config(
        None,
        None,
        {
            "arms": ["base", "rag"],
            "backend.type": "openai",
            "backend.base_url": "http://me:s3cret@llm.internal:8000/v1?api-key=abc&v=2",
            "judge.model": "j",
            "judge.url": "https://u:pw@judge.test/v1",
            "rag.chroma_url": "http://c:hunter2@chroma.test:8000",
        },
    )
    assert config.backend.base_url == "http://me:s3cret@llm.internal:8000/v1?api-key=abc&v=2"  # used as given
    written = config.to_yaml()
    for secret in ("s3cret", "abc", "pw", "hunter2", "me:"):
        assert secret not in written
    assert "base_url: http://llm.internal:8000/v1?api-key=REDACTED&v=2" in written
