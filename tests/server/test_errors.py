"""Error bodies in OpenAI's shape: the param a client got wrong, never the server's internals."""

import json
import logging

from fastapi import FastAPI
from fastapi.testclient import TestClient

from ragft.server.errors import install_handlers
from ragft.server.schemas import ChatCompletionRequest


def _app() -> TestClient:
    app = FastAPI()
    install_handlers(app)

    @app.post("/chat")
    def chat(body: ChatCompletionRequest):
        return {"ok": True}

    @app.post("/boom")
    def boom():
        raise RuntimeError("secret /internal/path")

    return TestClient(app, raise_server_exceptions=False)


def test_an_unexpected_error_is_a_500_that_leaks_nothing_and_is_logged(caplog):
    with caplog.at_level(logging.ERROR, logger="ragft.server"):
        r = _app().post("/boom")
    assert r.status_code == 500 and r.json()["error"]["type"] == "server_error"
    assert "secret" not in r.text and "RuntimeError" not in r.text
    assert "secret /internal/path" in caplog.text


def test_a_failing_check_inside_a_union_names_its_reason_and_the_clients_param():
    body = {"model": "m", "messages": [{"role": "user", "content": [{"type": "text", "text": "a \ud800"}]}]}
    r = _app().post("/chat", content=json.dumps(body), headers={"content-type": "application/json"})
    assert r.status_code == 400
    assert r.json()["error"]["param"] == "messages.0.content.0.text"
    assert "unpaired surrogate" in r.json()["error"]["message"]
    ok = {
        "model": "m",
        "messages": [{"role": "user", "content": "hi"}],
        "tool_choice": "none",
        "response_format": {"type": "text"},
        "logprobs": False,
    }
    assert _app().post("/chat", json=ok).status_code == 200  # harmless values of the refused options pass
