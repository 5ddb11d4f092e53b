"""Constrained decoding (models/grammar.py): a randomly initialised model, sampling at temperature 1, can only write
output valid against the schema; rows with and without a grammar decode in one batch; a schema the library cannot
enforce is refused by name."""

from __future__ import annotations

import json

import jsonschema
import pytest

from ragft.models.grammar import GrammarError, json_object_grammar, json_schema_grammar
from ragft.models.sampling import Row, SamplingSettings, sample_batch


def obj(properties: dict, required: list[str] | None = None, **more) -> dict:
    """A closed object schema (additionalProperties false, every property required unless said)."""
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties) if required is None else required,
        "additionalProperties": False,
        **more,
    }


WORD = {"type": "string", "maxLength": 6}
SMALL = {"type": "integer", "minimum": 0, "maximum": 99}
# Bounded schemas (lengths, ranges, item counts): a random model wanders, and the grammar must still close
SCHEMAS = {
    "string": obj({"name": WORD}),
    "integer": obj({"age": SMALL}),
    "negative integer": obj({"delta": {"type": "integer", "minimum": -9, "maximum": -1}}),
    "number": obj({"price": {"type": "number", "minimum": 0, "maximum": 9}}),
    "boolean": obj({"ok": {"type": "boolean"}}),
    "null": obj({"nothing": {"type": "null"}}),
    "enum of strings": obj({"status": {"enum": ["open", "closed", "pending"]}}),
    "enum of mixed": obj({"level": {"enum": [1, "two", None, True]}}),
    "const": obj({"kind": {"const": "invoice"}}),
    "string pattern": obj({"code": {"type": "string", "pattern": "^[A-Z]{3}-[0-9]{2}$"}}),
    "date format": obj({"day": {"type": "string", "format": "date"}}),
    "nested object": obj({"owner": obj({"id": SMALL, "email": WORD})}),
    "array of strings": obj({"tags": {"type": "array", "items": WORD, "maxItems": 3}}),
    "array with bounds": obj({"scores": {"type": "array", "items": SMALL, "minItems": 2, "maxItems": 3}}),
    "array of objects": obj({"lines": {"type": "array", "items": obj({"q": SMALL, "what": WORD}), "maxItems": 2}}),
    "optional property": obj({"a": SMALL, "b": WORD}, required=["a"]),
    "nullable": obj({"note": {"type": ["string", "null"], "maxLength": 4}}),
    "anyOf": obj({"id": {"anyOf": [SMALL, {"type": "string", "maxLength": 3}]}}),
    "ref and defs": {
        "$defs": {"point": obj({"x": SMALL, "y": SMALL})},
        **obj({"start": {"$ref": "#/$defs/point"}, "end": {"$ref": "#/$defs/point"}}),
    },
    "deep nesting": obj({"a": obj({"b": obj({"c": obj({"d": {"type": "boolean"}})})})}),
    "many properties": obj({f"k{i}": {"type": "boolean"} for i in range(8)}),
    "top-level array": {"type": "array", "items": {"enum": ["x", "y"]}, "minItems": 1, "maxItems": 4},
    "string length range": obj({"pin": {"type": "string", "minLength": 4, "maxLength": 4, "pattern": "^[0-9]+$"}}),
}


def _decode(tiny, grammar: str, seeds=range(3), max_new_tokens: int = 160) -> list:
    ids = tiny.tokenizer("Answer in JSON.", add_special_tokens=False)["input_ids"]
    rows = [Row(ids, SamplingSettings(max_new_tokens, 1.0, seed=s, grammar=grammar)) for s in seeds]
    sample_batch(tiny.model, tiny.tokenizer, rows)
    return [r.decoder for r in rows]


@pytest.mark.parametrize("name", SCHEMAS)
def test_a_random_model_writes_only_valid_json(tiny, name):
    schema = SCHEMAS[name]
    for decoder in _decode(tiny, json_schema_grammar(schema)):
        assert decoder.finish_reason == "stop", (name, decoder.text)
        jsonschema.validate(json.loads(decoder.text), schema)


def test_json_mode_writes_an_object(tiny):
    for decoder in _decode(tiny, json_object_grammar(), max_new_tokens=400):
        if decoder.finish_reason == "stop":  # an open object can run to the limit: what closed must parse
            assert isinstance(json.loads(decoder.text), dict)
        else:
            assert decoder.text.startswith("{")


def test_constrained_and_free_rows_share_a_batch(tiny):
    ids = tiny.tokenizer("Hi", add_special_tokens=False)["input_ids"]
    free = SamplingSettings(12, 1.0, seed=5)
    alone = Row(ids, free)
    sample_batch(tiny.model, tiny.tokenizer, [alone])
    schema = SCHEMAS["nested object"]
    rows = [Row(ids, SamplingSettings(160, 1.0, seed=1, grammar=json_schema_grammar(schema))), Row(ids, free)]
    sample_batch(tiny.model, tiny.tokenizer, rows)
    jsonschema.validate(json.loads(rows[0].decoder.text), schema)
    assert rows[1].decoder.generated == alone.decoder.generated  # the free row is not touched by its neighbour


def test_logprobs_are_the_models_own_under_a_grammar(tiny):
    ids = tiny.tokenizer("Hi", add_special_tokens=False)["input_ids"]
    settings = SamplingSettings(40, 1.0, seed=2, logprobs=3, grammar=json_schema_grammar(SCHEMAS["boolean"]))
    row = Row(ids, settings)
    sample_batch(tiny.model, tiny.tokenizer, [row])
    assert json.loads(row.decoder.text) in ({"ok": True}, {"ok": False})
    # a random model gives "{" no special weight: the unmasked distribution spreads over the vocabulary
    first, logprob, alternatives = row.decoder.logprobs[0]
    assert tiny.tokenizer.decode([first]).startswith("{") and logprob < -1.0 and len(alternatives) == 3


@pytest.mark.parametrize(
    ("schema", "said"),
    [
        ({"type": "objekt"}, "objekt"),
        ({"type": "string", "format": "hostname-xyz"}, "hostname-xyz"),
        ({"$ref": "#/$defs/missing"}, "missing"),
        ({"type": "object", "properties": {"a": {"type": "string", "pattern": "(unclosed"}}}, "(unclosed"),
    ],
)
def test_what_cannot_be_enforced_is_refused_by_name(schema, said):
    with pytest.raises(GrammarError) as e:
        json_schema_grammar(schema)
    assert said in str(e.value)


def test_a_local_chat_model_answers_under_a_schema(tiny):
    """The experiments' greedy path (LocalChatModel): every reply valid, the loop guard (which would cut the JSON)
    off; without the schema the same model writes no JSON."""
    from ragft.models.generation import GenerationSettings, LocalChatModel

    schema = SCHEMAS["array of objects"]
    chat = LocalChatModel(tiny.model, tiny.tokenizer)
    conversations = [[{"role": "user", "content": f"Order {i}, as JSON."}] for i in range(5)]
    replies = chat.complete(conversations, GenerationSettings(200, batch_size=2, json_schema=json.dumps(schema)))
    for reply in replies:
        jsonschema.validate(json.loads(reply.text), schema)
    free = chat.complete(conversations, GenerationSettings(40, batch_size=2))
    assert not any(r.text.startswith("{") for r in free)


def test_generation_narrows_what_the_schema_leaves_open_and_stays_valid_against_it():
    from ragft.models.grammar import SAFE_INTEGER, narrowed

    given = {
        "type": "object",
        "properties": {"n": {"type": "integer", "minimum": 3}, "tags": {"type": "object", "properties": {}}},
        "required": ["n"],
        "$defs": {"open": {"type": "object", "additionalProperties": {"type": "string"}, "properties": {}}},
        "const_example": {"const": {"properties": {"a": 1}}},
    }
    out = narrowed(given)
    assert out["additionalProperties"] is False and out["properties"]["tags"]["additionalProperties"] is False
    assert out["properties"]["n"] == {"type": "integer", "minimum": 3, "maximum": SAFE_INTEGER}
    assert out["$defs"]["open"]["additionalProperties"] == {"type": "string"}  # what the schema says is kept
    assert "additionalProperties" not in given  # the caller's schema is not changed


UNBOUNDED = {  # what a random model never closes by itself: strings, arrays and objects without bounds
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "tags": {"type": "array", "items": {"type": "string"}},
        "owner": {"type": "object", "properties": {"email": {"type": "string"}}, "required": ["email"]},
    },
    "required": ["name", "tags", "owner"],
}


@pytest.mark.parametrize("budget", [48, 64, 96])
def test_a_reply_the_token_limit_cuts_still_parses(tiny, budget):
    """The shortest valid reply takes 40 tokens in the tiny tokenizer ({"name":"","owner":{"email":""},"tags":[]},
    a key spelt letter by letter); any budget that holds it gets a reply that parses."""
    for decoder in _decode(tiny, json_schema_grammar(UNBOUNDED), seeds=range(4), max_new_tokens=budget):
        jsonschema.validate(json.loads(decoder.text), UNBOUNDED)
        assert decoder.completion_tokens <= budget
        assert decoder.finish_reason == "length"  # the budget, not the model, closed it
    for decoder in _decode(tiny, json_object_grammar(), seeds=range(2), max_new_tokens=budget // 4):
        assert isinstance(json.loads(decoder.text), dict)


def test_a_budget_too_small_for_any_valid_reply_cuts_it(tiny):
    (decoder,) = _decode(tiny, json_schema_grammar(UNBOUNDED), seeds=[0], max_new_tokens=24)
    assert decoder.finish_reason == "length" and decoder.completion_tokens == 24
    with pytest.raises(ValueError):
        json.loads(decoder.text)


def test_the_experiments_greedy_path_closes_in_time_too(tiny):
    from ragft.models.generation import GenerationSettings, LocalChatModel

    chat = LocalChatModel(tiny.model, tiny.tokenizer)
    conversations = [[{"role": "user", "content": f"Person {i}, as JSON."}] for i in range(4)]
    settings = GenerationSettings(56, batch_size=4, json_schema=json.dumps(UNBOUNDED))
    for reply in chat.complete(conversations, settings):
        jsonschema.validate(json.loads(reply.text), UNBOUNDED)
        assert reply.completion_tokens <= 56


def test_a_reply_writes_the_properties_in_the_schemas_order(tiny):
    """The order a model was trained on is the order it is held to (a cache keyed by sorted keys once made a
    fine-tune write needs_id before reply, and lose its words)."""
    schema = obj({"zeta": {"type": "boolean"}, "alpha": {"type": "boolean"}, "mid": {"type": "boolean"}})
    for decoder in _decode(tiny, json_schema_grammar(schema)):
        assert list(json.loads(decoder.text)) == ["zeta", "alpha", "mid"]


def test_free_text_under_a_grammar_keeps_its_whole_budget(tiny):
    """Text that may end anywhere (a tool-call grammar's free-text branch) loses at most its last token to closing."""
    from ragft.models.grammar import lark_grammar

    for decoder in _decode(tiny, lark_grammar("start: /[^<](?s:.*)/"), max_new_tokens=20):
        assert decoder.completion_tokens >= 19 and decoder.finish_reason == "length"
