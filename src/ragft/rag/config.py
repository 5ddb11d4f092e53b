"""The `chunking` and `rag` config sections: how documents become passages, and how the `rag` arms retrieve
and select them."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from ragft.rag.chunking import ChunkSettings
from ragft.schema import EndpointUrl, Strict, distinct


class ChunkConfig(Strict):
    """How documents are cut into passages: a few sentences, each with its title and section path."""

    sentences: int = Field(
        1, ge=1, le=50, description=("sentences per chunk: one reads best for a 135M reader (bench/reader_quality.py)")
    )
    overlap: int = Field(0, ge=0, description="sentences shared by consecutive chunks of a section")
    header: bool = Field(True, description="prefix each chunk with 'Title › Section: ' so it names its subject")
    lead_in: bool = Field(
        True,
        description=(
            "a chunk whose first sentence opens with a pronoun ('It takes 55 minutes.') also carries the sentence "
            "before it, which names what 'it' is"
        ),
    )

    @model_validator(mode="after")
    def _overlap_below_size(self):
        if self.overlap >= self.sentences:
            raise ValueError("overlap must be smaller than sentences")
        return self

    def settings(self):
        return ChunkSettings(sentences=self.sentences, overlap=self.overlap, header=self.header, lead_in=self.lead_in)


class RagConfig(Strict):
    """Retrieval and passage selection for the `rag` arms (rag/retriever.py, rag/answer.py).

    Defaults chosen with bench/reader_quality.py on generated people and a hand-written handbook,
    confirmed on other generated domains and document sets (docs/grounded-rag-tuning.md).
    """

    k: int = Field(5, ge=1, le=100, description="at most this many passages in the prompt")
    gap: float = Field(
        0.0,
        ge=0,
        description=(
            "keep passages whose fused score (0-1) is within this of the best one (0: the best, and exact "
            "ties): a small reader given several passages about one entity answers with the wrong fact"
        ),
    )
    answer_type: bool = Field(
        True,
        description=(
            "put first the passages that hold a value of the kind the question asks for (a price for 'how "
            "much does X cost', a year for 'in which year'): the best-matching sentence often names the "
            "subject but not the asked fact"
        ),
    )
    value_choice: bool = Field(
        True,
        description=(
            "when the answer states none of the values of the asked kind its passages hold (an invented "
            "price, a name not in them), the model chooses one of those values (rag/value_slot.py)"
        ),
    )
    span_choice: bool = Field(
        True,
        description=(
            "where the passages hold no value of a recognised kind ('which function ...', 'what extra ...'), answer "
            "with the span of them the model finds most likely, among their terms: inline code, identifiers, flags, "
            "versions, numbers, names (rag/spans.py); a small reader cannot copy a term out of technical text alone"
        ),
    )
    unknown_names: bool = Field(
        True,
        description=(
            "answer 'I don't know' without asking the model when the question names something the knowledge base "
            "never mentions (rag/unknown_subject.py): retrieval always returns passages, about someone else"
        ),
    )
    methods: list[Literal["dense", "bm25"]] = Field(
        default_factory=lambda: ["dense", "bm25"],
        description="rankings fused for the `rag` arms (`rag-seed` is always dense top-5)",
    )
    fusion: Literal["convex", "rrf"] = Field(
        "convex",
        description=(
            "convex: dense_weight * dense + (1 - dense_weight) * BM25 on min-max normalised scores; "
            "rrf: reciprocal rank fusion"
        ),
    )
    dense_weight: float = Field(0.4, ge=0, le=1, description="convex fusion's weight of the dense score")
    candidates: int = Field(20, ge=1, description="depth of each ranking before fusion")
    rrf_c: int = Field(60, ge=1, description="reciprocal rank fusion constant")
    agreement: bool = Field(
        True, description=("rrf only: when some passages are found by every method, keep only those")
    )
    collection: str = Field("knowledge", pattern=r"^[a-zA-Z0-9._-]{3,512}$")
    chroma_url: EndpointUrl = Field(None, description="http://HOST:PORT of a `chroma run` server; None: embedded")

    @field_validator("methods")
    @classmethod
    def _some_method(cls, v):
        return distinct(v, "retrieval method")
