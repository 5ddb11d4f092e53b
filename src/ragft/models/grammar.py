"""Constrained decoding: at every step the model may only pick tokens that keep its output valid against a grammar
(a JSON schema, JSON mode, a tool call), with llguidance computing the allowed tokens.

Why llguidance (bench/grammar.py, docs/server.md): with SmolLM2's tokenizer on this CPU it compiles a schema in about
1 ms (xgrammar 6–8 ms, outlines-core 30 ms to 6 s for JSON mode) and computes a step's mask in 15–55 µs, under 0.2 %
of a decoding step; it is one wheel with no dependencies (xgrammar's names triton), and it refuses a schema keyword
it does not implement instead of ignoring it, so a request is told which feature it cannot have.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from weakref import WeakKeyDictionary

import llguidance
import llguidance.hf
import llguidance.torch

# Between JSON tokens at most one space: the small model cannot pad its output with whitespace without end, and
# both compact JSON and `json.dumps`' ", " / ": " style stay allowed.
JSON_OPTIONS = {"whitespace_pattern": r"[\x20]?"}


class GrammarError(ValueError):
    """A schema or grammar that cannot constrain decoding: the message names what is wrong."""


def json_schema_grammar(schema: dict | bool) -> str:
    """A JSON schema as a grammar; a keyword llguidance does not implement (`patternProperties`, say) is a
    GrammarError naming it, never silently left unchecked."""
    try:
        grammar = llguidance.LLMatcher.grammar_from_json_schema(schema, overrides=JSON_OPTIONS)
    except ValueError as e:
        raise GrammarError(f"not a JSON schema: {e}") from None
    return checked(grammar)


def json_object_grammar() -> str:
    """JSON mode: any JSON object."""
    return json_schema_grammar({"type": "object"})


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
            found = _tokenizers[tokenizer] = llguidance.hf.from_tokenizer(tokenizer)
        return found


@dataclass
class Constraint:
    """One sequence's place in its grammar: which tokens may come next, and the token the model picked."""

    matcher: llguidance.LLMatcher
    vocab: int

    @classmethod
    def start(cls, tokenizer, grammar: str) -> Constraint:
        lltok = grammar_tokenizer(tokenizer)
        matcher = llguidance.LLMatcher(lltok, grammar, log_level=0)
        if matcher.is_error():
            raise GrammarError(_readable(matcher.get_error()))
        return cls(matcher, lltok.vocab_size)

    def mask(self, logits) -> None:
        """Set the logits of every token the grammar does not allow next to -inf, in place (1-D, one row)."""
        import torch

        bits = llguidance.torch.allocate_token_bitmask(1, self.vocab)
        llguidance.torch.fill_next_token_bitmask(self.matcher, bits)
        allowed = (bits[0].unsqueeze(1) >> torch.arange(32, dtype=torch.int32)) & 1
        allowed = allowed.flatten()[: logits.shape[-1]].bool()
        if len(allowed) < logits.shape[-1]:  # the model's head is wider than the tokenizer: padding, never allowed
            allowed = torch.cat([allowed, allowed.new_zeros(logits.shape[-1] - len(allowed))])
        logits.masked_fill_(~allowed.to(logits.device), float("-inf"))

    def consume(self, token: int) -> None:
        if not self.matcher.consume_token(token):
            raise GrammarError(f"token {token} broke the grammar: {self.matcher.get_error()}")

    @property
    def finished(self) -> bool:
        """The output is complete: nothing but the end of the sequence may follow."""
        return self.matcher.is_stopped()
