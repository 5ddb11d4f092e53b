"""Structured output against a real `ragft serve` and the real SmolLM2, driven by the official `openai` client:
JSON schema and JSON mode replies that parse and validate, `chat.completions.parse` with a Pydantic model, tool
calls (required, named, parallel or not, streamed, sent back with their results), and a 400 naming what cannot be
enforced. The model is small: these check the shape the grammar guarantees, not the wisdom of what it writes."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import jsonschema
import openai
import pytest
from pydantic import BaseModel, Field

MODEL = "gpt-3.5-turbo"  # the real SmolLM2
CITY = {
    "type": "object",
    "properties": {
        "city": {"type": "string", "maxLength": 30},
        "population": {"type": "integer"},
        "coastal": {"type": "boolean"},
    },
    "required": ["city", "population", "coastal"],
    "additionalProperties": False,
}
ASK_CITY = [{"role": "user", "content": "Describe Lisbon: its name, population and whether it is on the coast."}]
WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "The current weather in a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string", "maxLength": 40}, "unit": {"enum": ["celsius", "fahrenheit"]}},
            "required": ["city", "unit"],
            "additionalProperties": False,
        },
    },
}
TIME = {
    "type": "function",
    "function": {
        "name": "get_time",
        "description": "The local time in a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string", "maxLength": 40}},
            "required": ["city"],
            "additionalProperties": False,
        },
    },
}
ASK_WEATHER = [{"role": "user", "content": "What is the weather in Oslo?"}]


def create(client, **kwargs):
    return client.chat.completions.create(**{"model": MODEL, "max_tokens": 120, "temperature": 0, **kwargs})


def city_format(schema=CITY) -> dict:
    return {"type": "json_schema", "json_schema": {"name": "city", "schema": schema, "strict": True}}


def test_a_json_schema_reply_validates_plain_and_streamed(client):
    reply = create(client, messages=ASK_CITY, response_format=city_format())
    text = reply.choices[0].message.content
    assert reply.choices[0].finish_reason == "stop"
    jsonschema.validate(json.loads(text), CITY)
    chunks = list(create(client, messages=ASK_CITY, response_format=city_format(), stream=True))
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == text  # greedy: the same reply


def test_parse_with_a_pydantic_model(client):
    class City(BaseModel):
        name: str = Field(max_length=30)
        population: int

    reply = client.chat.completions.parse(
        model=MODEL, messages=[{"role": "user", "content": "Describe Paris."}], response_format=City, temperature=0
    )
    city = reply.choices[0].message.parsed
    assert isinstance(city, City) and city.name


def test_json_mode_replies_with_an_object(client):
    reply = create(
        client,
        messages=[{"role": "user", "content": "Give the name and population of Lisbon as JSON."}],
        response_format={"type": "json_object"},
    )
    assert reply.choices[0].finish_reason == "stop"
    assert isinstance(json.loads(reply.choices[0].message.content), dict)


def test_what_cannot_be_enforced_is_a_400_naming_it(client):
    with pytest.raises(openai.BadRequestError) as err:
        create(client, messages=ASK_CITY, response_format=city_format({"type": "string", "format": "hostname-xyz"}))
    assert err.value.body["param"] == "response_format.json_schema.schema"
    assert "hostname-xyz" in err.value.body["message"]
    with pytest.raises(openai.BadRequestError) as err:
        create(client, messages=ASK_CITY, response_format={"type": "json_object"}, tools=[WEATHER])
    assert err.value.body["param"] == "response_format"
    with pytest.raises(openai.BadRequestError) as err:
        create(
            client,
            messages=ASK_WEATHER,
            tools=[WEATHER],
            tool_choice={"type": "function", "function": {"name": "nope"}},
        )
    assert err.value.body["param"] == "tool_choice" and "get_weather" in err.value.body["message"]


def _valid_call(call) -> dict:
    spec = {t["function"]["name"]: t["function"]["parameters"] for t in (WEATHER, TIME)}[call.function.name]
    arguments = json.loads(call.function.arguments)
    jsonschema.validate(arguments, spec)
    assert call.id.startswith("call_") and call.type == "function"
    return arguments


def test_required_and_named_tool_calls_carry_valid_arguments(client):
    reply = create(client, messages=ASK_WEATHER, tools=[WEATHER, TIME], tool_choice="required")
    choice = reply.choices[0]
    assert choice.finish_reason == "tool_calls" and choice.message.content is None and choice.message.tool_calls
    for call in choice.message.tool_calls:
        _valid_call(call)
    named = {"type": "function", "function": {"name": "get_time"}}
    reply = create(client, messages=ASK_WEATHER, tools=[WEATHER, TIME], tool_choice=named, parallel_tool_calls=False)
    (call,) = reply.choices[0].message.tool_calls  # one call, of the function named
    assert call.function.name == "get_time" and _valid_call(call)["city"]


def test_tool_results_go_back_into_the_conversation(client):
    reply = create(client, messages=ASK_WEATHER, tools=[WEATHER], tool_choice="required", parallel_tool_calls=False)
    call = reply.choices[0].message.tool_calls[0]
    follow_up = [
        *ASK_WEATHER,
        {"role": "assistant", "content": None, "tool_calls": [call.model_dump()]},
        {"role": "tool", "tool_call_id": call.id, "content": "Oslo: 3 degrees celsius, light rain."},
    ]
    reply = create(client, messages=follow_up, tools=[WEATHER], tool_choice="none", max_tokens=40)
    assert reply.choices[0].finish_reason in ("stop", "length") and reply.choices[0].message.content
    assert reply.usage.prompt_tokens > len("Oslo: 3 degrees celsius, light rain.".split())  # the result was read
    with pytest.raises(openai.BadRequestError) as err:
        broken = {
            **follow_up[1],
            "tool_calls": [{**call.model_dump(), "function": {"name": "get_weather", "arguments": "{"}}],
        }
        create(client, messages=[*ASK_WEATHER, broken, follow_up[2]], tools=[WEATHER])
    assert err.value.body["param"] == "messages.1.tool_calls.0.function.arguments"


def test_streamed_tool_calls_add_up_to_the_plain_reply(client):
    kwargs = {"messages": ASK_WEATHER, "tools": [WEATHER, TIME], "tool_choice": "required"}
    plain = create(client, **kwargs).choices[0].message.tool_calls
    calls, finish = {}, None
    for chunk in create(client, stream=True, **kwargs):
        delta = chunk.choices[0].delta
        for part in delta.tool_calls or []:
            found = calls.setdefault(part.index, {"name": "", "arguments": ""})
            found["name"] += part.function.name or ""
            found["arguments"] += part.function.arguments or ""
        finish = chunk.choices[0].finish_reason or finish
    assert finish == "tool_calls"
    assert [(c["name"], c["arguments"]) for _, c in sorted(calls.items())] == [
        (c.function.name, c.function.arguments) for c in plain
    ]


def test_auto_lets_the_model_answer_in_text_or_a_valid_call(client):
    reply = create(client, messages=ASK_WEATHER, tools=[WEATHER], tool_choice="auto")
    message = reply.choices[0].message
    if message.tool_calls:
        assert reply.choices[0].finish_reason == "tool_calls" and all(_valid_call(c) for c in message.tool_calls)
    else:
        assert message.content and not message.content.startswith("<")


def test_constrained_and_free_requests_decode_together(server, client):
    def one(i: int):
        if i % 2:
            return create(client, messages=ASK_CITY, response_format=city_format(), seed=i, temperature=0.7)
        return create(client, messages=ASK_CITY, max_tokens=30, seed=i, temperature=0.7)

    with ThreadPoolExecutor(16) as pool:  # 16 at once: 8 under the schema, 8 free, decoded together
        replies = list(pool.map(one, range(16)))
    for i, reply in enumerate(replies):
        if i % 2:
            jsonschema.validate(json.loads(reply.choices[0].message.content), CITY)
        else:
            assert reply.choices[0].message.content


def test_a_reply_is_calls_only_where_it_is_whole_calls():
    from ragft.server.structured import OutputFormat, ToolCallStream

    fmt = OutputFormat(grammar="unused", calls=True)
    call = '<tool_call>\n{"name": "get_time", "arguments": {"city": "Oslo"}}\n</tool_call>'
    content, calls = fmt.reply(call + "\n" + call.replace("Oslo", "Rome"))
    assert content is None and [json.loads(c["function"]["arguments"])["city"] for c in calls] == ["Oslo", "Rome"]
    cut = call[:30]  # the token limit came first
    assert fmt.reply(cut) == (cut, None) and OutputFormat().reply(call) == (call, None)
    stream = ToolCallStream()
    assert [stream.passed(d) for d in ("", "<tool", "_call>")] == ["", "", ""] and stream.call
    text = ToolCallStream()
    assert [text.passed(d) for d in ("", " It", " <b>")] == ["", " It", " <b>"]
    assert fmt.reply(" " + call) == (" " + call, None)  # free text may hold a call's words: only a reply's start calls
