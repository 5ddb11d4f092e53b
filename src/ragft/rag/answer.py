"""The grounded answer, in one place: retrieve, fuse, select, prompt, answer, cite, check.

`ragft ask`, the runner's grounded arms and the reader benchmark all call these functions, so
what `ask` prints is what the experiment measures.

What decides a small reader's accuracy is selection: the passage that answers first, and little
else to distract it (SmolLM2-135M given three passages about one person answers with whichever
fact it likes: 48 % vs 95 % given the answering passage alone, both with the seed's prompt). So the prompt
holds the best fused passage, plus only those scoring within `gap` of it (rag/fusion.py: convex combination of
dense and BM25 scores), at most `k`; the best passage being the best one that holds a value of the kind the
question asks for (rag/answer_type.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from ragft.models.generation import Completion
from ragft.rag.answer_type import answerable_first
from ragft.rag.citation_slot import ensure_citations
from ragft.rag.citations import check_citations, without_phantom_citations
from ragft.rag.hits import Hit
from ragft.rag.unknown_subject import unmentioned_answer
from ragft.rag.value_slot import ensure_values


@dataclass(frozen=True)
class SelectionSettings:
    k: int = 5  # at most this many passages in the prompt
    gap: float = 0.0  # keep passages whose fused score is within this of the best one (scores in [0, 1])
    answer_type: bool = True  # passages holding a value of the asked kind first (rag/answer_type.py)


def selection_from_config(rag) -> SelectionSettings:
    return SelectionSettings(rag.k, rag.gap, rag.answer_type)


@dataclass(frozen=True)
class GroundedAnswer:
    messages: list[dict]
    completion: object  # models.generation.Completion
    text: str  # the answer as shown, with its citation
    forced: bool  # the model cited nothing and chose [n] when asked (rag/citation_slot.py)
    citations: list  # rag.citations.Citation, checked against the passages
    value_chosen: bool = False  # the answer stated no value its passages hold; the model chose one (rag/value_slot.py)
    unmentioned: tuple[str, ...] = ()  # names in the question the knowledge base never mentions: abstained unasked


def select_passages(questions: list[str], candidates: list[list[Hit]], settings: SelectionSettings) -> list[list[Hit]]:
    """The passages each question's prompt holds, best first: the best candidate, and those within `gap`.

    With `answer_type`, the best candidate is the best one holding a value of the kind the question
    asks for ("how much ... weigh" -> a mass), where one does.
    """
    out = []
    for question, hits in zip(questions, candidates, strict=True):
        if settings.answer_type:
            hits = answerable_first(question, hits)
        best = hits[0].score if hits else 0.0
        out.append([h for h in hits if abs(best - h.score) <= settings.gap][: settings.k])
    return out


def _user_turn(question: str, passages: list[str], prompts) -> dict:
    context = "".join(prompts.cited_item.format(i=i, doc=p) for i, p in enumerate(passages, start=1))
    return {"role": "user", "content": prompts.grounded.format(question=question, context=context)}


def grounded_messages(question: str, hits: list[Hit], prompts, examples: bool = True) -> list[dict]:
    """The grounded prompt: instructions, worked examples (unless `examples` is False), then the
    question with its passages numbered from 1, as the answer's citations are."""
    messages = [{"role": "system", "content": prompts.grounded_system}]
    for example in prompts.grounded_examples if examples else []:
        messages += [
            _user_turn(example.question, [example.passage], prompts),
            {"role": "assistant", "content": example.answer},
        ]
    return messages + [_user_turn(question, [h.text for h in hits], prompts)]


def answer_grounded(
    chat_model,
    questions: list[str],
    hits: list[list[Hit]],
    prompts,
    generation,
    progress=None,
    choose_values: bool = True,
    examples: bool = True,
    vocabulary=None,
    spans: bool = True,
) -> list[GroundedAnswer]:
    """Answer each question from its passages, make sure the answer states one of their values of the
    asked kind (`choose_values`) or, where they hold no value of a recognised kind, is the span of them the
    model finds most likely (`spans`, rag/spans.py), cites a passage, and check the citations.

    With a `vocabulary` (rag/unknown_subject.py), a question naming something the knowledge base never
    mentions is answered "I don't know" without asking the model.
    """
    missing = [vocabulary.unmentioned(q) if vocabulary is not None else [] for q in questions]
    asked = [i for i, m in enumerate(missing) if not m]
    answered = iter(
        _answer_from_passages(
            chat_model,
            [questions[i] for i in asked],
            [hits[i] for i in asked],
            prompts,
            generation,
            progress,
            choose_values,
            examples,
            spans,
        )
    )
    out = []
    for q, h, m in zip(questions, hits, missing):
        if m:
            text = unmentioned_answer(m)
            out.append(
                GroundedAnswer(
                    grounded_messages(q, h, prompts, examples),
                    Completion(text, 0, 0, 0.0),
                    text,
                    False,
                    [],
                    False,
                    tuple(m),
                )
            )
            if progress:
                progress(1)
        else:
            out.append(next(answered))
    return out


def _answer_from_passages(
    chat_model, questions, hits, prompts, generation, progress, choose_values, examples, spans
) -> list[GroundedAnswer]:
    if not questions:
        return []
    messages = [grounded_messages(q, h, prompts, examples) for q, h in zip(questions, hits)]
    completions = chat_model.complete(messages, generation, progress=progress)
    texts = [[p.text for p in h] for h in hits]
    valued = (
        ensure_values(chat_model, messages, questions, [c.text for c in completions], texts, spans)
        if choose_values
        else [(c.text, False) for c in completions]
    )
    valued = [(without_phantom_citations(a, len(h)), chosen) for (a, chosen), h in zip(valued, hits)]
    cited = ensure_citations(chat_model, messages, [a for a, _ in valued], [len(h) for h in hits])
    return [
        GroundedAnswer(m, c, text, forced, check_citations(text, t, q), chosen)
        for q, t, m, c, (text, forced), (_, chosen) in zip(questions, texts, messages, completions, cited, valued)
    ]
