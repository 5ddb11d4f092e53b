"""The arms of the experiment: which model answers, and what its prompt holds."""

from __future__ import annotations

from dataclasses import dataclass

from ragft.config import PromptConfig
from ragft.rag.hits import Hit

SEED_K = 5  # the seed's pipeline: dense top-5


@dataclass(frozen=True)
class Arm:
    name: str
    finetuned: bool  # answered by the fine-tuned model (else the untouched one)
    rag: str | None  # None: closed book; "seed": the seed's RAG; "grounded": hybrid retrieval + citations
    description: str

    @property
    def cites(self) -> bool:
        return self.rag == "grounded"

    def messages(self, question: str, prompts: PromptConfig, hits: list[Hit] | None = None) -> list[dict]:
        hits = hits or []
        if self.rag == "seed":
            context = "".join(prompts.context_item.format(i=i, doc=h.text) for i, h in enumerate(hits))
            user = prompts.rag.format(question=question, context=context)
        elif self.rag == "grounded":
            from ragft.rag.answer import grounded_messages

            return grounded_messages(question, hits, prompts)
        else:
            user = prompts.closed_book.format(question=question)
        return [{"role": "system", "content": prompts.system}, {"role": "user", "content": user}]


ARM_SPECS: dict[str, Arm] = {
    a.name: a
    for a in [
        Arm("base", False, None, "untouched model, closed book (the seed's fine-tuned-model prompt)"),
        Arm("finetuned", True, None, "fine-tuned on the knowledge, closed book"),
        Arm("rag", False, "grounded", "untouched model + hybrid retrieval (dense + BM25), best passage(s) only, cited answers"),
        Arm("finetuned+rag", True, "grounded", "fine-tuned model + hybrid retrieval, cited answers"),
        Arm("rag-seed", False, "seed", "untouched model + the seed's RAG (dense top-5, seed prompt)"),
    ]
}
