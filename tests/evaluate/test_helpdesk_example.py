"""The bundled second house style (examples/helpdesk): its config loads, its spec fits its own replies."""

import json
from pathlib import Path

from ragft.config import load_config
from ragft.evaluate.style import Style

HERE = Path(__file__).resolve().parents[2] / "src" / "ragft" / "examples" / "helpdesk"


def _conversations(name: str) -> list[dict]:
    return [json.loads(line) for line in (HERE / name).read_text().splitlines()]


def test_the_example_config_loads_and_every_reference_reply_keeps_every_rule(monkeypatch):
    monkeypatch.chdir(HERE.parents[3])  # its paths are the repository's
    config = load_config(None, HERE / "helpdesk.yaml")
    style = Style.from_config(config.behaviour.style)
    assert set(style.rules()) == {"forbidden", "greeting", "sign-off", "words", "identifier"}
    for name in ("train.jsonl", "test.jsonl"):
        for conv in _conversations(name):
            reply = conv["messages"][-1]["content"]
            assert all(style.check(reply, reply).values()), (name, reply)
    asked = {n: {c["messages"][1]["content"] for c in _conversations(n)} for n in ("train.jsonl", "test.jsonl")}
    assert not asked["train.jsonl"] & asked["test.jsonl"]  # held-out requests are never trained on
    assert Path(config.behaviour.source).is_file() and Path(config.behaviour.test).is_file()
