"""The tools a user would pick instead, measured on the same data in the same `make bench` run.

- Hugging Face TRL's SFTTrainer: full fine-tuning of SmolLM2-135M on the seed's 100 city conversations
  with ragft's recipe (AdamW without weight decay, linear decay to 0, clipping at 1.0, batch 8, same
  learning rate and epochs), completion-only loss on prompt-completion pairs, padded batches (TRL's
  padding-free mode needs FlashAttention, which CPUs lack; packing would change what the loss sees).
  Tokens/s counts the tokens of the examples trained on, padding excluded, as ragft's figure does.
- llama.cpp (llama-cpp-python, optional): the 100 seed questions answered from the same GGUF,
  greedy, at most the same new tokens; questions/s. Skipped with a message when not installed.
"""

from __future__ import annotations

import tempfile
import time

from bench.pipelines import SEED


def _conversations(n: int):
    from ragft.data.cities import city_conversations

    return city_conversations(n, SEED)


def trl_train(n: int, epochs: int) -> dict:
    try:
        import trl
    except ImportError:
        return {"skipped": "trl is not installed (pip install 'ragft[bench]')"}
    from datasets import Dataset
    from trl import SFTConfig, SFTTrainer

    from ragft.finetune.train import TrainSettings
    from ragft.models.loading import load_model

    settings = TrainSettings(epochs=epochs)
    loaded = load_model("smollm2-135m-instruct", "cpu")
    rows = [{"prompt": c["messages"][:-1], "completion": c["messages"][-1:]} for c in _conversations(n)]
    with tempfile.TemporaryDirectory() as out:
        config = SFTConfig(
            output_dir=out,
            num_train_epochs=epochs,
            per_device_train_batch_size=settings.batch_size,
            learning_rate=settings.lr,
            lr_scheduler_type="linear",
            warmup_steps=0,
            weight_decay=0.0,
            max_grad_norm=1.0,
            max_length=settings.max_length,
            completion_only_loss=True,
            packing=False,
            use_cpu=True,
            bf16=False,
            fp16=False,
            save_strategy="no",
            report_to=[],
            logging_steps=10**6,
            dataloader_num_workers=0,
            seed=SEED,
            disable_tqdm=True,
        )
        trainer = SFTTrainer(
            model=loaded.model, args=config, train_dataset=Dataset.from_list(rows), processing_class=loaded.tokenizer
        )
        tokens = sum(len(x) for x in trainer.train_dataset["input_ids"]) * epochs
        began = time.perf_counter()
        metrics = trainer.train().metrics
        seconds = time.perf_counter() - began
    return {
        "seconds": round(seconds, 2),
        "train_tokens": tokens,
        "tokens_per_s": round(tokens / seconds, 1),
        "final_loss": round(float(metrics.get("train_loss", float("nan"))), 4),
        "trl": trl.__version__,
    }


def llamacpp_answers(n: int, max_new_tokens: int = 64) -> dict:
    try:
        from llama_cpp import Llama
    except ImportError:
        return {"skipped": "llama-cpp-python is not installed (pip install llama-cpp-python: builds llama.cpp)"}
    import os

    from ragft.data.questions import qa_items
    from ragft.models.catalogue import CATALOGUE, DEFAULT_MODEL
    from ragft.rag.prompts import PromptConfig

    gguf = str(CATALOGUE[DEFAULT_MODEL].gguf_path())  # the file ragft dequantises: the same weights
    model = Llama(model_path=gguf, n_ctx=2048, n_threads=os.cpu_count(), verbose=False, seed=SEED)
    questions = [i.question for i in qa_items(_conversations(n))]
    began = time.perf_counter()
    for q in questions:
        model.create_chat_completion(
            [
                {"role": "system", "content": PromptConfig().system},  # the base arm's prompt
                {"role": "user", "content": q},
            ],
            temperature=0.0,
            max_tokens=max_new_tokens,
        )
    seconds = time.perf_counter() - began
    return {
        "questions": len(questions),
        "seconds": round(seconds, 2),
        "questions_per_s": round(len(questions) / seconds, 2),
    }
