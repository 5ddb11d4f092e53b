"""How the grounded RAG arm's retrieval, selection and prompt choices score on several knowledge sets.

Not a timing benchmark: the accuracy study behind the defaults in rag/answer.py, rag/retriever.py and
config.py. Retrieval runs once per variant's retrieval settings; each variant then selects and answers.
Defaults are chosen on `people` and `handbook` and confirmed on the others (other domains, generators,
hand-written documents in other formats).

    python -m bench.reader_quality [--sets people,orgs,cities,handbook,harbour,lab] [--n 20]
                                   [--sentences 1] [--overlap 0] [--variants "NAME;NAME"]
                                   [--out bench/out/reader_quality.json]

"oracle" variants give the reader the gold passage alone: its ceiling, whatever retrieval does.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from ragft.rag.answer import SelectionSettings
from ragft.rag.hits import Hit
from ragft.rag.prompts import SEED_RAG_PROMPT, PromptConfig
from ragft.rag.retriever import RetrievalSettings

EXAMPLES = Path(__file__).resolve().parent.parent / "src" / "ragft" / "examples"
SEED_LAYOUT = PromptConfig(grounded_system=PromptConfig().system, grounded=SEED_RAG_PROMPT, grounded_examples=[])
ONE_EXAMPLE = PromptConfig(grounded_examples=PromptConfig().grounded_examples[:1])
BEFORE = RetrievalSettings(k=5, agreement=True, fusion="rrf")  # the `rag` arm before this study
CONVEX = RetrievalSettings(k=5, candidates=20, fusion="convex")


@dataclass(frozen=True)
class Variant:
    name: str
    selection: SelectionSettings
    retrieval: RetrievalSettings = field(default=CONVEX)
    prompts: PromptConfig = field(default_factory=PromptConfig)
    oracle: bool = False  # the gold passage alone: the reader's ceiling
    choose_values: bool = True  # rag/value_slot.py


VARIANTS = [
    Variant("oracle gold only", SelectionSettings(k=1), oracle=True),
    Variant("before: rrf+agreement k5", SelectionSettings(k=5, gap=99.0), BEFORE, SEED_LAYOUT),
    Variant("rrf top1", SelectionSettings(k=1), RetrievalSettings(k=5, fusion="rrf")),
    Variant("convex top3", SelectionSettings(k=3, gap=99.0)),
    Variant("convex top1", SelectionSettings(k=1)),
    Variant("convex top1, no answer-type filter", SelectionSettings(k=1, answer_type=False)),
    Variant("convex top1, no value choice", SelectionSettings(k=1), choose_values=False),
    Variant("convex top1, neither", SelectionSettings(k=1, answer_type=False), choose_values=False),
    Variant("convex gap0.05", SelectionSettings(k=5, gap=0.05)),
    Variant(
        "oracle, copy exactly",
        SelectionSettings(k=1),
        oracle=True,
        prompts=PromptConfig(
            grounded_system=(
                "Answer the QUESTION from the CONTEXT in one short sentence, copying names and numbers exactly as "
                "written. If the CONTEXT does not say, say 'I don't know'."
            )
        ),
    ),
    Variant("oracle, one worked example", SelectionSettings(k=1), oracle=True, prompts=ONE_EXAMPLE),
    Variant("convex gap0.15", SelectionSettings(k=5, gap=0.15)),
    Variant("convex top1, seed's prompt layout", SelectionSettings(k=1), prompts=SEED_LAYOUT),
    Variant("convex top1, no worked example", SelectionSettings(k=1), prompts=PromptConfig(grounded_examples=[])),
]


def load_task(name: str, n: int, sentences: int = 1, overlap: int = 0):
    from ragft.data.config import DataConfig
    from ragft.data.load import load_conversations
    from ragft.data.task import task_from_conversations, task_from_documents
    from ragft.rag.chunking import ChunkSettings

    if (EXAMPLES / name).is_dir():
        return task_from_documents(
            EXAMPLES / name, EXAMPLES / name / "questions.jsonl", ChunkSettings(sentences=sentences, overlap=overlap)
        )
    conversations, description = load_conversations(DataConfig(source=name, n=n))
    return task_from_conversations(conversations, description)


def evaluate(task, chat, variants: list[Variant]) -> list[dict]:
    from ragft.evaluate.metrics import is_correct
    from ragft.models.generation import GenerationSettings
    from ragft.rag.answer import answer_grounded, select_passages
    from ragft.rag.citations import without_citations
    from ragft.rag.retriever import Retriever
    from ragft.rag.store import KnowledgeBase

    questions = [i.question for i in task.items]
    with tempfile.TemporaryDirectory() as tmp:
        kb = KnowledgeBase(Path(tmp), "bench")
        kb.add(task.passages)
        pools = {v.retrieval: Retriever(kb, v.retrieval).retrieve(questions) for v in variants if not v.oracle}
    gold = [[Hit(i.gold_ids[0], task.passages[i.gold_ids[0]], 1.0)] if i.gold_ids else [] for i in task.items]
    rows = []
    for v in variants:
        hits = select_passages(questions, gold if v.oracle else pools[v.retrieval], v.selection)
        prompts = v.prompts
        began = time.perf_counter()
        answers = answer_grounded(chat, questions, hits, prompts, GenerationSettings(), choose_values=v.choose_values)
        seconds = time.perf_counter() - began
        correct = [is_correct(without_citations(a.text), i.reference, i.question) for a, i in zip(answers, task.items)]
        gold_first = [bool(h) and h[0].id in i.gold_ids for h, i in zip(hits, task.items)]
        gold_in = [any(x.id in i.gold_ids for x in h) for h, i in zip(hits, task.items)]
        reader = [c for c, g in zip(correct, gold_in) if g]
        valid = [all(c.valid for c in a.citations) and bool(a.citations) for a in answers]
        row = {
            "variant": v.name,
            "n": len(correct),
            "accuracy": round(sum(correct) / len(correct), 4),
            "gold_first": round(sum(gold_first) / len(gold_first), 4),
            "gold_in_prompt": round(sum(gold_in) / len(gold_in), 4),
            "reader_accuracy": round(sum(reader) / len(reader), 4) if reader else None,
            "citations_valid": round(sum(valid) / len(valid), 4),
            "mean_passages": round(sum(len(h) for h in hits) / len(hits), 2),
            "answer_s": round(seconds, 1),
            "misses": [
                {"q": i.question, "ref": i.reference, "answer": a.text, "top": h[0].text if h else None}
                for a, i, h, c in zip(answers, task.items, hits, correct)
                if not c
            ][:10],
        }
        rows.append(row)
        print(
            f"  {v.name:28s} acc {row['accuracy']:.3f}  gold-first {row['gold_first']:.3f}  gold-in "
            f"{row['gold_in_prompt']:.3f}  reader {row['reader_accuracy']}  cites-ok {row['citations_valid']:.3f}  "
            f"passages {row['mean_passages']}  {seconds:.0f}s",
            flush=True,
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sets", default="people,orgs,cities,handbook,harbour,lab")
    parser.add_argument("--n", type=int, default=20, help="entities per generated set (5 questions each for people)")
    parser.add_argument("--variants", default=None, help="variant names separated by ; (default all)")
    parser.add_argument("--precision", default="fp32")
    parser.add_argument("--sentences", type=int, default=1, help="sentences per document chunk")
    parser.add_argument("--overlap", type=int, default=0, help="sentences shared by consecutive chunks")
    parser.add_argument("--out", type=Path, default=Path("bench/out/reader_quality.json"))
    args = parser.parse_args()
    from ragft.models.generation import LocalChatModel
    from ragft.models.loading import load_model

    names = args.variants.split(";") if args.variants else None
    variants = [v for v in VARIANTS if names is None or v.name in names]
    loaded = load_model("smollm2-135m-instruct", "cpu")
    chat = LocalChatModel(loaded.model, loaded.tokenizer, args.precision)
    results = {}
    for name in args.sets.split(","):
        task = load_task(name, args.n, args.sentences, args.overlap)
        print(f"{name}: {len(task.items)} questions, {len(task.passages)} passages", flush=True)
        results[name] = evaluate(task, chat, variants)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
