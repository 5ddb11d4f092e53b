"""What each benchmark child process runs. Every function returns a JSON-able dict.

Each runs in a fresh process (see run.py), so imports, loads and peak memory are its own.
"""

from __future__ import annotations

import json
import os
import time
from contextlib import contextmanager
from pathlib import Path

SEED = 42
K = 5
# ragft's arms for the seed's four, named as the naive pipeline names them. ragft's `rag-seed` is the
# seed's RAG exactly (dense top-5, the seed's prompt); its `finetuned+rag` is ragft's grounded RAG
# (hybrid retrieval, cited answers) -- ragft has no fine-tuned arm with the seed's RAG prompt.
ARMS = {"base": "base", "rag-seed": "rag", "finetuned": "finetuned", "finetuned+rag": "finetuned+rag"}


@contextmanager
def timed(timings: dict, name: str):
    began = time.perf_counter()
    yield
    timings[name] = round(timings.get(name, 0.0) + time.perf_counter() - began, 3)


def _seed_prompts(questions: list[str], contexts: list[list[str]] | None) -> list[list[dict]]:
    from ragft.rag.prompts import PromptConfig

    p = PromptConfig()
    out = []
    for k, q in enumerate(questions):
        if contexts is None:
            user = p.closed_book.format(question=q)
        else:
            user = p.rag.format(
                question=q, context="".join(p.context_item.format(i=i, doc=d) for i, d in enumerate(contexts[k]))
            )
        out.append([{"role": "system", "content": p.system}, {"role": "user", "content": user}])
    return out


def naive_experiment(n: int, limit: int, epochs: int, workdir: str) -> dict:
    """The seed experiment, four arms, with the naive reference pipeline."""
    from bench import naive
    from ragft.data.cities import city_conversations
    from ragft.data.questions import qa_items
    from ragft.evaluate.metrics import is_correct

    t: dict[str, float] = {}
    began = time.perf_counter()
    with timed(t, "load_model"):
        model, tokenizer = naive.load()
    conversations = city_conversations(n, SEED)
    items = qa_items(conversations)[:limit]
    questions = [i.question for i in items]
    with timed(t, "index"):
        collection = naive.index(conversations, Path(workdir) / "chroma")
    with timed(t, "retrieve"):
        contexts = naive.retrieve(collection, questions, K)
    arms = {"base": _seed_prompts(questions, None), "rag": _seed_prompts(questions, contexts)}
    answers = {}
    for arm in ("base", "rag"):
        with timed(t, f"generate:{arm}"):
            answers[arm] = naive.answer(model, tokenizer, arms[arm])
    with timed(t, "finetune"):
        ft = naive.finetune(model, tokenizer, conversations, epochs, SEED)
    model = ft.pop("model")
    for arm, base in (("finetuned", "base"), ("finetuned+rag", "rag")):
        with timed(t, f"generate:{arm}"):
            answers[arm] = naive.answer(model, tokenizer, arms[base])
    t["total"] = round(time.perf_counter() - began, 3)
    return {"timings": t, "finetune": ft, "arms": _arm_stats(answers, items, is_correct)}


def _arm_stats(answers: dict, items, is_correct) -> dict:
    return {
        arm: {
            "n": len(a),
            "accuracy": sum(is_correct(text, i.reference, i.question) for (text, _, _), i in zip(a, items)) / len(a),
            "prompt_tokens": sum(p for _, p, _ in a),
            "completion_tokens": sum(c for _, _, c in a),
        }
        for arm, a in answers.items()
    }


def ragft_experiment(
    n: int, limit: int, epochs: int, workdir: str, method: str = "full", precision: str = "auto"
) -> dict:
    """The seed experiment through ragft's own runner (what `ragft run --preset seed` does)."""
    from ragft.config import load_config
    from ragft.evaluate.runner import Experiment

    began = time.perf_counter()
    config = load_config(
        "seed",
        overrides={
            "limit": limit,
            "finetune.epochs": epochs,
            "data.n": n,
            "finetune.method": method,
            "device": "cpu",
            "arms": list(ARMS),
            "precision": precision,
        },
    )
    out = Experiment(config, Path(workdir) / "run").run()
    total = time.perf_counter() - began
    rows = [json.loads(line) for line in (out.run_dir / "predictions.jsonl").read_text().splitlines()]
    results = out.results
    ft = dict(results.get("finetune") or {})
    ft.pop("losses", None)
    timings: dict[str, float] = {}
    for stage, seconds in results["timings"].items():  # cite:ARM is part of answering ARM: summed in
        timings[_stage_name(stage)] = round(timings.get(_stage_name(stage), 0.0) + seconds, 3)
    timings["total"] = round(total, 3)
    arms = {
        ARMS[a]: {
            "n": s["n"],
            "accuracy": s["accuracy"],
            "prompt_tokens": sum(r["prompt_tokens"] for r in rows if r["arm"] == a),
            "completion_tokens": sum(r["completion_tokens"] for r in rows if r["arm"] == a),
        }
        for a, s in results["arms"].items()
    }
    return {"timings": timings, "finetune": ft, "arms": arms, "precision": results["model"].get("precision")}


def _stage_name(stage: str) -> str:
    kind, _, arm = stage.partition(":")
    return f"generate:{ARMS[arm]}" if kind in ("generate", "cite") and arm in ARMS else stage


def train_only(n: int, epochs: int, method: str, pipeline: str, precision: str = "auto") -> dict:
    """Fine-tuning alone (ragft's trainer or the naive loop): the LoRA figures, ragft in fp32."""
    from ragft.data.cities import city_conversations
    from ragft.finetune.train import TrainSettings, train
    from ragft.models.loading import load_model

    conversations = city_conversations(n, SEED)
    loaded = load_model("smollm2-135m-instruct", "cpu")
    if pipeline == "naive":
        from bench import naive

        ft = naive.finetune(loaded.model, loaded.tokenizer, conversations, epochs, SEED, method)
        trained = ft.pop("model")
        return {**ft, "trainable_params": sum(p.numel() for p in trained.parameters() if p.requires_grad)}
    settings = TrainSettings(method=method, epochs=epochs, precision=precision)
    trained, result = train(loaded.model, loaded.tokenizer, conversations, settings)
    trainable = sum(p.numel() for p in trained.parameters() if p.requires_grad)
    return {
        "seconds": result.seconds,
        "train_tokens": result.train_tokens,
        "steps": result.steps,
        "trainable_params": trainable,
        "body_tokens": result.body_tokens,
        "head_tokens": result.head_tokens,
        "final_loss": result.final_loss,
        "precision": result.precision,
    }


def model_load(home: str) -> dict:
    """load_model in a fresh process with RAGFT_HOME=home (cold: empty cache; warm: converted weights).

    The libraries every pipeline needs (torch, transformers' model classes) are imported first and
    timed apart: importing them costs the same whatever loads the weights.
    """
    os.environ["RAGFT_HOME"] = home
    began = time.perf_counter()
    import torch  # noqa: F401
    from transformers import AutoModelForCausalLM, AutoTokenizer  # noqa: F401
    from transformers.models.llama import modeling_llama  # noqa: F401

    imports = time.perf_counter() - began
    began = time.perf_counter()
    from ragft.models.loading import load_model

    loaded = load_model("smollm2-135m-instruct", "cpu")
    first = time.perf_counter() - began
    began = time.perf_counter()
    load_model("smollm2-135m-instruct", "cpu")
    again = time.perf_counter() - began
    c = loaded.model.config
    return {
        "imports_s": round(imports, 3),
        "load_s": round(first, 3),
        "again_in_process_s": round(again, 3),
        "params": sum(p.numel() for p in loaded.model.parameters()),  # tied weights counted once
        "embedding_params": loaded.model.get_input_embeddings().weight.numel(),
        "layers": c.num_hidden_layers,
        "hidden": c.hidden_size,
    }


def generation_rates(n: int) -> dict:
    """Prefill and decode tokens/s, ragft vs naive, on the first n RAG prompts of the seed (untouched model).

    Prefill: answering with max_new_tokens=1. Decode: the extra time and tokens of max_new_tokens=64.
    """
    from bench import naive
    from ragft.data.cities import city_conversations
    from ragft.data.questions import passages, qa_items
    from ragft.models.generation import GenerationSettings, LocalChatModel
    from ragft.models.loading import load_model
    from ragft.models.precision import resolve_precision

    conversations = city_conversations(100, SEED)
    items = qa_items(conversations)[:n]
    texts = list(passages(conversations).values())
    # Retrieval is not timed here: the same contexts for both (the passages of neighbouring cities).
    contexts = [[texts[(k + j) % len(texts)] for j in range(K)] for k in range(len(items))]
    prompts = _seed_prompts([i.question for i in items], contexts)
    loaded = load_model("smollm2-135m-instruct", "cpu")
    ours = LocalChatModel(loaded.model, loaded.tokenizer, resolve_precision("auto", "cpu"))  # ragft's default
    loaded.tokenizer.padding_side = "left"

    def run_ragft(max_new: int):
        c = ours.complete(prompts, GenerationSettings(max_new))  # ragft's default batch
        return sum(x.prompt_tokens for x in c), sum(x.completion_tokens for x in c)

    def run_naive(max_new: int):
        a = naive.answer(loaded.model, loaded.tokenizer, prompts, max_new)
        return sum(p for _, p, _ in a), sum(c for _, _, c in a)

    out = {}
    for name, fn in (("ragft", run_ragft), ("naive", run_naive)):
        fn(1)  # warm-up
        began = time.perf_counter()
        prompt_tokens, _ = fn(1)
        prefill = time.perf_counter() - began
        began = time.perf_counter()
        _, completion_tokens = fn(64)
        full = time.perf_counter() - began
        decode_tokens = completion_tokens - len(prompts)
        out[name] = {
            "prompts": len(prompts),
            "prompt_tokens": prompt_tokens,
            "prefill_s": round(prefill, 3),
            "prefill_tok_s": round(prompt_tokens / prefill, 1),
            "decode_tokens": decode_tokens,
            "decode_s": round(full - prefill, 3),
            "decode_tok_s": round(decode_tokens / max(full - prefill, 1e-9), 1),
        }
    return out
