"""An optional LLM judge on any OpenAI-compatible endpoint: one CORRECT/INCORRECT verdict per answer.

A second opinion beside the rule-based metrics, for answers whose wording the rules cannot follow.
"""

from __future__ import annotations

import os
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from ragft.errors import RagftError
from ragft.evaluate.metrics import wilson_interval
from ragft.models.openai_backend import chat_create
from ragft.rag.citations import without_citations

# In the style of the SimpleQA grader (openai/simple-evals), cut down to what a one-word reply needs.
JUDGE_PROMPT = """Grade a predicted answer to a question against the gold answer.

Question: {question}
Gold answer: {gold}
Predicted answer: {predicted}

The predicted answer is CORRECT if it states the gold answer's value for what was asked, even in other \
words or with extra context. It is INCORRECT if it states a different value, hedges between several \
values, or does not answer.

Reply with exactly one word: CORRECT or INCORRECT."""

# Whole words only, so the CORRECT inside INCORRECT never counts.
_VERDICT = re.compile(r"\b(correct|incorrect)\b", re.IGNORECASE)


@dataclass(frozen=True)
class JudgeSettings:
    model: str
    base_url: str | None = None  # None: OPENAI_BASE_URL, else OpenAI itself
    api_key: str | None = None  # None: OPENAI_API_KEY, else a placeholder (local endpoints need none)
    concurrency: int = 4
    max_tokens: int = 8  # one word; a little slack for models that prefix it
    timeout_s: float = 60.0
    max_retries: int = 2


@dataclass(frozen=True)
class Verdict:
    correct: bool | None  # None: the reply said neither word, or the request failed
    reply: str
    prompt: list[dict]  # the messages sent, so a verdict can be audited
    error: str | None = None


def judge_messages(question: str, reference: str, answer: str) -> list[dict]:
    return [{"role": "user", "content": JUDGE_PROMPT.format(question=question, gold=reference, predicted=answer)}]


def parse_verdict(reply: str) -> bool | None:
    """The first CORRECT or INCORRECT in the reply, as a whole word and in any case; None if neither."""
    found = _VERDICT.search(reply)
    return None if found is None else found.group(1).lower() == "correct"


def _one_line(e: Exception) -> str:
    message = getattr(e, "message", None) or str(e) or type(e).__name__
    status = getattr(e, "status_code", None)
    return " ".join(f"{f'HTTP {status}: ' if status else ''}{message}".split())


def judge_answers(settings: JudgeSettings, items: list[tuple[str, str, str]]) -> list[Verdict]:
    """One verdict per (question, reference, answer), greedy, `concurrency` at a time, in input order.

    A failed request leaves its item unjudged and the run goes on; only an endpoint that no request
    could reach at all raises, since every verdict would be None and the user should hear it at once."""
    if not items:
        return []
    from openai import APIConnectionError, OpenAI, OpenAIError

    key = settings.api_key or os.environ.get("OPENAI_API_KEY") or "none"
    client = OpenAI(
        base_url=settings.base_url or None, api_key=key, timeout=settings.timeout_s, max_retries=settings.max_retries
    )

    def judge(item: tuple[str, str, str]) -> tuple[Verdict, bool]:
        messages = judge_messages(*item)
        try:
            response = chat_create(client, settings.model, messages, settings.max_tokens, temperature=0)
        except OpenAIError as e:
            return Verdict(None, "", messages, _one_line(e)), isinstance(e, APIConnectionError)
        reply = (response.choices[0].message.content or "").strip() if response.choices else ""
        return Verdict(parse_verdict(reply), reply, messages), False

    with ThreadPoolExecutor(max_workers=max(1, settings.concurrency)) as pool:
        results = list(pool.map(judge, items))
    if all(unreachable for _, unreachable in results):
        raise RagftError(f"judge endpoint {str(client.base_url).rstrip('/')} unreachable: {results[0][0].error}")
    return [verdict for verdict, _ in results]


def judge_summary(verdicts: list[Verdict]) -> dict:
    """Accuracy over the judged answers only, with its Wilson 95 % interval; unjudged ones are counted apart."""
    judged = [v.correct for v in verdicts if v.correct is not None]
    k, n = sum(judged), len(judged)
    return {
        "correct": k,
        "n": n,
        "unjudged": len(verdicts) - n,
        "accuracy": k / n if n else None,
        "ci95": wilson_interval(k, n),
    }


def judge_records(records: list, settings: JudgeSettings, reporter) -> None:
    """Grade every record's answer (citations left out) with the judge; each verdict and its prompt go into the
    record."""
    with reporter.stage("judge"), reporter.spinner(f"judging {len(records)} answers with {settings.model}"):
        verdicts = judge_answers(settings, [(r.question, r.reference, without_citations(r.answer)) for r in records])
    for record, v in zip(records, verdicts):
        record.judge = {"correct": v.correct, "reply": v.reply, "prompt": v.prompt, "error": v.error}
