"""The legacy /v1/completions endpoint; generation stopped when its client goes away; a bounded queue."""

import time

import httpx
import openai
import pytest

REAL = "gpt-3.5-turbo"  # the real SmolLM2-135M: it keeps counting where the tiny model stops at once
COUNTING = "1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,"


def test_a_text_completion_continues_the_prompt_as_it_is(client):
    r = client.completions.create(model=REAL, prompt=COUNTING, max_tokens=6, temperature=0)
    assert r.object == "text_completion" and r.id.startswith("cmpl-") and len(r.choices) == 1
    assert r.choices[0].text.strip().startswith("13") and r.choices[0].finish_reason == "length"
    assert r.usage.completion_tokens == 6 and r.usage.prompt_tokens > 20
    echoed = client.completions.create(model=REAL, prompt=COUNTING, max_tokens=6, temperature=0, echo=True)
    assert echoed.choices[0].text == COUNTING + r.choices[0].text
    streamed = "".join(
        c.choices[0].text
        for c in client.completions.create(model=REAL, prompt=COUNTING, max_tokens=6, temperature=0, stream=True)
        if c.choices
    )
    assert streamed == r.choices[0].text


def test_several_prompts_token_arrays_and_n_choices(client, server, monkeypatch):
    from ragft.commands import _load_tokenizer

    monkeypatch.setenv("RAGFT_HOME", str(server.home))  # the server's converted copy of the model
    r = client.completions.create(
        model=REAL, prompt=["The capital of France is", COUNTING], max_tokens=3, temperature=0.8, seed=7, n=2
    )
    assert [c.index for c in r.choices] == [0, 1, 2, 3]
    ids = httpx.post(
        f"{server.base_url}/completions",
        json={"model": REAL, "prompt": COUNTING, "max_tokens": 3, "temperature": 0},
        timeout=60,  # httpx's default 5 s is too short for a busy 2-core machine
    ).json()
    tokenizer = _load_tokenizer("smollm2-135m-instruct")
    as_tokens = client.completions.create(
        model=REAL, prompt=tokenizer(COUNTING)["input_ids"], max_tokens=3, temperature=0
    )
    assert as_tokens.choices[0].text == ids["choices"][0]["text"]


@pytest.mark.parametrize(
    "kwargs, param",
    [
        ({"logprobs": 2, "echo": True}, "logprobs"),  # the prompt's own log-probabilities are not computed
        ({"logprobs": 6}, "logprobs"),  # the legacy API's limit is 5
        ({"suffix": "end"}, "suffix"),
        ({"best_of": 3}, "best_of"),
        ({"prompt": [10**9]}, "prompt"),
        ({"prompt": ""}, "prompt"),
        ({"prompt": []}, "prompt"),  # was a 200 with no choices
        ({"prompt": ["x"] * 2049}, "prompt"),  # OpenAI's 2048 inputs per request
        ({"seed": 2**70}, "seed"),
    ],
)
def test_what_it_cannot_do_is_a_400_naming_it(client, kwargs, param):
    with pytest.raises(openai.BadRequestError) as err:
        client.completions.create(**{"model": REAL, "prompt": "hi", "max_tokens": 2, **kwargs})
    assert err.value.body["param"] == param


def _quick_answer_after(server, leave) -> float:
    """Seconds a 1-token request waits after `leave` has started a long generation and left."""
    leave()
    began = time.monotonic()
    r = httpx.post(f"{server.base_url}/completions", json={"model": REAL, "prompt": "Hi", "max_tokens": 1}, timeout=120)
    assert r.status_code == 200
    return time.monotonic() - began


LONG = {"model": REAL, "prompt": COUNTING, "max_tokens": 1500, "temperature": 0}  # ~1 min of decoding here


def test_a_client_that_hangs_up_stops_its_generation(server):
    def hang_up():
        with pytest.raises(httpx.ReadTimeout):
            httpx.post(f"{server.base_url}/completions", json=LONG, timeout=2)

    assert _quick_answer_after(server, hang_up) < 10


def test_dropped_streams_stop_their_generation(server):
    def drop_streams():
        for _ in range(5):
            with httpx.stream(
                "POST",
                f"{server.base_url}/chat/completions",
                timeout=60,
                json={
                    "model": REAL,
                    "messages": [{"role": "user", "content": "Count to a thousand."}],
                    "max_tokens": 1500,
                    "temperature": 0,
                    "stream": True,
                },
            ) as r:
                next(r.iter_lines())  # the first chunk, then gone

    assert _quick_answer_after(server, drop_streams) < 10


def test_a_full_queue_is_a_429_and_a_dropped_stream_frees_its_place(tmp_path, server_home):
    from .server_process import Server

    srv = Server(tmp_path / "data", server_home, "--max-queue", "1").start()
    try:
        with httpx.stream("POST", f"{srv.base_url}/completions", json={**LONG, "stream": True}, timeout=60) as r:
            # Keep the line iterator: a dropped one closes the response, and the server rightly frees the place.
            lines = r.iter_lines()
            next(lines)  # generating, and holding the only place
            busy = httpx.post(f"{srv.base_url}/completions", json={**LONG, "max_tokens": 1}, timeout=30)
            assert busy.status_code == 429 and busy.json()["error"]["code"] == "rate_limit_exceeded", busy.text
        deadline = time.monotonic() + 10
        while (
            r := httpx.post(f"{srv.base_url}/completions", json={**LONG, "max_tokens": 1}, timeout=30)
        ).status_code == 429 and time.monotonic() < deadline:
            time.sleep(0.2)  # the dropped stream stops within a decoding step
        assert r.status_code == 200
    finally:
        srv.stop()


def test_legacy_logprobs_give_each_token_its_alternatives_and_offset(client):
    prompt = "What is the population of City_7?"
    r = client.completions.create(model="tiny", prompt=prompt, max_tokens=8, temperature=0, logprobs=3)
    choice = r.choices[0]
    lp = choice.logprobs
    n = r.usage.completion_tokens - (choice.finish_reason == "stop")  # the end token is not one
    assert len(lp.tokens) == len(lp.token_logprobs) == len(lp.top_logprobs) == len(lp.text_offset) == n > 0
    for token, logprob, top in zip(lp.tokens, lp.token_logprobs, lp.top_logprobs):
        assert len(top) == 3 and logprob == max(top.values()) == top[token] <= 0  # greedy: the likeliest
    assert lp.text_offset[0] == len(prompt) and lp.text_offset == sorted(lp.text_offset)
    if not any(t.startswith("bytes:") for t in lp.tokens):
        assert "".join(lp.tokens).startswith(choice.text)
    streamed = [
        c.choices[0].logprobs
        for c in client.completions.create(
            model="tiny", prompt=prompt, max_tokens=8, temperature=0, logprobs=3, stream=True
        )
        if c.choices and c.choices[0].logprobs
    ]
    assert [t for s in streamed for t in s.tokens] == lp.tokens
    assert [o for s in streamed for o in s.text_offset] == lp.text_offset
    plain = client.completions.create(model="tiny", prompt=prompt, max_tokens=8, temperature=0)
    assert plain.choices[0].logprobs is None and plain.choices[0].text == choice.text


def test_a_character_split_over_tokens_is_written_as_bytes_and_offsets_count_characters(tiny):
    from types import SimpleNamespace

    from ragft.models.sampling import SamplingSettings
    from ragft.server.completions import PreparedText

    ids = tiny.tokenizer("Caf\u00e9!", add_special_tokens=False)["input_ids"]
    p = PreparedText(
        SimpleNamespace(tokenizer=tiny.tokenizer), [[1]], ["Hi "], [SamplingSettings(logprobs=0)], 1, False, {}
    )
    lp = p.logprobs(0, [(i, -0.5, []) for i in ids])
    assert "bytes:\\xc3" in lp["tokens"] and "bytes:\\xa9" in lp["tokens"]  # é is two byte-level tokens here
    split = lp["tokens"].index("bytes:\\xc3")
    assert lp["text_offset"][split] == lp["text_offset"][split + 1] == len("Hi Caf")
    assert lp["text_offset"][-1] == len("Hi Caf\u00e9") and lp["tokens"][-1] == "!"


def test_admission_counts_generations_not_requests():
    """A request takes a place per choice (prompts × n): 5,000 prompts in one request used to take one place."""
    from ragft.server.decoding import Admission
    from ragft.server.errors import APIError

    admission = Admission(4)
    leave = admission.enter(3)
    with pytest.raises(APIError) as busy:
        admission.enter(2)
    assert busy.value.status == 429
    with pytest.raises(APIError) as never:
        admission.enter(5, "prompt")
    assert never.value.status == 400 and never.value.body()["error"]["param"] == "prompt"
    leave()
    leave()  # twice: given back once
    assert admission.active == 0 and admission.enter(4)


def test_more_generations_than_the_server_runs_at_once_is_a_400(client):
    with pytest.raises(openai.BadRequestError) as err:
        client.completions.create(model="tiny", prompt=["x"] * 65, max_tokens=1)  # --max-queue 64
    assert err.value.body["param"] == "prompt" and err.value.body["code"] == "too_many_generations"
    r = client.completions.create(model="tiny", prompt=["x"] * 8, max_tokens=1, n=8)  # 64: fits
    assert len(r.choices) == 64
