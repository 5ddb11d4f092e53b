"""OpenAI's tool-calling chat format: it validates, counts and trains (finetune/chat_format.py)."""

import json

from ragft.data.validate import validate_file
from ragft.finetune.chat_format import template_messages
from ragft.finetune.tokenize import IGNORE, count_tokens, tokenize_conversation

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
        },
    }
]
CALL = {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Oslo"}'}}
EXAMPLE = {
    "messages": [
        {"role": "system", "content": "You are a weather bot."},
        {"role": "user", "content": "Weather in Oslo?"},
        {"role": "assistant", "content": None, "tool_calls": [CALL]},
        {"role": "tool", "tool_call_id": "call_1", "content": '{"temp": 4}'},
        {"role": "assistant", "content": "It is 4 degrees in Oslo."},
    ],
    "tools": TOOLS,
}


def _trained(tok, row) -> str:
    return tok.decode([t for t, label in zip(row["input_ids"], row["labels"]) if label != IGNORE])


def test_tool_calls_are_trained_as_text_where_the_template_has_none(tiny):
    tok = tiny.tokenizer
    row = tokenize_conversation(tok, EXAMPLE["messages"], tools=EXAMPLE["tools"])
    text = tok.decode(row["input_ids"])
    assert "<tools>\n" + json.dumps(TOOLS[0]["function"]) + "\n</tools>" in text  # offered in the system message
    call = '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Oslo"}}\n</tool_call>'
    assert _trained(tok, row) == f"{call}<|im_end|>\nIt is 4 degrees in Oslo.<|im_end|>\n"
    assert '{"temp": 4}' in text and '{"temp": 4}' not in _trained(tok, row)  # the tool's answer is prompt
    assert count_tokens(tok, EXAMPLE["messages"], TOOLS) == len(row["input_ids"])


def test_weight_zero_keeps_an_assistant_turn_out_of_the_loss(tiny):
    messages = [
        {"role": "user", "content": "a?"},
        {"role": "assistant", "content": "one", "weight": 0},
        {"role": "user", "content": "b?"},
        {"role": "assistant", "content": "two", "weight": 1},
    ]
    assert _trained(tiny.tokenizer, tokenize_conversation(tiny.tokenizer, messages)) == "two<|im_end|>\n"


def test_a_template_that_knows_tools_gets_them_as_they_are():
    class Native:
        chat_template = "{% for m in messages %}{{ m.tool_calls }}{% endfor %}"

    out = template_messages(Native(), EXAMPLE["messages"], TOOLS)
    assert out[2]["tool_calls"] == [CALL] and out[2]["content"] == "" and len(out) == len(EXAMPLE["messages"])


def test_the_tool_calling_format_validates_and_bad_calls_are_named(tmp_path, tiny):
    legacy = {
        "messages": [
            {"role": "user", "content": "Weather?"},
            {"role": "assistant", "content": None, "function_call": {"name": "get_weather", "arguments": "{}"}},
            {"role": "function", "name": "get_weather", "content": "sunny"},
            {"role": "assistant", "content": "Sunny."},
        ],
        "functions": [TOOLS[0]["function"]],
    }
    bad = [
        {"messages": [{"role": "user", "content": "x"}, {"role": "assistant", "tool_calls": "call it"}]},
        {"messages": [{"role": "user", "content": "x"}, {"role": "assistant", "tool_calls": [{"function": {}}]}]},
        {"messages": [{"role": "user", "content": "x", "tool_calls": [CALL]}, {"role": "assistant", "content": "y"}]},
    ]
    path = tmp_path / "tools.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in [EXAMPLE, legacy, *bad]) + "\n")
    report = validate_file(
        path,
        lambda ex: count_tokens(tiny.tokenizer, ex["messages"], ex.get("tools") or ex.get("functions")),
        min_examples=1,
    )
    assert len(report.examples) == 2 and all(n > 20 for n in report.token_counts)
    messages = sorted((p.line, p.message) for p in report.problems)
    assert [line for line, _ in messages] == [3, 4, 5]
    assert "'tool_calls' must be a list" in messages[0][1] and "function name" in messages[1][1]
    assert "only an assistant message calls tools" in messages[2][1]


def test_a_model_trains_on_tool_calling_examples(tiny_model_dir):
    from ragft.finetune.train import TrainSettings, train
    from ragft.models.loading import load_model

    loaded = load_model(str(tiny_model_dir), "cpu")
    settings = TrainSettings(method="full", epochs=2, learning_rate=3e-3, batch_size=4)
    _, result = train(loaded.model, loaded.tokenizer, [EXAMPLE] * 4, settings)
    assert result.steps == 2 and result.losses[-1] < result.losses[0]
    one = tokenize_conversation(loaded.tokenizer, EXAMPLE["messages"], tools=TOOLS)
    assert result.train_tokens == 2 * 4 * len(one["input_ids"])  # the tools' block was trained through too
