"""The `data` config section: where the questions and the knowledge come from."""

from __future__ import annotations

from pydantic import Field, model_validator

from ragft.data.sources import is_generator, phrased_sources
from ragft.rag.config import ChunkConfig
from ragft.schema import EndpointUrl, Strict

MAX_ENTITIES = 1_000_000  # generated entities or conversations: bounded, so a mistyped count fails at once


class DataConfig(Strict):
    """Where the questions and the knowledge come from."""

    source: str = Field(
        "cities",
        description=(
            "a generator: 'cities' (the seed's), 'people' or 'orgs' (several facts per entity), or a mix of them "
            "in one knowledge base, each part with its own entity count or n ('people:2+cities:10'); "
            "else a path to a chat JSONL file"
        ),
    )
    n: int = Field(
        100,
        ge=1,
        le=MAX_ENTITIES,
        description=(
            "how many entities (cities, people, organisations) to generate; in a mix, for each part without its own "
            "count"
        ),
    )
    seed: int = Field(42, description="random seed of the generator (42 = the seed's data)")
    docs: str | None = Field(
        None,
        description=(
            "a folder (or file) of documents (md, txt, rst, html, pdf) as the knowledge instead of `source`; "
            "needs `questions`"
        ),
    )
    questions: str | None = Field(
        None,
        description=('with `docs`: the test set, JSONL lines {"question": ..., "answer": ...} (chat JSONL accepted)'),
    )
    train: str | None = Field(
        None,
        description=(
            "with `docs`: chat JSONL the fine-tuned arms train on; None: continued pre-training on the chunks"
        ),
    )
    chunks: ChunkConfig = Field(default_factory=lambda: ChunkConfig())
    test: str | None = Field(
        None,
        description=(
            "with a chat JSONL source: held-out questions asked besides the trained ones (split 'test'), JSONL "
            'lines {"question": ..., "answer": ...} or chat JSONL'
        ),
    )
    rewriter_url: EndpointUrl = Field(
        None,
        description=(
            "an OpenAI-compatible endpoint that rewords each trained question `rewrites` times: held-out phrasings "
            "of your own data (data/rewrite.py)"
        ),
    )
    rewriter_model: str = Field("gpt-4o-mini", description="the rewriter's model")
    rewrites: int = Field(3, ge=1, le=10, description="rewrites asked per trained question")
    generator_url: EndpointUrl = Field(
        None,
        description=(
            "an OpenAI-compatible endpoint that writes the document recipes' synthetic data (synthetic-qa, mixed, "
            "distilled: question/answer pairs, entity-relation descriptions, question-focused rewrites; key: "
            "RAGFT_GENERATOR_API_KEY); None: the local model proposes questions for spans of each chunk"
        ),
    )
    generator_model: str = Field("gpt-4o-mini", description="the generator's model")
    probes: bool = Field(
        False,
        description=(
            "ask every generated fact in its trained phrasing, in held-out paraphrases and reversed "
            "(data/probes.py; cities, people, orgs and mixes of them)"
        ),
    )

    @property
    def generated(self) -> bool:
        """Is the knowledge generated facts (a generator or a mix of them), which data/probes.py can rephrase?"""
        return not self.docs and is_generator(self.source)

    @model_validator(mode="after")
    def _documents_need_questions(self):
        if self.probes and not self.generated:
            raise ValueError(
                f"probes need generated facts (source: {phrased_sources()}); for your own "
                "data put held-out phrasings in the test file"
            )
        if self.docs and not self.questions:
            raise ValueError('docs needs questions: a JSONL file of {"question", "answer"} lines (--questions)')
        if not self.docs and (self.questions or self.train):
            raise ValueError("questions and train go with docs (--docs DIR); a chat JSONL source holds its own")
        if self.rewriter_url and self.docs:
            raise ValueError(
                "rewriter_url rewords a chat JSONL source's questions; with docs write them in `questions`"
            )
        if self.test and self.docs:
            raise ValueError("test goes with a chat JSONL source; with docs every question is in `questions`")
        return self
