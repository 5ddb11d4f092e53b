"""Constrained decoding: at every step the model may only pick tokens that keep its output valid against a grammar
(a JSON schema, JSON mode, a tool call), with llguidance computing the allowed tokens.

Why llguidance (bench/grammar.py, docs/server.md): with SmolLM2's tokenizer on this CPU it compiles a schema in about
1 ms (xgrammar 6–8 ms, outlines-core 30 ms to 6 s for JSON mode) and computes a step's mask in 15–55 µs, under 0.2 %
of a decoding step; it is one wheel with no dependencies (xgrammar's names triton), and it refuses a schema keyword
it does not implement instead of ignoring it, so a request is told which feature it cannot have.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from functools import lru_cache
from weakref import WeakKeyDictionary

import llguidance
import numpy as np

# Between JSON tokens at most one space: the small model cannot pad its output with whitespace without end, and
# both compact JSON and `json.dumps`' ", " / ": " style stay allowed.
JSON_OPTIONS = {"whitespace_pattern": r"[\x20]?"}


class GrammarError(ValueError):
    """A schema or grammar that cannot constrain decoding: the message names what is wrong."""


# What a schema leaves open, a small model under greedy decoding can fill until its token limit (digits of an
# integer, keys of an object). Generation therefore narrows it, keeping every output valid against the schema as
# given: an integer stays within what every JSON reader holds exactly (I-JSON, RFC 7493: ±(2**53 - 1)), and an
# object that lists its properties gets no others unless `additionalProperties` says so (xgrammar's strict mode
# does the same).
SAFE_INTEGER = 2**53 - 1


def json_schema_grammar(schema: dict | bool) -> str:
    """A JSON schema as a grammar, compiled once per schema (requests that repeat one reuse it)."""
    return _cached(json.dumps(schema, sort_keys=True))


def compile_json_schema(schema: dict | bool) -> str:
    """A JSON schema as a grammar, compiled now; a keyword llguidance does not implement is a GrammarError naming
    it, never silently left unchecked."""
    try:
        grammar = llguidance.LLMatcher.grammar_from_json_schema(narrowed(schema), overrides=JSON_OPTIONS)
    except ValueError as e:
        raise GrammarError(f"not a JSON schema: {e}") from None
    return checked(grammar)


@lru_cache(maxsize=256)
def _cached(schema_json: str) -> str:
    return compile_json_schema(json.loads(schema_json))


def narrowed(schema):
    """`schema` as generation enforces it (above): a copy, the caller's is not changed."""
    if isinstance(schema, list):
        return [narrowed(x) for x in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: narrowed(v) if k not in ("const", "enum", "default", "examples") else v for k, v in schema.items()}
    kinds = out.get("type")
    if kinds == "integer" or (isinstance(kinds, list) and "integer" in kinds):
        if "minimum" not in out and "exclusiveMinimum" not in out:
            out["minimum"] = -SAFE_INTEGER
        if "maximum" not in out and "exclusiveMaximum" not in out:
            out["maximum"] = SAFE_INTEGER
    if "properties" in out and "additionalProperties" not in out and "patternProperties" not in out:
        out["additionalProperties"] = False
    return out


def json_object_grammar() -> str:
    """JSON mode: any JSON object."""
    return json_schema_grammar({"type": "object"})


@lru_cache(maxsize=256)
def lark_grammar(lark: str) -> str:
    return checked(llguidance.LLMatcher.grammar_from_lark(lark))


def checked(grammar: str) -> str:
    failed, messages = llguidance.LLMatcher.validate_grammar_with_warnings(grammar)
    if failed:
        raise GrammarError(_readable(messages[0]))
    return grammar


def _readable(message: str) -> str:
    """llguidance's message on one line (a regex error spans several, with a caret under the spot)."""
    lines = [line.strip().removeprefix("error: ") for line in message.splitlines()]
    return " ".join(line for line in lines if line and set(line) != {"^"})


_tokenizers: WeakKeyDictionary = WeakKeyDictionary()
_tokenizers_lock = threading.Lock()


def grammar_tokenizer(tokenizer) -> llguidance.LLTokenizer:
    """llguidance's view of a Hugging Face tokenizer (about a second to build): made once per tokenizer."""
    with _tokenizers_lock:
        found = _tokenizers.get(tokenizer)
        if found is None:
            import llguidance.hf  # transformers: loaded where a model is, not with the CLI

            found = _tokenizers[tokenizer] = llguidance.hf.from_tokenizer(tokenizer)
        return found


@dataclass
class Constraint:
    """One sequence's place in its grammar: which tokens may come next, and the token the model picked."""

    matcher: llguidance.LLMatcher

    @classmethod
    def start(cls, tokenizer, grammar: str) -> Constraint:
        lltok = grammar_tokenizer(tokenizer)
        matcher = llguidance.LLMatcher(lltok, grammar, log_level=0)
        if matcher.is_error():
            raise GrammarError(_readable(matcher.get_error()))
        return cls(matcher)

    def mask(self, logits) -> None:
        """Set the logits of every token the grammar does not allow next to -inf, in place (1-D, one row)."""
        import torch

        # one bit per token, lowest bit first; a head wider than the tokenizer (padding rows) is never allowed
        bits = np.frombuffer(self.matcher.compute_bitmask(), dtype=np.uint8)
        allowed = np.unpackbits(bits, bitorder="little", count=min(len(bits) * 8, logits.shape[-1]))
        if len(allowed) < logits.shape[-1]:
            allowed = np.concatenate([allowed, np.zeros(logits.shape[-1] - len(allowed), np.uint8)])
        logits.masked_fill_(torch.from_numpy(allowed == 0).to(logits.device), float("-inf"))

    def consume(self, token: int) -> None:
        if not self.matcher.consume_token(token):
            raise GrammarError(f"token {token} broke the grammar: {self.matcher.get_error()}")
