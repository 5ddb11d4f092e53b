"""Candidate spans from a passage's structure, and continuation scores that share the prompt's cache."""

import pytest
import torch

from ragft.rag.spans import candidate_spans, continuation_logprobs


def texts(question, passages):
    return [s.text for s in candidate_spans(question, passages)]


@pytest.mark.parametrize(
    "passage, expected",
    [
        ("fastapi › Optional: Used by FastAPI: `orjson` - Required if you want to use `ORJSONResponse`.", "orjson"),
        ("python-dotenv › Disable: Set PYTHON_DOTENV_DISABLED=1 to disable it.", "PYTHON_DOTENV_DISABLED=1"),
        ("tqdm › CLI: Pass --bytes to count bytes instead of lines.", "--bytes"),
        (
            "psutil › Processes: gone, alive = psutil.wait_procs(procs, timeout=3, callback=on_terminate)",
            "psutil.wait_procs",
        ),
        ("accelerate › Install: Tested on Python 3.11+ and PyTorch 2.6.0+.", "2.6.0"),
        (
            'fastapi › Install: uv add "fastapi[standard-no-fastapi-cloud-cli]"',
            "fastapi[standard-no-fastapi-cloud-cli]",
        ),
        ("orjson › Fragment: `orjson.Fragment` includes already-serialized JSON in a document.", "orjson.Fragment"),
        ("tqdm: Overhead is low -- about 60ns per iteration.", "60ns"),
        (
            "psutil › Summary: psutil (process and system utilities) is a cross-platform library.",
            "process and system utilities",
        ),
        ("Museum › Loom: The Pennard loom was built by Hartley and Sons of Leeds.", "Hartley and Sons of Leeds"),
        ("Handbook › Moving: No single person may move an object heavier than 20 kg.", "20 kg"),
    ],
)
def test_terms_are_read_off_the_passage_structure(passage, expected):
    assert expected in texts("Which one is it?", [passage])


def test_the_question_own_words_and_the_header_are_never_candidates():
    passage = "FastAPI Guide › Servers: FastAPI runs on Uvicorn. No single person may deploy it alone."
    found = texts("Which server does FastAPI run on?", [passage])
    assert "Uvicorn" in found
    assert "FastAPI" not in found and "FastAPI Guide" not in found  # the question's subject; the header
    assert "No" not in found  # a sentence's first word is capitalised whatever it is


def test_spans_keep_their_passage_number_and_are_unique():
    spans = candidate_spans("Which?", ["A: uses `httpx` here.", "B: uses `httpx` and `jinja2`."])
    assert [(s.text, s.passage) for s in spans] == [("httpx", 1), ("jinja2", 2)]


def test_cached_continuation_scores_equal_one_sequence_at_a_time(tiny):
    prompt = tiny.tokenizer("The capital is the city of", add_special_tokens=False)["input_ids"]
    conts = [tiny.tokenizer(t, add_special_tokens=False)["input_ids"] for t in (" Paris", " Lyon and more", " a")]
    got = continuation_logprobs(tiny.model, prompt, conts, batch=2)
    for cont, scores in zip(conts, got):
        with torch.no_grad():
            lp = torch.log_softmax(tiny.model(input_ids=torch.tensor([prompt + cont])).logits[0].float(), -1)
        want = [float(lp[len(prompt) - 1 + j, t]) for j, t in enumerate(cont)]
        assert scores == pytest.approx(want, abs=1e-4)
