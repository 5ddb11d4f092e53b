"""Checking a reply against a style spec (config.StyleConfig): one pass/fail per rule, so adherence can be
reported per rule and to all rules at once.

Rules, each present only when the spec sets it:
  json      the reply is one JSON object (json_keys set)
  keys      ... with exactly the keys json_keys
  values    ... whose match_keys values equal the reference reply's
  required  every required phrase appears (case-insensitive)
  forbidden no forbidden phrase appears (case-insensitive)
  <name>    each named regex of `patterns` matches (re.search, multiline)
  words     at most max_words words
  identifier  of the `identifiers` phrases, the reply names exactly those the reference names (the lecture's
            "asks for the order ID": the one identifier this request needs, and no other)
With json_keys, the text rules read the json_text_key field; a reply that is not a JSON object fails them all
(nothing usable was produced).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

TEXT_RULES = ("required", "forbidden", "words", "identifier")


@dataclass(frozen=True)
class Style:
    required: tuple[str, ...] = ()
    forbidden: tuple[str, ...] = ()
    patterns: tuple[tuple[str, re.Pattern], ...] = ()
    max_words: int | None = None
    identifiers: tuple[str, ...] = ()
    json_keys: tuple[str, ...] = ()
    json_text_key: str | None = None
    match_keys: tuple[str, ...] = ()

    @classmethod
    def from_config(cls, spec) -> Style:
        return cls(
            tuple(spec.required),
            tuple(spec.forbidden),
            tuple((name, re.compile(rx, re.MULTILINE)) for name, rx in spec.patterns.items()),
            spec.max_words,
            tuple(spec.identifiers),
            tuple(spec.json_keys),
            spec.json_text_key,
            tuple(spec.match_keys),
        )

    def rules(self) -> dict[str, str]:
        """{rule: what it checks}, in the order results list them."""
        out = {}
        if self.json_keys:
            out["json"] = "the reply is one JSON object"
            out["keys"] = f"its keys are exactly {', '.join(self.json_keys)}"
        if self.match_keys:
            out["values"] = f"{', '.join(self.match_keys)} equal the reference's"
        if self.required:
            out["required"] = f"says {', '.join(map(repr, self.required))}"
        if self.forbidden:
            out["forbidden"] = f"never says {', '.join(map(repr, self.forbidden))}"
        for name, rx in self.patterns:
            out[name] = f"matches /{rx.pattern}/"
        if self.max_words:
            out["words"] = f"at most {self.max_words} words"
        if self.identifiers:
            out["identifier"] = f"asks for exactly the identifier the request needs ({', '.join(self.identifiers)})"
        return out

    def check(self, reply: str, reference: str) -> dict[str, bool]:
        """{rule: passed} for one reply."""
        out: dict[str, bool] = {}
        text: str | None = reply.strip()
        if self.json_keys:
            obj, ref = _object(reply), _object(reference) or {}
            out["json"] = obj is not None
            out["keys"] = obj is not None and sorted(obj) == sorted(self.json_keys)
            if self.match_keys:
                out["values"] = obj is not None and all(obj.get(k) == ref.get(k) for k in self.match_keys)
            if self.json_text_key:
                text = obj.get(self.json_text_key) if obj is not None else None
                text = text.strip() if isinstance(text, str) else None
                reference = ref.get(self.json_text_key) if isinstance(ref.get(self.json_text_key), str) else reference
        folded = (text or "").casefold()
        if self.required:
            out["required"] = text is not None and all(p.casefold() in folded for p in self.required)
        if self.forbidden:
            out["forbidden"] = text is not None and not any(p.casefold() in folded for p in self.forbidden)
        for name, rx in self.patterns:
            out[name] = text is not None and rx.search(text) is not None
        if self.max_words:
            out["words"] = text is not None and len(text.split()) <= self.max_words
        if self.identifiers:
            out["identifier"] = text is not None and self.named(text) == self.named(reference)
        return out

    def named(self, text: str) -> set[str]:
        """The identifier phrases `text` names (whole words, case-insensitive)."""
        return {p for p in self.identifiers if re.search(rf"(?<!\w){re.escape(p)}(?!\w)", text, re.IGNORECASE)}


def _object(text: str) -> dict | None:
    """The reply as a JSON object: the whole reply, or one fenced ```json block (how chat models often wrap it)."""
    text = text.strip()
    fenced = re.fullmatch(r"```(?:json)?\s*(.*?)\s*```", text, re.DOTALL)
    try:
        obj = json.loads(fenced.group(1) if fenced else text)
    except (json.JSONDecodeError, ValueError):
        return None
    return obj if isinstance(obj, dict) else None
