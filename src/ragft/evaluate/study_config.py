"""The config sections of the studies: which ones probe the generated facts, the lifecycle's settings, and
the behaviour study's house style and arms."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from ragft.finetune.config import FinetuneConfig
from ragft.schema import Strict


class LifecycleConfig(Strict):
    """The lifecycle experiments (evaluate/lifecycle.py, unknowns.py, long_context.py, raft.py)."""

    fraction: float = Field(
        0.1,
        gt=0,
        lt=1,
        description=(
            "update: share of the facts whose value changes; deletion: share deleted (disjoint from the changed)"
        ),
    )
    unchanged_questions: int = Field(40, ge=1, description="update and deletion: unchanged facts asked at most")
    variant: str = Field(
        "finetuned",
        description=(
            "update and deletion: the fine-tune that is continued, retrained and left stale (one trained on the facts "
            "in one phrasing, e.g. a 30-epoch variant that knows them well)"
        ),
    )
    unknown_share: float = Field(
        0.25,
        gt=0,
        le=2,
        description=(
            "unknowns: entities not in the data, as a share of those in it (as many again for the idk fine-tune)"
        ),
    )
    unknown_questions: str | None = Field(
        None,
        description=(
            "unknowns on your own data: JSONL of questions whose answer is not in the knowledge (first half: the idk "
            "fine-tune's 'I don't know' examples; second half: asked)"
        ),
    )
    context_sizes: list[int] = Field(
        default_factory=lambda: [10, 30, 100, 300], description=("long_context: facts in the prompt at each point")
    )
    context_questions: int = Field(20, ge=1, description="long_context: questions asked at each size")
    raft_distractors: int = Field(2, ge=0, le=10, description="raft: retrieved distractors beside the gold passage")
    raft_gold_share: float = Field(
        0.8,
        ge=0,
        le=1,
        description=("raft: share of training questions whose passages include the gold one (Zhang et al.: P)"),
    )

    @field_validator("context_sizes")
    @classmethod
    def _sizes(cls, v):
        if not v or any(n < 1 for n in v):
            raise ValueError("give one or more positive numbers of facts")
        return sorted(set(v))


BEHAVIOUR_ARMS = (
    "zero-shot",
    "few-shot",
    "few-shot+instructions",
    "finetuned",
    "finetuned+instructions",
    "lora",
    "lora+instructions",
    # decoded under the reply's JSON schema (models/grammar.py): the shape guaranteed, the words the model's
    "constrained",
    "few-shot+constrained",
    "finetuned+constrained",
    "lora+constrained",
)


class StyleConfig(Strict):
    """A house style a program can check (evaluate/style.py); every rule set here is scored per reply."""

    required: list[str] = Field(default_factory=list, description="phrases every reply contains (case-insensitive)")
    forbidden: list[str] = Field(default_factory=list, description="phrases no reply contains (case-insensitive)")
    patterns: dict[str, str] = Field(
        default_factory=dict,
        description=("named regular expressions every reply matches (re.search, multiline), e.g. greeting: '^Hello'"),
    )
    max_words: int | None = Field(None, ge=1, description="at most this many words per reply")
    identifiers: list[str] = Field(
        default_factory=list,
        description=(
            "phrases naming what a reply may ask for (order number, email address): a reply names exactly those "
            "its reference reply names"
        ),
    )
    json_keys: list[str] = Field(default_factory=list, description="replies are JSON objects with exactly these keys")
    json_text_key: str | None = Field(None, description="with json_keys: the key whose text the text rules check")
    match_keys: list[str] = Field(
        default_factory=list,
        description=("with json_keys: keys whose value equals the reference reply's (an intent, a category)"),
    )

    @field_validator("patterns")
    @classmethod
    def _compiles(cls, v):
        for name, rx in v.items():
            try:
                re.compile(rx)
            except re.error as e:
                raise ValueError(f"pattern {name!r} is not a regular expression: {e}") from None
        return v

    @model_validator(mode="after")
    def _json_keys(self):
        missing = [
            k
            for k in [*self.match_keys, *([self.json_text_key] if self.json_text_key else [])]
            if k not in self.json_keys
        ]
        if missing:
            raise ValueError(f"json_text_key and match_keys must be among json_keys; not: {', '.join(missing)}")
        return self

    def is_empty(self) -> bool:
        return not any(self.model_dump().values())


class BehaviourConfig(Strict):
    """The behaviour experiment (evaluate/behaviour.py): a house style held by prompting or by fine-tuning."""

    source: str = Field(
        "support",
        description=(
            "'support' (generated customer-support replies, data/support.py) or a chat JSONL file of your own"
        ),
    )
    n: int = Field(200, ge=10, description="support: training conversations generated")
    test_n: int = Field(60, ge=1, description="support: held-out test messages generated (other templates and slots)")
    seed: int = Field(42, description="support: the generator's seed; own data: the hold-out draw")
    format: Literal["text", "json"] = Field("text", description="support: plain replies, or JSON objects")
    test: str | None = Field(
        None, description=("own data: held-out conversations (chat JSONL); None: hold out test_share")
    )
    test_share: float = Field(0.25, gt=0, lt=1, description="own data without a test file: share held out")
    style: StyleConfig = Field(
        default_factory=StyleConfig,
        description=("own data: the style to check (support: its house style, data/support.py)"),
    )
    instructions: str | None = Field(
        None,
        description=(
            "the zero-shot arms' system prompt describing the style (support: generated; own data: needed by the "
            "*instructions and zero-shot arms)"
        ),
    )
    system: str | None = Field(
        None,
        description=(
            "the one-line system prompt of the fine-tuned and few-shot arms (None: support's, or your data's own)"
        ),
    )
    arms: list[str] = Field(
        default_factory=lambda: ["zero-shot", "few-shot", "finetuned", "lora", "finetuned+instructions"],
        description=f"any of {', '.join(BEHAVIOUR_ARMS)}",
    )
    shots: int = Field(3, ge=1, le=20, description="few-shot: worked examples in the prompt")
    finetune: FinetuneConfig = Field(
        default_factory=lambda: FinetuneConfig(epochs=3, batch_size=4),
        description=(
            "the fine-tune's recipe (the lora arm: the same with method lora). A style is learnt in steps, not "
            "tokens: on 32 support replies, 3 epochs of batch 4 (24 steps) held the text style on 10/10 held-out "
            "requests where 6 steps of batch 16 held none"
        ),
    )
    reply_schema: dict | None = Field(
        None,
        description=(
            "the JSON schema the +constrained arms decode under (None: read from the training replies: an object "
            "with exactly the style's json_keys, each typed as its values are)"
        ),
    )
    latency_requests: int = Field(5, ge=1, description="requests answered one at a time to time latency per arm")
    max_new_tokens: int = Field(96, ge=8, le=4096)

    @field_validator("arms")
    @classmethod
    def _arms(cls, v):
        unknown = [a for a in v if a not in BEHAVIOUR_ARMS]
        if unknown or not v:
            raise ValueError(
                f"unknown arm {unknown[0]!r}; choose from {', '.join(BEHAVIOUR_ARMS)}"
                if unknown
                else "at least one arm is needed"
            )
        return list(dict.fromkeys(v))

    @model_validator(mode="after")
    def _constrained_needs_json(self):
        constrained = [a for a in self.arms if a.endswith("constrained")]
        json_replies = self.format == "json" if self.source == "support" else bool(self.style.json_keys)
        if constrained and not (json_replies or self.reply_schema):
            raise ValueError(
                f"arms {', '.join(constrained)} decode under the replies' JSON schema: they need JSON replies "
                "(support: format: json; your data: style.json_keys, or reply_schema)"
            )
        return self

    @model_validator(mode="after")
    def _own_data(self):
        if self.source == "support":
            return self
        if self.style.is_empty():
            raise ValueError(
                "a chat JSONL source needs style: the rules its replies follow (required, forbidden, "
                "patterns, max_words, identifiers, json_keys)"
            )
        prompted = [a for a in self.arms if a == "zero-shot" or a.endswith("+instructions")]
        if prompted and not self.instructions:
            raise ValueError(f"arms {', '.join(prompted)} need instructions: the prompt that describes your style")
        return self

    @property
    def generated(self) -> bool:
        return self.source == "support"
