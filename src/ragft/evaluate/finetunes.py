"""What a run needs to train several fine-tunes of one loaded model: each one's spec, the untouched weights
restored before each, and the learning curve's checkpoints taken during one."""

from __future__ import annotations

from typing import NamedTuple

from ragft.data.questions import QAItem
from ragft.evaluate.arms import DEFAULT_VARIANT, parse_arm
from ragft.evaluate.records import family_metrics, make_record
from ragft.models.generation import LocalChatModel


class FinetuneSpec(NamedTuple):
    """How one fine-tune of a run trains: its recipe (a FinetuneConfig), phrasings per generated fact (or a document
    recipe's k), seed, what it trains on (evaluate/arms.py TRAIN_ON, or a document recipe) and what it holds back."""

    recipe: object
    phrasings: int
    seed: int
    train_on: str
    hold_back: float = 0.0  # early stopping: the share of synthetic training questions held back (VariantConfig)


class LearningCurve:
    """The learning_curve's checkpoints: closed-book accuracy on the first probes of each family,
    every `curve_every` epochs of one training run (and after the last), with the model as it is then."""

    def __init__(self, loaded, items: list[QAItem], epochs: int, config, generation, precision: str):
        self.loaded, self.epochs, self.every, self.prompts = loaded, epochs, config.curve_every, config.prompts
        self.generation, self.precision = generation, precision
        families = list(dict.fromkeys(i.family for i in items if i.family in ("train", "paraphrase")))
        self.items = [i for f in families for i in [x for x in items if x.family == f][: config.curve_questions]]
        self.arm = parse_arm(DEFAULT_VARIANT, [DEFAULT_VARIANT])  # closed book
        self.points: list[dict] = []

    def __call__(self, epoch: int, model, seconds: float, tokens: int) -> None:
        if epoch % self.every and epoch != self.epochs and epoch != 0:
            return
        chat = LocalChatModel(model, self.loaded.tokenizer, self.precision)
        prompts = [self.arm.messages(i.question, self.prompts) for i in self.items]
        completions = chat.complete(prompts, self.generation)
        rows = [make_record(self.arm, i, p, c, None).to_dict() for i, p, c in zip(self.items, prompts, completions)]
        self.points.append(
            {"epoch": epoch, "seconds": round(seconds, 3), "train_tokens": tokens, **(family_metrics(rows) or {})}
        )


class UntouchedWeights:
    """The untouched weights, restored before each fine-tune of a run so none trains on top of another.

    LoRA wraps the loaded model in place (PEFT injects its layers), so a fine-tune's model is
    unwrapped and its tensors reset from a copy taken before the first fine-tune; a check that
    every tensor equals that copy guards against training a fine-tune on another's weights.
    """

    def __init__(self, loaded, keep: bool):
        self.loaded = loaded
        self.copy = (
            {k: v.detach().clone() for k, v in loaded.model.state_dict().items()}
            if keep and loaded is not None
            else None
        )
        self.last = None  # the model the previous fine-tune returned

    def untouched(self):
        if self.last is None:
            return self.loaded
        from dataclasses import replace

        import torch

        model = self.last.unload() if hasattr(self.last, "unload") else self.last  # LoRA: drop the adapters
        model.load_state_dict(self.copy)
        for p in model.parameters():
            p.requires_grad_(True)  # LoRA froze the base weights
        state = model.state_dict()
        if state.keys() != self.copy.keys() or not all(torch.equal(state[k], v) for k, v in self.copy.items()):
            raise RuntimeError("the untouched weights could not be restored; refusing to train on another fine-tune")
        self.loaded = replace(self.loaded, model=model)
        return self.loaded

    def trained(self, model) -> None:
        if self.copy is not None:
            self.last = model
