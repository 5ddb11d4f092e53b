"""The arms of the experiment: which model answers, and what its prompt holds."""

from __future__ import annotations

from dataclasses import dataclass

from ragft.config import PromptConfig
from ragft.rag.store import Hit


@dataclass(frozen=True)
class Arm:
    name: str
    finetuned: bool  # answered by the fine-tuned model (else the untouched one)
    rag: bool  # the prompt holds retrieved passages
    description: str

    def messages(self, question: str, prompts: PromptConfig, hits: list[Hit] | None = None) -> list[dict]:
        if self.rag:
            context = "".join(prompts.context_item.format(i=i, doc=h.text) for i, h in enumerate(hits or []))
            user = prompts.rag.format(question=question, context=context)
        else:
            user = prompts.closed_book.format(question=question)
        return [{"role": "system", "content": prompts.system}, {"role": "user", "content": user}]


ARM_SPECS: dict[str, Arm] = {
    a.name: a
    for a in [
        Arm("base", False, False, "untouched model, closed book (the seed's fine-tuned-model prompt)"),
        Arm("finetuned", True, False, "fine-tuned on the knowledge, closed book"),
        Arm("rag", False, True, "untouched model + top-k retrieved passages (the seed's RAG prompt)"),
        Arm("finetuned+rag", True, True, "fine-tuned model + top-k retrieved passages"),
    ]
}
