"""The support generator: replies that keep their own house style, train and test requests that share nothing."""

import json

import pytest
from typer.testing import CliRunner

from ragft.cli import app
from ragft.data import support
from ragft.evaluate.study_config import StyleConfig
from ragft.evaluate.style import Style


@pytest.mark.parametrize("format", support.FORMATS)
@pytest.mark.parametrize("split", support.SPLITS)
def test_every_reference_reply_keeps_every_rule(format, split):
    style = Style.from_config(StyleConfig(**support.style(format)))
    conversations = support.conversations(150, 7, format, split)
    assert len(conversations) == 150
    for c in conversations:
        reply = c["messages"][-1]["content"]
        assert all(style.check(reply, reply).values()), reply
    needs = [json.loads(c["messages"][-1]["content"])["needs_id"] for c in conversations] if format == "json" else []
    assert format == "text" or set(needs) == set(support.IDENTIFIERS)  # every identifier is asked for


def test_train_and_test_share_no_message_template_or_slot_value():
    train = [c["messages"][1]["content"] for c in support.conversations(300, 1, "text", "train")]
    test = [c["messages"][1]["content"] for c in support.conversations(100, 1, "text", "test")]
    assert not set(train) & set(test)
    for product in support.PRODUCTS["test"]:
        assert not any(product in m for m in train)
    for product in support.PRODUCTS["train"]:
        assert not any(product in m for m in test)
    for intent in support.INTENTS:
        assert not set(intent.train) & set(intent.test)


def test_the_same_seed_gives_the_same_conversations_and_another_seed_others():
    assert support.conversations(20, 3) == support.conversations(20, 3)
    assert support.conversations(20, 3) != support.conversations(20, 4)
    with pytest.raises(ValueError, match="format"):
        support.conversations(2, format="xml")


def test_the_instructions_spell_out_every_rule_the_style_checks():
    text = support.instructions("json")
    assert support.GREETING in text and support.SIGN_OFF in text and str(support.MAX_WORDS) in text
    assert all(phrase in text for phrase in support.IDENTIFIERS.values())
    assert all(intent.name in text for intent in support.INTENTS) and "JSON" in text
    assert "JSON" not in support.instructions("text")


def test_cli_writes_a_split_that_validates(tmp_path):
    out = tmp_path / "support.jsonl"
    runner = CliRunner()
    result = runner.invoke(app, ["data", "support", "-n", "12", "--format", "json", "--split", "test", "-o", str(out)])
    assert result.exit_code == 0, result.output
    lines = out.read_text().splitlines()
    assert len(lines) == 12 and all(json.loads(line)["messages"][0]["role"] == "system" for line in lines)
    bad = runner.invoke(app, ["data", "support", "--split", "dev"])
    assert bad.exit_code == 2 and "--split" in bad.output
