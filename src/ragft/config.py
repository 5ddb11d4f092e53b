"""The experiment spec: typed, validated on creation, saved next to every run as config.yaml."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, ValidationError, field_validator, model_validator

from ragft.data.sources import is_generator
from ragft.errors import RagftError
from ragft.evaluate.arms import BUILTIN_VARIANTS, DEFAULT_VARIANT, parse_arm
from ragft.models.catalogue import DEFAULT_MODEL
from ragft.models.loading import DEVICE_PATTERN
from ragft.rag.chunking import ChunkSettings

_SECRET_PARAM = re.compile(r"(?i)^(api[-_]?key|key|token|access[-_]?token|secret|password|sig|signature|auth.*)$")


def redact_url(url: str | None) -> str | None:
    """The URL as it may be written down: no user:password@ and no secret-looking query values. The run
    itself uses the URL as given; config.yaml and results.json get this."""
    if not url:
        return url
    from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

    parts = urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1]
    query = urlencode([(k, "REDACTED" if _SECRET_PARAM.match(k) else v)
                       for k, v in parse_qsl(parts.query, keep_blank_values=True)])
    return urlunsplit((parts.scheme, host, parts.path, query, parts.fragment))


# An endpoint's URL: used as given, written down without its credentials (redact_url).
EndpointUrl = Annotated[str | None, PlainSerializer(redact_url, when_used="json")]

ARMS = ("base", "finetuned", "rag", "finetuned+rag", "rag-seed")
DEFAULT_ARMS = ("base", "finetuned", "rag", "finetuned+rag")
PHRASED_SOURCES = ("cities", "people", "orgs", "mixes like people:2+cities:10")  # facts data/probes.py can rephrase

SEED_FINETUNED_PROMPT = (
    "Answer this question to the best of your ability. If you don't know the answer, say 'I don't know'."
    "\n\nQUESTION: {question}\n\nANSWER:"
)
SEED_RAG_PROMPT = (
    "Answer the following QUESTION based on the CONTEXT only. Only answer from the Context. "
    "If you don't know the answer, say 'I don't know'.\n\nQUESTION: {question}\n\nCONTEXT: {context}\n\nANSWER:"
)

# The `rag` arms: instructions in the system message, the context before the question, and one worked
# example (a made-up library, no data set's wording). Measured with SmolLM2-135M given the gold passage
# alone (bench/reader_quality.py): the seed's layout read 30-55 % of a handbook's answers right, this one
# 70-78 %. Asking for citations in the prompt made the model cite nothing and copy worse; ragft's
# citation slot asks the model for the citation instead (rag/citation_slot.py).
GROUNDED_SYSTEM = ("Answer the QUESTION from the CONTEXT in one short sentence. "
                   "If the CONTEXT does not say, say 'I don't know'.")
GROUNDED_PROMPT = "CONTEXT:\n{context}\nQUESTION: {question}"
# The `context` arms: the whole knowledge base first, so every question shares it as a prompt prefix
# (models/generation.py computes a shared prefix once).
CONTEXT_SYSTEM = ("Answer the QUESTION from the KNOWLEDGE in one short sentence. "
                  "If the KNOWLEDGE does not say, say 'I don't know'.")
CONTEXT_PROMPT = "KNOWLEDGE:\n{knowledge}\n\nQUESTION: {question}"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class ChunkConfig(_Strict):
    """How documents are cut into passages: a few sentences, each with its title and section path."""

    sentences: int = Field(1, ge=1, le=50, description=(
        "sentences per chunk: one reads best for a 135M reader (bench/reader_quality.py)"))
    overlap: int = Field(0, ge=0, description="sentences shared by consecutive chunks of a section")
    header: bool = Field(True, description="prefix each chunk with 'Title › Section: ' so it names its subject")
    lead_in: bool = Field(True, description=(
        "a chunk whose first sentence opens with a pronoun ('It takes 55 minutes.') also carries the sentence "
        "before it, which names what 'it' is"))

    @model_validator(mode="after")
    def _overlap_below_size(self):
        if self.overlap >= self.sentences:
            raise ValueError("overlap must be smaller than sentences")
        return self

    def settings(self):
        return ChunkSettings(sentences=self.sentences, overlap=self.overlap, header=self.header, lead_in=self.lead_in)


class DataConfig(_Strict):
    """Where the questions and the knowledge come from."""

    source: str = Field("cities", description=(
        "a generator: 'cities' (the seed's), 'people' or 'orgs' (several facts per entity), or a mix of them "
        "in one knowledge base, each part with its own entity count or n ('people:2+cities:10'); "
        "else a path to a chat JSONL file"))
    n: int = Field(100, ge=1, le=1_000_000, description=(
        "how many entities (cities, people, organisations) to generate; in a mix, for each part without its own "
        "count"))
    seed: int = Field(42, description="random seed of the generator (42 = the seed's data)")
    docs: str | None = Field(None, description=(
        "a folder (or file) of documents (md, txt, rst, html, pdf) as the knowledge instead of `source`; "
        "needs `questions`"))
    questions: str | None = Field(None, description=(
        "with `docs`: the test set, JSONL lines {\"question\": ..., \"answer\": ...} (chat JSONL accepted)"))
    train: str | None = Field(None, description=(
        "with `docs`: chat JSONL the fine-tuned arms train on; None: continued pre-training on the chunks"))
    chunks: ChunkConfig = Field(default_factory=lambda: ChunkConfig())
    test: str | None = Field(None, description=(
        "with a chat JSONL source: held-out questions asked besides the trained ones (split 'test'), JSONL "
        "lines {\"question\": ..., \"answer\": ...} or chat JSONL"))
    rewriter_url: EndpointUrl = Field(None, description=(
        "an OpenAI-compatible endpoint that rewords each trained question `rewrites` times: held-out phrasings "
        "of your own data (data/rewrite.py)"))
    rewriter_model: str = Field("gpt-4o-mini", description="the rewriter's model")
    rewrites: int = Field(3, ge=1, le=10, description="rewrites asked per trained question")
    probes: bool = Field(False, description=(
        "ask every generated fact in its trained phrasing, in held-out paraphrases and reversed "
        "(data/probes.py; cities, people, orgs and mixes of them)"))

    @property
    def generated(self) -> bool:
        """Is the knowledge generated facts (a generator or a mix of them), which data/probes.py can rephrase?"""
        return not self.docs and is_generator(self.source)

    @model_validator(mode="after")
    def _documents_need_questions(self):
        if self.probes and not self.generated:
            raise ValueError(f"probes need generated facts (source: {', '.join(PHRASED_SOURCES)}); for your own "
                             "data put held-out phrasings in the test file")
        if self.docs and not self.questions:
            raise ValueError("docs needs questions: a JSONL file of {\"question\", \"answer\"} lines (--questions)")
        if not self.docs and (self.questions or self.train):
            raise ValueError("questions and train go with docs (--docs DIR); a chat JSONL source holds its own")
        if self.rewriter_url and self.docs:
            raise ValueError("rewriter_url rewords a chat JSONL source's questions; with docs write them in "
                             "`questions`")
        if self.test and self.docs:
            raise ValueError("test goes with a chat JSONL source; with docs every question is in `questions`")
        return self


class FinetuneConfig(_Strict):
    """Local fine-tuning of the `finetuned` arms."""

    method: Literal["full", "lora"] = "full"
    epochs: int | Literal["auto"] = Field("auto", description="a number, or 'auto' for OpenAI's rule")
    learning_rate: float | None = Field(None, gt=0, allow_inf_nan=False, description="None: 5e-5 full, 2e-4 LoRA")
    batch_size: int = Field(8, ge=1)
    max_length: int = Field(1024, ge=8, description="tokens per training example (longer ones are cut)")
    lora_r: int = Field(16, ge=1)
    lora_alpha: int = Field(32, ge=1)

    @field_validator("epochs")
    @classmethod
    def _positive(cls, v):
        if v != "auto" and v < 1:
            raise ValueError("must be a positive integer or 'auto'")
        return v


class RagConfig(_Strict):
    """Retrieval and passage selection for the `rag` arms (rag/retriever.py, rag/answer.py).

    Defaults chosen with bench/reader_quality.py on generated people and a hand-written handbook,
    confirmed on other generated domains and document sets (docs/grounded-rag-tuning.md).
    """

    k: int = Field(5, ge=1, le=100, description="at most this many passages in the prompt")
    gap: float = Field(0.0, ge=0, description=(
        "keep passages whose fused score (0-1) is within this of the best one (0: the best, and exact "
        "ties): a small reader given several passages about one entity answers with the wrong fact"))
    answer_type: bool = Field(True, description=(
        "put first the passages that hold a value of the kind the question asks for (a price for 'how "
        "much does X cost', a year for 'in which year'): the best-matching sentence often names the "
        "subject but not the asked fact"))
    value_choice: bool = Field(True, description=(
        "when the answer states none of the values of the asked kind its passages hold (an invented "
        "price, a name not in them), the model chooses one of those values (rag/value_slot.py)"))
    span_choice: bool = Field(True, description=(
        "where the passages hold no value of a recognised kind ('which function ...', 'what extra ...'), answer "
        "with the span of them the model finds most likely, among their terms: inline code, identifiers, flags, "
        "versions, numbers, names (rag/spans.py); a small reader cannot copy a term out of technical text alone"))
    unknown_names: bool = Field(True, description=(
        "answer 'I don't know' without asking the model when the question names something the knowledge base "
        "never mentions (rag/unknown_subject.py): retrieval always returns passages, about someone else"))
    methods: list[Literal["dense", "bm25"]] = Field(
        default_factory=lambda: ["dense", "bm25"],
        description="rankings fused for the `rag` arms (`rag-seed` is always dense top-5)")
    fusion: Literal["convex", "rrf"] = Field("convex", description=(
        "convex: dense_weight * dense + (1 - dense_weight) * BM25 on min-max normalised scores; "
        "rrf: reciprocal rank fusion"))
    dense_weight: float = Field(0.4, ge=0, le=1, description="convex fusion's weight of the dense score")
    candidates: int = Field(20, ge=1, description="depth of each ranking before fusion")
    rrf_c: int = Field(60, ge=1, description="reciprocal rank fusion constant")
    agreement: bool = Field(True, description=(
        "rrf only: when some passages are found by every method, keep only those"))
    collection: str = Field("knowledge", pattern=r"^[a-zA-Z0-9._-]{3,512}$")
    chroma_url: EndpointUrl = Field(None, description="http://HOST:PORT of a `chroma run` server; None: embedded")

    @field_validator("methods")
    @classmethod
    def _some_method(cls, v):
        if not v:
            raise ValueError("at least one retrieval method is needed")
        return list(dict.fromkeys(v))


class GenerationConfig(_Strict):
    """Decoding is greedy (temperature 0), as in the seed."""

    max_new_tokens: int = Field(64, ge=1, le=4096)
    batch_size: int = Field(64, ge=1, description="questions decoded together (large batches amortise weight reads)")
    loop_guard: bool = Field(True, description=(
        "stop a reply whose last tokens repeat one short sequence ('-bang-bang-bang-bang'), keeping one copy: "
        "greedy decoding never leaves such a loop by itself"))


class GroundedExample(_Strict):
    """A worked example shown before the real question: small models copy its shape."""

    question: str
    passage: str
    answer: str


# Made-up facts in no data set's domain; each passage holds a distractor value beside the answer,
# as real passages do (a weekday and a Saturday time, two prices, two people).
GROUNDED_EXAMPLES = [
    GroundedExample(question="When does the library open on Saturdays?",
                    passage="Opening hours › Library: On weekdays the library opens at 08:00. "
                            "On Saturdays it opens at 10:00 and closes at 14:00.",
                    answer="On Saturdays the library opens at 10:00 [1]."),
    GroundedExample(question="How much does a week parking ticket cost?",
                    passage="Price list › Parking: A day ticket costs 12 euros and a week ticket costs 50 euros.",
                    answer="A week parking ticket costs 50 euros [1]."),
    GroundedExample(question="Who runs the front desk?",
                    passage="Staff › Reception: The office is managed by Tom Berg. "
                            "The front desk is run by Ana Lopes on weekdays.",
                    answer="Ana Lopes runs the front desk [1]."),
]


PROMPT_FIELDS = {"closed_book": {"question"}, "rag": {"question", "context"}, "context_item": {"i", "doc"},
                 "grounded": {"question", "context"}, "cited_item": {"i", "doc"}, "context": {"question", "knowledge"}}


class PromptConfig(_Strict):
    """The prompts; {question} and {context} are filled in. The seed arms use the seed's wording."""

    system: str = "You are a helpful assistant."
    closed_book: str = SEED_FINETUNED_PROMPT
    rag: str = SEED_RAG_PROMPT
    context_item: str = "[{i}]: \n{doc}\n\n"
    grounded_system: str = GROUNDED_SYSTEM
    grounded: str = GROUNDED_PROMPT
    grounded_examples: list[GroundedExample] = Field(default_factory=lambda: list(GROUNDED_EXAMPLES),
                                                     description="worked examples before the question; [] for none")
    cited_item: str = "[{i}]: \n{doc}\n\n"
    context_system: str = CONTEXT_SYSTEM
    context: str = Field(CONTEXT_PROMPT, description="the `context` arms: {knowledge} is every passage, one per line")

    @field_validator("closed_book", "rag", "grounded", "context")
    @classmethod
    def _has_question(cls, v):
        if "{question}" not in v:
            raise ValueError("must contain {question}")
        return v

    @model_validator(mode="after")
    def _fields_filled(self):
        """Each template names only the fields it is filled with (a stray '{' or '{name}' would fail only once
        the model had loaded); literal braces are written '{{' and '}}'."""
        import string

        for name, allowed in PROMPT_FIELDS.items():
            try:
                used = {f for _, f, _, _ in string.Formatter().parse(getattr(self, name)) if f is not None}
            except ValueError as e:
                raise ValueError(f"{name}: {e} (write a literal brace as '{{{{' or '}}}}')") from None
            unknown = sorted(used - allowed)
            if unknown:
                raise ValueError(f"{name}: unknown field {{{unknown[0]}}}; it is filled with "
                                 f"{', '.join('{' + f + '}' for f in sorted(allowed))}")
        return self


class BackendConfig(_Strict):
    """Where the arms' models run: here, or on an OpenAI-compatible endpoint (OpenAI, vLLM, Ollama, ragft serve).

    With type openai, `model` is the endpoint's model name. The API key is never part of the config:
    it comes from --api-key or OPENAI_API_KEY.
    """

    type: Literal["local", "openai"] = "local"
    base_url: EndpointUrl = Field(None, description="e.g. http://127.0.0.1:8000/v1; None: OPENAI_BASE_URL or OpenAI")
    finetune: Literal["local", "openai"] = Field("local", description="openai: the endpoint's fine-tuning API")
    concurrency: int = Field(4, ge=1, le=64, description="parallel requests to the endpoint")
    poll_interval_s: float = Field(5.0, gt=0, description="how often a fine-tuning job is polled")


class JudgeConfig(_Strict):
    """An optional LLM judge that grades every answer, on any OpenAI-compatible endpoint.

    Its key comes from --judge-api-key, else the backend's key / OPENAI_API_KEY; never from the config.
    """

    model: str | None = Field(None, description="the endpoint's model name; None: no judge")
    url: EndpointUrl = Field(None, description="e.g. http://127.0.0.1:8000/v1; None: OPENAI_BASE_URL or OpenAI")
    concurrency: int = Field(4, ge=1, le=64)


class VariantConfig(_Strict):
    """One more fine-tune of the same model in a run (the default one, `finetuned`, is `finetune`).

    Unset fields take `finetune`'s value (and the run's seed); arms `NAME`, `NAME+rag`, `NAME+rag-seed`,
    `NAME+context` (train_on raft: `NAME` is the grounded arm and `NAME+closed` the closed-book one).
    """

    name: str = Field(pattern=r"^[a-z][a-z0-9_-]{0,39}$", description="names its arms and finetuned/NAME/")
    train_on: Literal["facts", "raft", "idk"] = Field("facts", description=(
        "facts: the task's training data; raft: its questions with retrieved passages, gold and distractors "
        "(Zhang et al. 2024); idk: the facts plus 'I don't know' for entities not in them"))
    phrasings: int = Field(1, ge=1, le=10, description=(
        "train on k phrasings of each fact (generated data only: data/probes.py); 1: the data as generated"))
    method: Literal["full", "lora"] | None = None
    epochs: int | Literal["auto"] | None = None
    learning_rate: float | None = Field(None, gt=0, allow_inf_nan=False)
    seed: int | None = Field(None, ge=0, lt=2**32)

    @field_validator("name")
    @classmethod
    def _not_reserved(cls, v):
        if v in ("base", "rag", "finetuned", "untouched", "context", "raft", "idk") or v.startswith("rag"):
            raise ValueError(f"{v!r} is an arm name already; choose another fine-tune name")
        return v

    def recipe(self, finetune: FinetuneConfig) -> FinetuneConfig:
        """`finetune` with this variant's settings on top."""
        mine = {k: v for k, v in self.model_dump().items()
                if k in ("method", "epochs", "learning_rate") and v is not None}
        return finetune.model_copy(update=mine)


STUDIES = ("generalization", "augmentation", "learning_curve")  # probe the generated facts (data/probes.py)
LIFECYCLE = ("update", "deletion", "unknowns", "long_context", "raft")


class LifecycleConfig(_Strict):
    """The lifecycle experiments (evaluate/lifecycle.py, unknowns.py, long_context.py, raft.py)."""

    fraction: float = Field(0.1, gt=0, lt=1, description=(
        "update: share of the facts whose value changes; deletion: share deleted (disjoint from the changed)"))
    unchanged_questions: int = Field(40, ge=1, description="update and deletion: unchanged facts asked at most")
    variant: str = Field("finetuned", description=(
        "update and deletion: the fine-tune that is continued, retrained and left stale (one trained on the facts "
        "in one phrasing, e.g. a 30-epoch variant that knows them well)"))
    unknown_share: float = Field(0.25, gt=0, le=2, description=(
        "unknowns: entities not in the data, as a share of those in it (as many again for the idk fine-tune)"))
    unknown_questions: str | None = Field(None, description=(
        "unknowns on your own data: JSONL of questions whose answer is not in the knowledge (first half: the idk "
        "fine-tune's 'I don't know' examples; second half: asked)"))
    context_sizes: list[int] = Field(default_factory=lambda: [10, 30, 100, 300], description=(
        "long_context: facts in the prompt at each point"))
    context_questions: int = Field(20, ge=1, description="long_context: questions asked at each size")
    raft_distractors: int = Field(2, ge=0, le=10, description="raft: retrieved distractors beside the gold passage")
    raft_gold_share: float = Field(0.8, ge=0, le=1, description=(
        "raft: share of training questions whose passages include the gold one (Zhang et al.: P)"))

    @field_validator("context_sizes")
    @classmethod
    def _sizes(cls, v):
        if not v or any(n < 1 for n in v):
            raise ValueError("give one or more positive numbers of facts")
        return sorted(set(v))


BEHAVIOUR_ARMS = ("zero-shot", "few-shot", "few-shot+instructions", "finetuned", "finetuned+instructions", "lora",
                  "lora+instructions")


class StyleConfig(_Strict):
    """A house style a program can check (evaluate/style.py); every rule set here is scored per reply."""

    required: list[str] = Field(default_factory=list, description="phrases every reply contains (case-insensitive)")
    forbidden: list[str] = Field(default_factory=list, description="phrases no reply contains (case-insensitive)")
    patterns: dict[str, str] = Field(default_factory=dict, description=(
        "named regular expressions every reply matches (re.search, multiline), e.g. greeting: '^Hello'"))
    max_words: int | None = Field(None, ge=1, description="at most this many words per reply")
    identifiers: list[str] = Field(default_factory=list, description=(
        "phrases naming what a reply may ask for (order number, email address): a reply names exactly those "
        "its reference reply names"))
    json_keys: list[str] = Field(default_factory=list, description="replies are JSON objects with exactly these keys")
    json_text_key: str | None = Field(None, description="with json_keys: the key whose text the text rules check")
    match_keys: list[str] = Field(default_factory=list, description=(
        "with json_keys: keys whose value equals the reference reply's (an intent, a category)"))

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
        missing = [k for k in [*self.match_keys, *([self.json_text_key] if self.json_text_key else [])]
                   if k not in self.json_keys]
        if missing:
            raise ValueError(f"json_text_key and match_keys must be among json_keys; not: {', '.join(missing)}")
        return self

    def is_empty(self) -> bool:
        return not any(self.model_dump().values())


class BehaviourConfig(_Strict):
    """The behaviour experiment (evaluate/behaviour.py): a house style held by prompting or by fine-tuning."""

    source: str = Field("support", description=(
        "'support' (generated customer-support replies, data/support.py) or a chat JSONL file of your own"))
    n: int = Field(200, ge=10, description="support: training conversations generated")
    test_n: int = Field(60, ge=1, description="support: held-out test messages generated (other templates and slots)")
    seed: int = Field(42, description="support: the generator's seed; own data: the hold-out draw")
    format: Literal["text", "json"] = Field("text", description="support: plain replies, or JSON objects")
    test: str | None = Field(None, description=(
        "own data: held-out conversations (chat JSONL); None: hold out test_share"))
    test_share: float = Field(0.25, gt=0, lt=1, description="own data without a test file: share held out")
    style: StyleConfig = Field(default_factory=StyleConfig, description=(
        "own data: the style to check (support: its house style, data/support.py)"))
    instructions: str | None = Field(None, description=(
        "the zero-shot arms' system prompt describing the style (support: generated; own data: needed by the "
        "*instructions and zero-shot arms)"))
    system: str | None = Field(None, description=(
        "the one-line system prompt of the fine-tuned and few-shot arms (None: support's, or your data's own)"))
    arms: list[str] = Field(default_factory=lambda: ["zero-shot", "few-shot", "finetuned", "lora",
                                                     "finetuned+instructions"],
                            description=f"any of {', '.join(BEHAVIOUR_ARMS)}")
    shots: int = Field(3, ge=1, le=20, description="few-shot: worked examples in the prompt")
    finetune: FinetuneConfig = Field(default_factory=lambda: FinetuneConfig(epochs=3, batch_size=4), description=(
        "the fine-tune's recipe (the lora arm: the same with method lora). A style is learnt in steps, not "
        "tokens: on 32 support replies, 3 epochs of batch 4 (24 steps) held the text style on 10/10 held-out "
        "requests where 6 steps of batch 16 held none"))
    latency_requests: int = Field(5, ge=1, description="requests answered one at a time to time latency per arm")
    max_new_tokens: int = Field(96, ge=8, le=4096)

    @field_validator("arms")
    @classmethod
    def _arms(cls, v):
        unknown = [a for a in v if a not in BEHAVIOUR_ARMS]
        if unknown or not v:
            raise ValueError(f"unknown arm {unknown[0]!r}; choose from {', '.join(BEHAVIOUR_ARMS)}" if unknown
                             else "at least one arm is needed")
        return list(dict.fromkeys(v))

    @model_validator(mode="after")
    def _own_data(self):
        if self.source == "support":
            return self
        if self.style.is_empty():
            raise ValueError("a chat JSONL source needs style: the rules its replies follow (required, forbidden, "
                             "patterns, max_words, identifiers, json_keys)")
        prompted = [a for a in self.arms if a == "zero-shot" or a.endswith("+instructions")]
        if prompted and not self.instructions:
            raise ValueError(f"arms {', '.join(prompted)} need instructions: the prompt that describes your style")
        return self

    @property
    def generated(self) -> bool:
        return self.source == "support"


class ExperimentConfig(_Strict):
    """Everything a run needs; the same config and seed give the same numbers."""

    preset: str | None = None
    model: str = DEFAULT_MODEL
    device: str = Field("auto", description="auto, cpu, cuda[:N] or mps")
    precision: Literal["auto", "fp32", "bf16"] = Field(
        "auto", description="matmul format: auto = bf16 where the hardware multiplies bf16 natively "
                            "(CUDA, CPUs with AMX), else fp32; see models/precision.py")
    arms: list[str] = Field(default_factory=lambda: list(DEFAULT_ARMS))
    limit: int | None = Field(None, ge=1, description="evaluate only the first N questions")
    seed: int = Field(42, ge=0, lt=2**32, description="training seed")
    data: DataConfig = Field(default_factory=DataConfig)
    finetune: FinetuneConfig = Field(default_factory=FinetuneConfig)
    variants: list[VariantConfig] = Field(default_factory=list, description=(
        "more fine-tunes of the same model in this run, each with its own arms"))
    experiments: list[Literal["generalization", "augmentation", "learning_curve", "update", "deletion", "unknowns",
                              "long_context", "raft", "behaviour"]] = Field(
        default_factory=list, description=(
            "studies reported beside the arms (results.json 'experiments'). Probing the generated facts: "
            "generalization = accuracy per probe family (trained phrasing, held-out paraphrases, reversed) per arm; "
            "augmentation = closed-book accuracy of each fine-tune against the phrasings per fact it trained on "
            "(`variants`); learning_curve = each fine-tune's closed-book accuracy every `curve_every` epochs. "
            "The lifecycle (`lifecycle`): update = 10 % of the facts change (RAG upsert, continued training, "
            "retraining); deletion = 10 % are deleted; unknowns = questions about entities not in the data; "
            "long_context = the whole knowledge in the prompt at growing sizes; raft = the fine-tune trained on "
            "retrieved passages against finetuned+rag and rag. behaviour = a house style (tone, format) held by "
            "prompting against fine-tuning (`behaviour`)"))
    seeds: int = Field(1, ge=1, le=20, description=(
        "repeat the whole run this many times, data and training seeds moved by 0..N-1 (seed-<i>/), and report "
        "per-seed values with mean and std"))
    curve_every: int = Field(5, ge=1, description="learning_curve: evaluate every N epochs (and after the last)")
    curve_variants: list[str] = Field(default_factory=list, description=(
        "learning_curve: the fine-tunes to checkpoint (empty: every fine-tune of the run)"))
    curve_questions: int = Field(60, ge=1, description=(
        "learning_curve: questions per probe family at each point (the first N: the same at every point)"))
    lifecycle: LifecycleConfig = Field(default_factory=LifecycleConfig)
    behaviour: BehaviourConfig = Field(default_factory=BehaviourConfig)
    rag: RagConfig = Field(default_factory=RagConfig)
    generation: GenerationConfig = Field(default_factory=GenerationConfig)
    prompts: PromptConfig = Field(default_factory=PromptConfig)
    backend: BackendConfig = Field(default_factory=BackendConfig)
    judge: JudgeConfig = Field(default_factory=JudgeConfig)

    @field_validator("device")
    @classmethod
    def _known_device(cls, v):

        if not re.fullmatch(DEVICE_PATTERN, v):
            raise ValueError(f"unknown device {v!r}: use auto, cpu, cuda, cuda:N or mps")
        return v

    @field_validator("arms")
    @classmethod
    def _some_arm(cls, v):
        if not v:
            raise ValueError("at least one arm is needed")
        return list(dict.fromkeys(v))

    @model_validator(mode="after")
    def _known_arms(self):
        names = [v.name for v in self.variants]
        if len(set(names)) != len(names):
            raise ValueError(f"variants: each fine-tune needs its own name, got {names}")
        recipes = [(v.recipe(self.finetune), v.phrasings, v.seed, v.train_on) for v in self.variants]
        twins = [n for n, r in zip(names, recipes) if r == (self.finetune, 1, None, "facts")]
        if twins or len(set(map(repr, recipes))) != len(recipes):
            raise ValueError("variants: two fine-tunes with the same recipe would train the same model twice"
                             + (f" ({twins[0]} is the default fine-tune's recipe)" if twins else ""))
        generated = self.data.generated
        studies = [e for e in self.experiments if e in STUDIES]
        if studies and not generated:
            raise ValueError(f"experiments: {', '.join(studies)} probe generated facts (data.source: "
                             f"{', '.join(PHRASED_SOURCES)})")
        if any(v.phrasings > 1 for v in self.variants) and not generated:
            raise ValueError("variants: phrasings above 1 need generated facts (data.source: "
                             f"{', '.join(PHRASED_SOURCES)}); for your own data give the phrasings in a training file")
        unknown = [v for v in self.curve_variants if v not in (DEFAULT_VARIANT, *names)]
        if unknown:
            raise ValueError(f"curve_variants: no fine-tune called {', '.join(map(repr, unknown))}; the run's are "
                             f"{', '.join([DEFAULT_VARIANT, *names])}")
        try:
            arms = [parse_arm(a, self.variant_kinds()) for a in self.arms]
        except ValueError as e:
            raise ValueError(f"arms: {e}") from None
        self._trainable(arms)
        self._lifecycle(arms, generated)
        return self

    def variant_kinds(self) -> dict[str, str]:
        """Every fine-tune this run can train, by name: what it trains on (evaluate/arms.py)."""
        return {**BUILTIN_VARIANTS, **{v.name: v.train_on for v in self.variants}}

    def _lifecycle(self, arms: list, generated: bool) -> None:
        """What each lifecycle experiment and training-data kind needs, said before any model loads."""
        names = {a.name for a in arms}
        qa = not self.data.docs or self.data.train
        for experiment in ("update", "deletion"):
            if experiment in self.experiments:
                tuned = self.lifecycle.variant
                missing = [a for a in ("rag", tuned) if a not in names]
                if missing:
                    raise ValueError(f"experiments: {experiment} compares the arms rag and {tuned}; add "
                                     f"{' and '.join(missing)} to arms")
                spec = next((v for v in self.variants if v.name == tuned), None)
                if self.variant_kinds().get(tuned) != "facts" or (spec and spec.phrasings > 1):
                    raise ValueError(f"lifecycle.variant: {tuned} must be a fine-tune on the facts in one phrasing "
                                     "(its training data is what an update edits)")
                if self.data.docs:
                    raise ValueError(f"experiments: {experiment} changes facts of question-answer knowledge (chat "
                                     "JSONL or a generator); for documents edit the files and re-index (ragft index)")
                if self.backend.type != "local" or self.backend.finetune != "local":
                    raise ValueError(f"experiments: {experiment} retrains the model here: it needs the local backend")
        if "raft" in self.experiments and not any(a.train_on == "raft" for a in arms):
            raise ValueError("experiments: raft compares the fine-tune trained on retrieved passages: add the arm raft")
        if any(a.train_on == "raft" for a in arms) and not qa:
            raise ValueError("arms: raft trains on questions with their passages; documents need --train questions")
        asks_unknowns = "unknowns" in self.experiments or any(a.train_on == "idk" for a in arms)
        if "behaviour" in self.experiments and self.backend.type != "local":
            raise ValueError("experiments: behaviour fine-tunes and times the model here: it needs the local backend")
        if asks_unknowns and not generated and not self.lifecycle.unknown_questions:
            raise ValueError("unknowns and the idk arm need entities that are not in the data: a generated source "
                             f"({', '.join(PHRASED_SOURCES)}) or lifecycle.unknown_questions (a JSONL of questions)")

    @property
    def probing(self) -> bool:
        """Are the questions probe families (data/probes.py)?"""
        return self.data.probes or any(e in STUDIES for e in self.experiments)

    def arm_specs(self) -> list:
        """The arms to run (evaluate/arms.py), in the configured order."""
        return [parse_arm(a, self.variant_kinds()) for a in self.arms]

    def _trainable(self, arms: list) -> None:
        v = self.backend
        if v.type == "openai" and v.finetune == "local" and any(a.finetuned for a in arms):
            raise ValueError("the fine-tuned arms of an openai backend need backend.finetune: openai "
                             "(--finetune-backend openai); the endpoint's model cannot be trained here")
        if v.finetune == "openai" and self.finetune.method != "full":
            raise ValueError("finetune.method lora is local only; a fine-tuning API trains its own way")
        if v.finetune == "openai" and any(a.variant not in ("untouched", "finetuned") for a in arms):
            raise ValueError("variants are local fine-tunes; with backend.finetune: openai only `finetuned` trains")

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.model_dump(mode="json"), sort_keys=False, allow_unicode=True)


def one_line_error(e: ValidationError, where: str) -> RagftError:
    err = e.errors()[0]
    field = ".".join(str(p) for p in err["loc"])
    message = err["msg"].removeprefix("Value error, ")
    more = f" (and {e.error_count() - 1} more)" if e.error_count() > 1 else ""
    return RagftError(f"{where}: {field + ': ' if field else ''}{message}{more}")


def build_config(raw: dict, where: str = "config") -> ExperimentConfig:
    try:
        return ExperimentConfig.model_validate(raw)
    except ValidationError as e:
        raise one_line_error(e, where) from None


def preset_names() -> list[str]:
    return sorted(p.name[:-5] for p in resources.files("ragft.presets").iterdir() if p.name.endswith(".yaml"))


def _read_yaml(text: str, where: str) -> dict:
    try:
        raw = yaml.safe_load(text) or {}
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        raise RagftError(f"{where}{line}: invalid YAML: {getattr(e, 'problem', e)}") from None
    except RecursionError:
        raise RagftError(f"{where}: nested too deeply to be a config") from None
    if not isinstance(raw, dict):
        raise RagftError(f"{where}: expected a mapping of settings, got {type(raw).__name__}")
    return raw


def load_preset(name: str) -> dict:
    if name not in preset_names():
        raise RagftError(f"unknown preset {name!r}; available: {', '.join(preset_names())}")
    text = resources.files("ragft.presets").joinpath(f"{name}.yaml").read_text()
    return {**_read_yaml(text, f"preset {name}"), "preset": name}


def load_config(preset: str | None = None, config_file: Path | None = None,
                overrides: dict | None = None) -> ExperimentConfig:
    """Preset, then the config file on top, then command-line overrides (dotted keys)."""
    raw: dict = load_preset(preset) if preset else {}
    where = "config"
    if config_file is not None:
        config_file = Path(config_file)
        if not config_file.is_file():
            raise RagftError(f"config file {config_file} does not exist")
        try:
            text = config_file.read_text(encoding="utf-8")
        except UnicodeDecodeError as e:
            raise RagftError(f"{config_file}: not UTF-8 text (byte {e.start}); a config is a YAML file") from None
        raw = _merge(raw, _read_yaml(text, str(config_file)))
        where = str(config_file)
    for dotted, value in (overrides or {}).items():
        if value is None:
            continue
        node = raw
        *parents, leaf = dotted.split(".")
        for p in parents:
            node = node.setdefault(p, {})
        node[leaf] = value
    return build_config(raw, where)


def _merge(base: dict, top: dict) -> dict:
    out = dict(base)
    for key, value in top.items():
        out[key] = _merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out
