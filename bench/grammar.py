"""Which grammar library constrains SmolLM2's decoding cheapest on this CPU: llguidance, xgrammar, outlines-core.

For each JSON schema (and JSON mode), each library compiles the schema against the model's tokenizer (timed: the
cost a request with a new schema pays once), then walks a valid instance token by token the way decoding would:
the mask of allowed tokens at every step (timed), the instance's next token checked to be allowed, then consumed.
The model's own decode step (batch 1, KV cache) is timed in the same process, so each mask is also given as a share
of a decoding step: the server's constrained decoding must stay within 10 % of it.

    .venv/bin/python -m bench.grammar [--repeat 3]

A library that is not installed is reported as such (xgrammar needs `pip install xgrammar apache-tvm-ffi`; its
Linux wheel names triton as a dependency, which CPU decoding never imports, so install it with --no-deps).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

SCHEMAS = {
    "json_object": (None, {"answer": "Lisbon", "confidence": 0.9, "sources": [1, 2]}),
    "flat": (
        {
            "type": "object",
            "properties": {"name": {"type": "string"}, "age": {"type": "integer"}, "member": {"type": "boolean"}},
            "required": ["name", "age", "member"],
            "additionalProperties": False,
        },
        {"name": "Ada Lovelace", "age": 36, "member": True},
    ),
    "enum_nested_array": (
        {
            "type": "object",
            "properties": {
                "status": {"enum": ["open", "closed", "pending"]},
                "owner": {
                    "type": "object",
                    "properties": {"id": {"type": "integer"}, "email": {"type": "string"}},
                    "required": ["id", "email"],
                    "additionalProperties": False,
                },
                "tags": {"type": "array", "items": {"type": "string"}},
            },
            "required": ["status", "owner", "tags"],
            "additionalProperties": False,
        },
        {"status": "pending", "owner": {"id": 7, "email": "ops@example.org"}, "tags": ["ferry", "timetable"]},
    ),
    "invoice": (
        {
            "type": "object",
            "properties": {
                "number": {"type": "string"},
                "date": {"type": "string"},
                "currency": {"enum": ["EUR", "USD", "GBP"]},
                "lines": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "description": {"type": "string"},
                            "quantity": {"type": "integer"},
                            "unit_price": {"type": "number"},
                        },
                        "required": ["description", "quantity", "unit_price"],
                        "additionalProperties": False,
                    },
                },
                "total": {"type": "number"},
                "paid": {"type": "boolean"},
            },
            "required": ["number", "date", "currency", "lines", "total", "paid"],
            "additionalProperties": False,
        },
        {
            "number": "INV-2026-0042",
            "date": "2026-12-08",
            "currency": "EUR",
            "lines": [
                {"description": "Harbour berth, one night", "quantity": 2, "unit_price": 38.5},
                {"description": "Fresh water", "quantity": 1, "unit_price": 4.0},
            ],
            "total": 81.0,
            "paid": False,
        },
    ),
}


class Llguidance:
    """ragft's own path (models/grammar.py): the grammar it compiles, the mask it applies to a logits row."""

    name = "llguidance"

    def __init__(self, tokenizer):
        from ragft.models.grammar import grammar_tokenizer

        self.tokenizer = tokenizer
        grammar_tokenizer(tokenizer)

    def compile(self, schema):
        from ragft.models.grammar import Constraint, json_object_grammar, json_schema_grammar

        grammar = json_object_grammar() if schema is None else json_schema_grammar(schema)
        return Constraint.start(self.tokenizer, grammar)

    def walk(self, constraint, tokens):
        import torch

        times = []
        for t in tokens:
            logits = torch.zeros(len(self.tokenizer))
            start = time.perf_counter()
            constraint.mask(logits)
            times.append(time.perf_counter() - start)
            assert logits[t] == 0, f"token {t} refused"
            constraint.consume(t)
        return times, constraint.matcher.is_accepting()


class Xgrammar:
    name = "xgrammar"

    def __init__(self, tokenizer):
        import xgrammar

        self.lib = xgrammar
        info = xgrammar.TokenizerInfo.from_huggingface(tokenizer)
        self.compiler = xgrammar.GrammarCompiler(info, cache_enabled=False)
        self.vocab = info.vocab_size

    def compile(self, schema):
        if schema is None:
            compiled = self.compiler.compile_builtin_json_grammar()
        else:
            compiled = self.compiler.compile_json_schema(
                json.dumps(schema), any_whitespace=False, separators=(",", ":")
            )
        return self.lib.GrammarMatcher(compiled)

    def walk(self, matcher, tokens):
        mask = self.lib.allocate_token_bitmask(1, self.vocab)
        times = []
        for t in tokens:
            start = time.perf_counter()
            matcher.fill_next_token_bitmask(mask)
            times.append(time.perf_counter() - start)
            assert (int(mask[0, t // 32]) >> (t % 32)) & 1, f"token {t} refused"
            assert matcher.accept_token(t)
        return times, matcher.is_completed() if hasattr(matcher, "is_completed") else matcher.is_terminated()


class OutlinesCore:
    name = "outlines-core"

    def __init__(self, tokenizer):
        import outlines_core
        from outlines_core.kernels.torch import allocate_token_bitmask

        from ragft.models.sampling import token_bytes

        self.lib, self.allocate = outlines_core, allocate_token_bitmask
        eos = tokenizer.eos_token_id
        pieces: dict[bytes, list[int]] = {}
        for i in range(len(tokenizer)):
            if i != eos and i not in tokenizer.all_special_ids:
                pieces.setdefault(token_bytes(tokenizer, i), []).append(i)
        self.vocabulary = outlines_core.Vocabulary(eos, pieces)
        self.vocab = len(tokenizer)

    def compile(self, schema):
        from outlines_core.json_schema import build_regex_from_schema

        schema = schema if schema is not None else {"type": "object"}
        regex = build_regex_from_schema(json.dumps(schema), whitespace_pattern="")
        return self.lib.Guide(self.lib.Index(regex, self.vocabulary))

    def walk(self, guide, tokens):
        mask = self.allocate(self.vocab)
        times = []
        for t in tokens:
            start = time.perf_counter()
            guide.write_mask_into(mask.data_ptr(), mask.numel(), mask.element_size())
            times.append(time.perf_counter() - start)
            assert (int(mask[0, t // 32]) >> (t % 32)) & 1, f"token {t} refused"
            guide.advance(t)
        return times, guide.is_finished()


def decode_step_seconds(loaded, repeat: int = 50) -> float:
    """The model's own decode step, batch 1, with a 60-token KV cache: what a mask is weighed against."""
    import torch

    from ragft.models.generation import forward_cached

    model = loaded.model
    ids = torch.tensor([loaded.tokenizer.encode("Answer in JSON. " * 10)[:60]])
    with torch.inference_mode():
        out, cache = forward_cached(model, input_ids=ids)
        step, times = ids[:, -1:], []
        for _ in range(repeat):
            start = time.perf_counter()
            out, cache = forward_cached(model, cache, input_ids=step)
            times.append(time.perf_counter() - start)
    return statistics.median(times[5:])


def end_to_end(loaded, rows: int = 8, tokens: int = 64) -> dict:
    """Seconds per generated token of the server's batched decoding (greedy), free and under the invoice schema."""
    from ragft.models.grammar import json_schema_grammar
    from ragft.models.sampling import Row, SamplingSettings, sample_batch

    prompt = loaded.tokenizer.apply_chat_template(
        [{"role": "user", "content": "Write an invoice for two nights at the harbour, as JSON."}],
        add_generation_prompt=True,
        tokenize=True,
        return_dict=False,
    )
    out = {}
    for name, grammar in (("free", None), ("invoice schema", json_schema_grammar(SCHEMAS["invoice"][0]))):
        batch = [Row(prompt, SamplingSettings(tokens, 0.0, grammar=grammar)) for _ in range(rows)]
        start = time.perf_counter()
        sample_batch(loaded.model, loaded.tokenizer, batch)
        seconds = time.perf_counter() - start
        generated = sum(r.decoder.completion_tokens for r in batch)
        out[name] = {"seconds": seconds, "tokens": generated, "ms_per_token": 1000 * seconds / generated}
    out["overhead"] = out["invoice schema"]["ms_per_token"] / out["free"]["ms_per_token"] - 1
    return out


def measure(repeat: int = 3, verbose: bool = False) -> dict:
    """Every installed library on every schema, and ragft's batched decoding free and constrained."""
    from ragft.models.loading import load_model

    say = print if verbose else (lambda *a, **k: None)
    loaded = load_model("smollm2-135m-instruct", "cpu")
    tokenizer = loaded.tokenizer
    step = decode_step_seconds(loaded)
    say(f"model decode step (batch 1): {1000 * step:.2f} ms")
    report = {"decode_step_ms": 1000 * step, "libraries": {}}
    for kind in (Llguidance, Xgrammar, OutlinesCore):
        try:
            start = time.perf_counter()
            lib = kind(tokenizer)
            setup = time.perf_counter() - start
        except ImportError as e:
            say(f"{kind.name}: not installed ({e})")
            report["libraries"][kind.name] = {"skipped": f"not installed ({e})"}
            continue
        found = report["libraries"][kind.name] = {"tokenizer_setup_s": setup, "schemas": {}}
        say(f"\n{kind.name}: tokenizer set up in {setup:.2f} s")
        for name, (schema, instance) in SCHEMAS.items():
            tokens = tokenizer.encode(json.dumps(instance, separators=(",", ":")), add_special_tokens=False)
            compiles, masks, accepted = [], [], True
            for _ in range(repeat):
                start = time.perf_counter()
                matcher = lib.compile(schema)
                compiles.append(time.perf_counter() - start)
                times, done = lib.walk(matcher, tokens)
                masks += times
                accepted &= bool(done)
            mean, p99 = statistics.fmean(masks), sorted(masks)[int(0.99 * (len(masks) - 1))]
            found["schemas"][name] = {
                "compile_ms": 1000 * statistics.median(compiles),
                "mask_mean_us": 1e6 * mean,
                "mask_p99_us": 1e6 * p99,
                "share_of_step": mean / step,
                "tokens": len(tokens),
                "accepting_at_end": accepted,
            }
            say(
                f"  {name:<18} compile {1000 * statistics.median(compiles):8.1f} ms  mask mean {1e6 * mean:7.1f} us"
                f"  p99 {1e6 * p99:7.1f} us  = {100 * mean / step:5.2f} % of a step  ({len(tokens)} tokens,"
                f" accepting: {accepted})"
            )
    e2e = report["end_to_end"] = end_to_end(loaded)
    say(
        f"\nbatched decoding, 8 rows, greedy: free {e2e['free']['ms_per_token']:.2f} ms/token, under the invoice "
        f"schema {e2e['invoice schema']['ms_per_token']:.2f} ms/token: overhead {100 * e2e['overhead']:+.1f} %"
    )
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3, help="walks per schema and library (timings: the median)")
    print(json.dumps(measure(parser.parse_args().repeat, verbose=True)))


if __name__ == "__main__":
    main()
