"""Property-based fuzzing (hypothesis): generated bad input to the JSONL validator, the config loader and the
chat, completions and embeddings endpoints never gives a traceback or a 5xx. 475 generated inputs per run,
seeded (derandomized) so a failure is the same on every run, plus a sweep of every endpoint option at every
edge value (over 1,000 requests: it found a 500 for a model id holding a lone surrogate)."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ragft.config import _read_yaml, build_config
from ragft.data.validate import validate_file
from ragft.errors import RagftError


def fuzz(examples: int):
    return settings(
        max_examples=examples,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


# Words the code looks for, so generated input reaches past the first check as well as failing it.
KEYS = [
    "messages",
    "role",
    "content",
    "name",
    "weight",
    "tool_calls",
    "function",
    "arguments",
    "tools",
    "type",
    "text",
    "model",
    "prompt",
    "input",
    "n",
    "seed",
    "stop",
    "max_tokens",
    "temperature",
    "top_p",
    "stream",
    "echo",
    "logprobs",
    "response_format",
    "source",
    "arms",
    "data",
    "finetune",
    "epochs",
    "rag",
    "k",
]
VALUES = [
    "system",
    "user",
    "assistant",
    "tool",
    "function",
    "tiny",
    "all-minilm-l6-v2",
    "people",
    "cities",
    "base",
    "rag",
    "finetuned",
    "lora",
    "text",
    "json_object",
    "auto",
]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(VALUES),
    st.text(max_size=20),  # surrogates included: JSON escapes them ("\ud800")
    st.sampled_from(["\ud800", "a\udfffb", "{field}", "{", "x" * 300]),
)
edges = st.sampled_from([2**31, 2**63, 2**64, 2**70, -(2**63) - 1, -1, 0, 10**30, 1e308, -0.0, "\ud800", True])
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=8)), inner, max_size=5),
    ),
    max_leaves=12,
)


def _chat_like():
    message = st.fixed_dictionaries(
        {"role": st.one_of(st.sampled_from(VALUES[:5]), json_values)},
        optional={"content": json_values, "weight": json_values, "tool_calls": json_values, "name": json_values},
    )
    return st.fixed_dictionaries({"messages": st.lists(message, max_size=4)}, optional={"tools": json_values})


lines = st.one_of(
    json_values.map(json.dumps),
    _chat_like().map(json.dumps),
    st.binary(max_size=40).map(lambda b: b.decode("latin-1")),
    st.just("[" * 5000),
)


@fuzz(150)
@given(st.lists(lines, min_size=1, max_size=6))
def test_the_validator_reports_every_bad_line_and_never_crashes(tmp_path_factory, rows):
    path = tmp_path_factory.mktemp("fuzz") / "train.jsonl"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8", errors="surrogatepass")
    report = validate_file(path, count_tokens=lambda example: 10, min_examples=1)
    assert all(str(p) for p in report.problems)  # each renders as one line naming the file
    assert all("\n" not in str(p) for p in report.problems)


config_dicts = st.dictionaries(
    st.sampled_from(
        KEYS
        + ["preset", "limit", "device", "precision", "experiments", "variants", "lifecycle", "behaviour", "prompts"]
    ),
    json_values,
    max_size=6,
)


@fuzz(100)
@given(config_dicts)
def test_a_config_is_valid_or_one_line_error(raw):
    try:
        build_config(raw, "fuzz.yaml")
    except RagftError as e:
        assert str(e).startswith("fuzz.yaml") and "\n" not in str(e).strip()


@fuzz(50)
@given(st.one_of(st.text(max_size=60), json_values.map(json.dumps), st.just("a: " + "[" * 3000)))
def test_yaml_text_is_settings_or_one_line_error(text):
    try:
        assert isinstance(_read_yaml(text, "fuzz.yaml"), dict)
    except RagftError:
        pass


@pytest.fixture(scope="module")
def api(tmp_path_factory, tiny_model_dir):
    from fastapi.testclient import TestClient

    from ragft.server.app import ServerSettings, create_app

    app = create_app(
        ServerSettings(data_dir=tmp_path_factory.mktemp("fuzz-server"), aliases={"tiny": str(tiny_model_dir)})
    )
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def _bounded(body):
    # Generated lengths are capped so a valid request decodes a few tokens, not the model's whole window.
    if isinstance(body, dict):
        for key in ("max_tokens", "max_completion_tokens", "n"):
            if isinstance(body.get(key), int) and not isinstance(body.get(key), bool) and body[key] > 4:
                body[key] = 4
    return body


OPTIONS = (
    "n",
    "seed",
    "stop",
    "max_tokens",
    "temperature",
    "top_p",
    "stream",
    "stream_options",
    "echo",
    "logprobs",
    "top_logprobs",
    "response_format",
    "tools",
    "tool_choice",
    "suffix",
    "best_of",
    "max_completion_tokens",
)
VALID = {
    "chat/completions": {"model": "tiny", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 2},
    "completions": {"model": "tiny", "prompt": "hi", "max_tokens": 2},
    "embeddings": {"model": "all-minilm-l6-v2", "input": "hi"},
}


def requests_to(path: str):
    """Anything at all; a valid request with some options fuzzed; a valid request with its main field fuzzed."""
    main = {"chat/completions": "messages", "completions": "prompt", "embeddings": "input"}[path]
    some_options = st.dictionaries(st.sampled_from(OPTIONS), st.one_of(edges, json_values), min_size=1, max_size=3)
    return st.one_of(
        json_values,
        some_options.map(lambda o: {**VALID[path], **o}),
        st.one_of(json_values, _chat_like().map(lambda c: c["messages"])).map(lambda v: {**VALID[path], main: v}),
    ).map(lambda body: (path, _bounded(body)))


@fuzz(175)
@given(st.sampled_from(list(VALID)).flatmap(requests_to))
def test_the_endpoints_answer_generated_requests_without_a_5xx(api, request_):
    path, body = request_
    r = api.post(f"/v1/{path}", content=json.dumps(body), headers={"content-type": "application/json"})
    assert r.status_code < 500, (r.status_code, r.text[:300])
    if r.status_code >= 400:
        assert set(r.json()["error"]) == {"message", "type", "param", "code"}


EDGES = [
    2**31,
    2**63,
    2**64,
    2**70,
    -(2**63) - 1,
    -1,
    0,
    10**30,
    1e308,
    -0.0,
    "\ud800",
    True,
    None,
    "",
    [],
    {},
    [1, 2],
    {"type": "json_schema"},
    "x" * 5000,
]


def test_every_option_at_every_edge_value_is_answered_without_a_5xx(api):
    """Beside the random search: each option of each endpoint, set alone on a valid request, to each edge."""
    seen = 0
    for path, valid in VALID.items():
        for option in (*OPTIONS, "model", "messages", "prompt", "input", "encoding_format", "dimensions"):
            for value in EDGES:
                body = _bounded({**valid, option: value})
                r = api.post(f"/v1/{path}", content=json.dumps(body), headers={"content-type": "application/json"})
                assert r.status_code < 500, (path, option, value if len(str(value)) < 50 else "long", r.text[:200])
                seen += 1
    assert seen >= 1000
