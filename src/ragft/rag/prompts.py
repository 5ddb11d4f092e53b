"""The prompts every arm is asked with, the grounded prompt's worked examples, and their config section."""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from ragft.schema import Strict

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
GROUNDED_SYSTEM = (
    "Answer the QUESTION from the CONTEXT in one short sentence. If the CONTEXT does not say, say 'I don't know'."
)
GROUNDED_PROMPT = "CONTEXT:\n{context}\nQUESTION: {question}"
# The `context` arms: the whole knowledge base first, so every question shares it as a prompt prefix
# (models/generation.py computes a shared prefix once).
CONTEXT_SYSTEM = (
    "Answer the QUESTION from the KNOWLEDGE in one short sentence. If the KNOWLEDGE does not say, say 'I don't know'."
)
CONTEXT_PROMPT = "KNOWLEDGE:\n{knowledge}\n\nQUESTION: {question}"


class GroundedExample(Strict):
    """A worked example shown before the real question: small models copy its shape."""

    question: str
    passage: str
    answer: str


# Made-up facts in no data set's domain; each passage holds a distractor value beside the answer,
# as real passages do (a weekday and a Saturday time, two prices, two people).
GROUNDED_EXAMPLES = [
    GroundedExample(
        question="When does the library open on Saturdays?",
        passage="Opening hours › Library: On weekdays the library opens at 08:00. "
        "On Saturdays it opens at 10:00 and closes at 14:00.",
        answer="On Saturdays the library opens at 10:00 [1].",
    ),
    GroundedExample(
        question="How much does a week parking ticket cost?",
        passage="Price list › Parking: A day ticket costs 12 euros and a week ticket costs 50 euros.",
        answer="A week parking ticket costs 50 euros [1].",
    ),
    GroundedExample(
        question="Who runs the front desk?",
        passage="Staff › Reception: The office is managed by Tom Berg. The front desk is run by Ana Lopes on weekdays.",
        answer="Ana Lopes runs the front desk [1].",
    ),
]


PROMPT_FIELDS = {
    "closed_book": {"question"},
    "rag": {"question", "context"},
    "context_item": {"i", "doc"},
    "grounded": {"question", "context"},
    "cited_item": {"i", "doc"},
    "context": {"question", "knowledge"},
}


class PromptConfig(Strict):
    """The prompts; {question} and {context} are filled in. The seed arms use the seed's wording."""

    system: str = "You are a helpful assistant."
    closed_book: str = SEED_FINETUNED_PROMPT
    rag: str = SEED_RAG_PROMPT
    context_item: str = "[{i}]: \n{doc}\n\n"
    grounded_system: str = GROUNDED_SYSTEM
    grounded: str = GROUNDED_PROMPT
    grounded_examples: list[GroundedExample] = Field(
        default_factory=lambda: list(GROUNDED_EXAMPLES), description="worked examples before the question; [] for none"
    )
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
                raise ValueError(
                    f"{name}: unknown field {{{unknown[0]}}}; it is filled with "
                    f"{', '.join('{' + f + '}' for f in sorted(allowed))}"
                )
        return self
