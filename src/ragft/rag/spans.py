"""Answers that are terms: candidate spans read off a passage's own structure, and the model's choice among them.

A 135M reader given "`orjson` - Required if you want to use `ORJSONResponse`." and asked which package
ORJSONResponse needs answers "FastAPI 1.1.2.2"; asked which psutil function waits for processes, it names
another one from the same code block. It cannot copy a term out of technical text by itself, but it can
tell which of a few candidates fits the question. So the candidates come from what marks a term in
writing, in any domain — inline code, any token that scoring would call a term (`facts.term`: `snake_case`,
`dotted.names()`, `--flags`, `CamelCase`, versions, file names, paths, `package[extra]`), numbers with
their units, quoted strings, parenthesised glosses, capitalised names, a list item's lead term ("`pkg` -
what it adds") — never words of the question itself, and the model scores each as its answer
(`continuation_logprobs`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ragft.facts import STOPWORDS, term, words
from ragft.models.generation import cache_keyword
from ragft.rag.answer_type import DAYS_AND_MONTHS, NOT_NAMES, passage_body

_SPAN_PATTERNS = (
    re.compile(r"`([^`\n]{1,80})`"),  # inline code, kept by the markup readers
    # numbers and their unit ("8.8MB", "60ns", "20 kg", "8 minutes"; not the "to" of "=1 to disable")
    re.compile(r"(?<![\w.,])([$€£¥]?\d[\d,]*(?:\.\d+)?(?:%|\s?(?!(?:to|of|in|on|at|or|and|a|the)\b)[A-Za-z]{1,8}\b)?)"),
    re.compile(r"\"([^\"\n]{2,40})\""),  # "quoted"
    re.compile(r"\(([^()\n]{3,50})\)"),  # (a parenthesised gloss)
    # Capitalised Names ("Hartley and Sons of Leeds", "Typer", "Uvicorn"); a capitalised function word
    # opening a sentence ("No single person may ...") is left out below
    re.compile(r"\b([A-Z][\w'’.-]*\w(?:\s+(?:of\s+|and\s+|&\s+)?[A-Z][\w'’.-]*\w){0,4})"),
    re.compile(r"(?:^|[.:;]\s)([\w.\[\]-]+)\s+[-–—:]\s"),  # a list item's lead term: "orjson - Required if"
)
# Identifiers, flags, versions, file names, paths, package[extra]: a run of characters a term may hold (call
# parentheses end it) is a candidate where scoring would call it a term (facts.term).
_TOKEN = re.compile(r"[^\s,;()\"'`<>{}]+")
MAX_SPANS = 40
_OPENERS = NOT_NAMES - set(DAYS_AND_MONTHS)  # capitalised at a sentence's start, never an answer alone


@dataclass(frozen=True)
class Span:
    text: str  # as the passage writes it
    passage: int  # 1-based, as citations number passages


def _bare(token: str) -> str:
    """A token without the punctuation that ends its sentence, or the "+" of "3.11+" (3.11 or later)."""
    token = token.rstrip(".:!?")
    return token[:-1] if token.endswith("+") and token[-2:-1].isdigit() else token


def candidate_spans(question: str, passages: list[str], limit: int = MAX_SPANS) -> list[Span]:
    """The spans of the passages that look like an answer to a "which / what" question, in passage order,
    without those the question already says (its words are what is asked about, not the answer)."""
    asked = set(words(question))
    found: dict[str, Span] = {}
    for n, passage in enumerate(passages, start=1):
        body = passage_body(passage)  # a header names the subject, not the answer
        spans = sorted(
            [(m.start(1), m.group(1)) for pattern in _SPAN_PATTERNS for m in pattern.finditer(body)]
            + [(m.start(), t) for m in _TOKEN.finditer(body) if (t := term(_bare(m.group())))]
        )
        for _, text in spans:
            text = text.strip(" .,;:!?'\"`")
            content = [w for w in words(text) if w not in STOPWORDS]
            if (
                (len(text) < 2 and not text.isdigit())
                or not content
                or set(content) <= asked
                or text.lower() in found
                or text.lower() in _OPENERS
            ):  # "No single person may ..."
                continue
            found[text.lower()] = Span(text, n)
    return list(found.values())[:limit]


def continuation_logprobs(
    model, prompt_ids: list[int], continuations: list[list[int]], batch: int = 32
) -> list[list[float]]:
    """Each continuation's per-token log-probabilities after the prompt. The prompt runs once; its key/value
    cache is shared by every batch of continuations (right-padded)."""
    import torch

    device = next(model.parameters()).device
    keyword = cache_keyword(type(model.get_base_model() if hasattr(model, "get_base_model") else model))
    out: list[list[float]] = []
    with torch.inference_mode():
        first = model(input_ids=torch.tensor([prompt_ids], device=device), use_cache=True, logits_to_keep=1)
        prompt_cache = first["cache"] if "cache" in first else first["past_key_values"]
        first_lp = torch.log_softmax(first.logits[0, -1].float(), dim=-1)
        for start in range(0, len(continuations), batch):
            chunk = [c or [0] for c in continuations[start : start + batch]]
            width = max(len(c) for c in chunk)
            ids = torch.tensor([c + [0] * (width - len(c)) for c in chunk], device=device)
            mask = torch.tensor(
                [[1] * len(prompt_ids) + [1] * len(c) + [0] * (width - len(c)) for c in chunk], device=device
            )
            start_at = len(prompt_ids)
            positions = torch.arange(start_at, start_at + width, device=device)[None].expand(len(chunk), -1)
            cache = _repeated(prompt_cache, len(chunk))
            logits = model(
                input_ids=ids, attention_mask=mask, position_ids=positions, use_cache=True, **{keyword: cache}
            ).logits.float()
            lp = torch.log_softmax(logits, dim=-1)
            for row, c in enumerate(chunk):
                scores = [float(first_lp[c[0]])]
                if len(c) > 1:
                    later = torch.tensor(c[1:], device=device)[:, None]
                    scores += lp[row, : len(c) - 1].gather(-1, later)[:, 0].tolist()
                out.append(scores)
    return out


def _repeated(cache, n: int):
    import copy

    twin = copy.deepcopy(cache)
    twin.batch_repeat_interleave(n)
    return twin
