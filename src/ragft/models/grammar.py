"""Constrained decoding: at every step the model may only pick tokens that keep its output valid against a grammar
(a JSON schema, JSON mode, tool calls), with llguidance computing the allowed tokens.

Why llguidance (bench/grammar.py; figures and CPU in docs/server.md): on SmolLM2's tokenizer it compiles a schema
in about a millisecond where xgrammar takes several and outlines-core tens to thousands, its masks cost well under
1 % of a decoding step, it is one wheel with no dependencies (xgrammar's names triton), and it refuses a schema
keyword it cannot enforce instead of ignoring it, so a request is told which feature it cannot have.
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
    """A JSON schema as a grammar, compiled once per schema (requests that repeat one reuse it). The key keeps the
    schema's own order: a reply writes the properties in the order the schema lists them."""
    return _cached(json.dumps(schema))


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


# In the last tokens of its budget a constrained reply checks it can still close: past that point it takes the
# shortest way to a valid end it finds, so a reply the limit cuts still parses (its finish_reason stays "length").
CLOSE_WINDOW = 48
# Tokens of budget kept beyond the closing path: one token of the model's can lengthen the path (a nested object
# opened, a character of several bytes begun, an escape), and a path that no longer fits is too late to take.
CLOSE_MARGIN = 8
# Tokens that close what is open, tried in this order where the grammar allows them and forces nothing: inside a
# JSON string its closing quote first; outside, a closing bracket before a quote that would open a new string.
CLOSERS = ("}", "]", "0", "null", "false", '"', ",", ":")


@dataclass
class Constraint:
    """One sequence's place in its grammar: which tokens may come next, and the token the model picked."""

    matcher: llguidance.LLMatcher
    lltok: llguidance.LLTokenizer
    closers: tuple[int, ...] = ()  # CLOSERS' token ids in this tokenizer (those that are one token)
    quote: int | None = None  # the token of '"' alone
    lexer: int = 0  # where the output so far ends: OUTSIDE, IN_STRING or ESCAPED (after a backslash in a string)
    closing_length: int | None = None  # tokens the last closing path found took
    checked_at: int | None = None  # the remaining budget when it was found
    forced: bool = False  # the budget, not the model, chose how the reply ended

    @classmethod
    def start(cls, tokenizer, grammar: str) -> Constraint:
        lltok = grammar_tokenizer(tokenizer)
        matcher = llguidance.LLMatcher(lltok, grammar, log_level=0)
        if matcher.is_error():
            raise GrammarError(_readable(matcher.get_error()))
        closers = _closers(lltok)
        return cls(matcher, lltok, tuple(closers.values()), closers.get('"'))

    @property
    def eos(self) -> int:
        return self.lltok.eos_token

    def mask(self, logits) -> None:
        """Set the logits of every token the grammar does not allow next to -inf, in place (1-D, one row)."""
        import torch

        allowed = self._allowed(self.matcher, logits.shape[-1])
        logits.masked_fill_(torch.from_numpy(allowed == 0).to(logits.device), float("-inf"))

    @staticmethod
    def _allowed(matcher, width: int | None = None):
        """1 per allowed token, for `width` tokens (None: the tokenizer's); a head wider than the tokenizer (padding
        rows) is never allowed."""
        bits = np.frombuffer(matcher.compute_bitmask(), dtype=np.uint8)
        width = len(bits) * 8 if width is None else width
        allowed = np.unpackbits(bits, bitorder="little", count=min(len(bits) * 8, width))
        if len(allowed) < width:
            allowed = np.concatenate([allowed, np.zeros(width - len(allowed), np.uint8)])
        return allowed

    def consume(self, token: int) -> None:
        if not self.matcher.consume_token(token):
            raise GrammarError(f"token {token} broke the grammar: {self.matcher.get_error()}")
        self.lexer = _lexer_after(self.lexer, self.lltok.decode_bytes([token]))

    def forced_token(self, remaining: int) -> int | None:
        """The token the budget forces next, or None (the model picks): with `remaining` tokens left (this one and
        the end of the sequence included), the first token of the shortest way found to a valid end once that way
        no longer fits in fewer. Checked in the last CLOSE_WINDOW tokens, again whenever it may have come due."""
        if remaining > CLOSE_WINDOW:
            return None
        due = self.closing_length is None or remaining <= self.closing_length + 2 * CLOSE_MARGIN
        if not due and self.checked_at is not None and self.checked_at - remaining < 4:
            return None
        path = self._closing(remaining - 1)
        self.closing_length, self.checked_at = (len(path) if path is not None else None), remaining
        # an output that may end here loses no budget to the margin (free text stays valid): only its last token
        margin = CLOSE_MARGIN if path else 1
        if path is None or len(path) + 1 + margin < remaining:
            return None
        self.forced = True
        return path[0] if path else self.eos

    def _closing(self, limit: int) -> list[int] | None:
        """A short token path from here to where the output may end, at most `limit` tokens: what the grammar
        forces, else the first closer it allows, else the lowest token it allows. None: none found in time."""
        matcher, path, lexer = self.matcher.deep_copy(), [], self.lexer
        while len(path) <= limit:
            if matcher.is_accepting():
                return path
            steps = matcher.compute_ff_tokens()
            if not steps:
                allowed = self._allowed(matcher)
                order = (self.quote, *self.closers) if lexer == IN_STRING and self.quote is not None else self.closers
                first = next((t for t in order if allowed[t]), None)
                if first is None:
                    candidates = np.flatnonzero(allowed)
                    if not len(candidates):
                        return None
                    first = int(candidates[0])
                steps = [first]
            for t in steps:
                if not matcher.consume_token(t):
                    return None
                path.append(t)
                lexer = _lexer_after(lexer, self.lltok.decode_bytes([t]))
        return None


def _closers(lltok) -> dict[str, int]:
    """{closer: its token}, for the closers that are one token in this tokenizer."""
    return {text: ids[0] for text in CLOSERS if len(ids := lltok.tokenize_str(text)) == 1}


OUTSIDE, IN_STRING, ESCAPED = 0, 1, 2


def _lexer_after(state: int, raw: bytes) -> int:
    """Where JSON text is after `raw`, from `state`: outside a string, inside one, or just after a backslash in one
    (a token may end between a backslash and what it escapes)."""
    for byte in raw:
        if state == ESCAPED:
            state = IN_STRING
        elif state == IN_STRING:
            state = ESCAPED if byte == 0x5C else OUTSIDE if byte == 0x22 else IN_STRING
        elif byte == 0x22:
            state = IN_STRING
    return state
