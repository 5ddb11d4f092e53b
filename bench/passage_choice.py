"""Several passages, the model choosing: answer from each of the top M passages alone, keep one answer.

Issue 24's retrieval idea, measured: the `rag` arm reads the best fused passage only; would answering from
each of the top M (after the answer-type reorder) and keeping the answer the model is surest of do better?
Per question and passage it records the answer, whether it is right, the answer's per-token
log-probabilities given the passage and given no passage (for PMI), and the fused score; then scores
choice policies offline. "I don't know" answers rank last in every policy.

    python -m bench.passage_choice [--sets readmes-1,readmes-2,museum,library] [--m 3]
                                   [--out bench/out/passage_choice.json]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path


def answers_per_passage(task, chat, m: int) -> list[dict]:
    from ragft.evaluate.abstention import abstains
    from ragft.evaluate.metrics import is_correct
    from ragft.models.generation import GenerationSettings
    from ragft.rag.answer import answer_grounded, grounded_messages
    from ragft.rag.answer_type import answerable_first
    from ragft.rag.citations import without_citations
    from ragft.rag.config import RagConfig
    from ragft.rag.prompts import PromptConfig
    from ragft.rag.retriever import Retriever, settings_from_config
    from ragft.rag.spans import continuation_logprobs
    from ragft.rag.store import KnowledgeBase

    prompts, tokenizer = PromptConfig(), chat.tokenizer
    questions = [i.question for i in task.items]
    with tempfile.TemporaryDirectory() as tmp:
        kb = KnowledgeBase(Path(tmp), "bench")
        kb.add(task.passages)
        pool = Retriever(kb, settings_from_config(RagConfig())).retrieve(questions)
    pool = [answerable_first(q, hits)[:m] for q, hits in zip(questions, pool)]
    rows = [{"q": q, "ref": i.reference, "answers": []} for q, i in zip(questions, task.items)]

    def logprobs(messages, text):
        prompt = tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=True, return_dict=False)
        continuation = tokenizer(text, add_special_tokens=False)["input_ids"] or [0]
        return continuation_logprobs(chat.model, prompt, [continuation])[0]

    for j in range(m):
        at = [i for i, hits in enumerate(pool) if len(hits) > j]
        answers = answer_grounded(
            chat, [questions[i] for i in at], [[pool[i][j]] for i in at], prompts, GenerationSettings()
        )
        for i, a in zip(at, answers):
            text = without_citations(a.text).strip()
            rows[i]["answers"].append(
                {
                    "answer": a.text,
                    "ok": is_correct(text, task.items[i].reference, questions[i]),
                    "score": pool[i][j].score,
                    "idk": abstains(a.text),
                    "lp": logprobs(grounded_messages(questions[i], [pool[i][j]], prompts), text),
                    "lp_without": logprobs(grounded_messages(questions[i], [], prompts), text),
                }
            )
    return rows


def _mean(x: list[float]) -> float:
    return sum(x) / len(x)


POLICIES = {
    "top passage": lambda a, j: -j,
    "confidence": lambda a, j: _mean(a["lp"]),
    "PMI": lambda a, j: _mean(a["lp"]) - _mean(a["lp_without"]),
    **{f"confidence + {w} x fused": (lambda a, j, w=w: _mean(a["lp"]) + w * a["score"]) for w in (1, 4)},
    **{
        f"PMI + {w} x fused": (lambda a, j, w=w: _mean(a["lp"]) - _mean(a["lp_without"]) + w * a["score"])
        for w in (1, 4)
    },
}


def policy_table(results: dict, m: int) -> dict:
    """Right answers per policy and set, choosing among the first m passages; "any" is a perfect choice."""

    def kept(answers: list[dict], key) -> dict:
        return max(enumerate(answers), key=lambda p: (not p[1]["idk"], key(p[1], p[0])))[1]

    table = {
        name: {s: sum(kept(r["answers"][:m], key)["ok"] for r in rows if r["answers"]) for s, rows in results.items()}
        for name, key in POLICIES.items()
    }
    table["any (perfect choice)"] = {
        s: sum(any(a["ok"] for a in r["answers"][:m]) for r in rows) for s, rows in results.items()
    }
    return table


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sets", default="readmes-1,readmes-2,museum,library")
    parser.add_argument("--m", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("bench/out/passage_choice.json"))
    args = parser.parse_args()
    from bench.reader_quality import load_task
    from ragft.models.generation import LocalChatModel
    from ragft.models.loading import load_model

    loaded = load_model("smollm2-135m-instruct", "cpu")
    chat = LocalChatModel(loaded.model, loaded.tokenizer, "fp32")
    results = {name: answers_per_passage(load_task(name, 20), chat, args.m) for name in args.sets.split(",")}
    tables = {m: policy_table(results, m) for m in range(2, args.m + 1)}
    for m, table in tables.items():
        print(f"choosing among {m} passages: right answers per set, total")
        for name, row in table.items():
            print(f"  {name:26s}", "  ".join(f"{s} {v}" for s, v in row.items()), " total", sum(row.values()))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"answers": results, "tables": tables}, indent=1))


if __name__ == "__main__":
    main()
