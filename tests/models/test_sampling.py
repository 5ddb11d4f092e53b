"""The server's decoding: rows of a batch decode as they would alone, each with its own options."""

import threading

import pytest
import torch

from ragft.models.sampling import Row, SamplingSettings, sample_batch
from ragft.server.batcher import Batcher

GREEDY = SamplingSettings(max_new_tokens=8, temperature=0)


def _ids(tiny, text):
    return tiny.tokenizer(text, add_special_tokens=False)["input_ids"]


PROMPTS = ["What is the population of City_7?", "Hi", "Tell me about the largest city of all the hundred cities."]


def _alone(tiny, ids, settings=GREEDY):
    row = Row(ids, settings)
    sample_batch(tiny.model, tiny.tokenizer, [row])
    return row.decoder


def test_greedy_rows_decode_in_a_batch_as_transformers_generate_does_alone(tiny):
    rows = [Row(_ids(tiny, p), GREEDY) for p in PROMPTS]
    sample_batch(tiny.model, tiny.tokenizer, rows)
    eos = tiny.tokenizer.eos_token_id
    for row in rows:
        with torch.no_grad():
            out = tiny.model.generate(
                torch.tensor([row.ids]), max_new_tokens=8, do_sample=False, eos_token_id=eos, pad_token_id=eos
            )
        expected = [t for t in out[0, len(row.ids) :].tolist()]
        expected = expected[: expected.index(eos)] if eos in expected else expected
        assert row.decoder.generated == expected
        assert row.decoder.finish_reason in ("stop", "length")


def test_a_seeded_row_samples_the_same_alone_and_among_others(tiny):
    seeded = SamplingSettings(max_new_tokens=6, temperature=1.0, seed=7)
    alone = _alone(tiny, _ids(tiny, PROMPTS[0]), seeded)
    rows = [
        Row(_ids(tiny, p), SamplingSettings(max_new_tokens=6, temperature=1.0, seed=i)) for i, p in enumerate(PROMPTS)
    ]
    rows[1] = Row(_ids(tiny, PROMPTS[0]), seeded)
    sample_batch(tiny.model, tiny.tokenizer, rows)
    assert rows[1].decoder.generated == alone.generated


def test_limits_stop_strings_and_cancellation_end_a_row(tiny):
    ids = _ids(tiny, PROMPTS[2])
    free = _alone(tiny, ids, SamplingSettings(max_new_tokens=12, temperature=1.0, seed=3))
    short = _alone(tiny, ids, SamplingSettings(max_new_tokens=2, temperature=1.0, seed=3))
    assert short.completion_tokens <= 2 and free.text.startswith(short.text)
    if short.completion_tokens == 2:
        assert short.finish_reason == "length"
    if len(free.text) > 2:  # a stop string cuts the text before it
        stop = free.text[1:3]
        cut = _alone(tiny, ids, SamplingSettings(max_new_tokens=12, temperature=1.0, seed=3, stop=(stop,)))
        assert cut.finish_reason == "stop" and stop not in cut.text and free.text.startswith(cut.text)
    steps = iter(range(100))
    deltas = []
    row = Row(
        ids, SamplingSettings(max_new_tokens=50, temperature=1.0, seed=3), lambda: next(steps) >= 2, deltas.append
    )
    sample_batch(tiny.model, tiny.tokenizer, [row])
    assert row.decoder.finish_reason == "stop" and row.decoder.completion_tokens <= 2
    assert "".join(deltas) == row.decoder.text  # what was streamed is the text


def test_the_batcher_decodes_waiting_requests_together(tiny):
    lock = threading.Lock()
    batcher = Batcher(lock, max_batch=64)
    rows = [Row(_ids(tiny, p), GREEDY) for p in PROMPTS * 2]
    with lock:  # the first request's batch waits for the lock; the others queue behind it
        threads = [threading.Thread(target=batcher.run, args=(tiny, [r])) for r in rows]
        for t in threads:
            t.start()
        for _ in range(3000):  # every request handed to the batcher (at most 30 s)
            if batcher.pending_rows >= len(rows):
                break
            threading.Event().wait(0.01)
    for t in threads:
        t.join(30)
    # the batch the worker took before the lock was free (those waiting then), and one for all the others;
    # waiting for all but one to be queued could wait forever when the worker took two first
    assert sum(batcher.batches) == len(rows) and len(batcher.batches) <= 2, batcher.batches
    for row in rows:
        assert row.decoder.generated == _alone(tiny, row.ids).generated


def test_a_failed_batch_fails_every_request_in_it(tiny):
    class Broken:
        model, tokenizer = None, tiny.tokenizer

    batcher = Batcher(threading.Lock())
    try:
        batcher.run(Broken(), [Row([1, 2], GREEDY)])
    except Exception as e:  # noqa: BLE001 - any error, handed back to the caller
        assert not isinstance(e, AssertionError)
    else:
        raise AssertionError("a broken model must fail the request")
    assert list(batcher.batches) == []


@pytest.mark.parametrize("temperature", [5e-324, 1e-300, 1e-40, 1e-30])
def test_a_vanishing_temperature_picks_the_top_token(temperature):
    from ragft.models.sampling import _pick

    logits = torch.tensor([1.5, 3.25, -2.0, 3.0])  # found by Schemathesis: 5e-324 made NaN probabilities, a 500
    generator = torch.Generator().manual_seed(0)
    assert _pick(logits, SamplingSettings(temperature=temperature), generator) == 1


def test_token_bytes_spell_the_text_even_where_a_token_splits_a_character(tiny):
    from ragft.models.sampling import token_bytes

    text = "Café Ørsted — 17.6 m², 東京 🚲"
    ids = tiny.tokenizer(text, add_special_tokens=False)["input_ids"]
    pieces = [token_bytes(tiny.tokenizer, i) for i in ids]
    assert b"".join(pieces) == text.encode("utf-8")
    assert any(not _decodes(p) for p in pieces)  # byte-level tokens hold parts of a character here


def _decodes(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False
