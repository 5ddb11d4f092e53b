"""What the lifecycle experiments ask of a run (evaluate/lifecycle.py's `Lab`, long_context.py): answer with any
model, count prompt tokens, restore the untouched weights, get the run's fine-tune back, train another one.

A mixin of the runner's Experiment, which holds the state these read through its public names (`loaded`, the
untouched `weights`, the fine-tunes it `saved`, `default_state`, `precision_of`, `answer_items`, `finetune_spec`);
kept apart so the runner reads as the experiment's stages.
"""

from __future__ import annotations

from ragft.data.questions import QAItem
from ragft.evaluate.arms import Arm
from ragft.finetune.run import finetune_with_progress, settings_from_config
from ragft.models.generation import ChatModel, LocalChatModel
from ragft.models.loading import load_model


class LabMixin:
    def ask(self, arm: Arm, model: ChatModel, items: list[QAItem], hits: dict | None, label: str,
            knowledge: dict[str, str] | None = None) -> list[dict]:
        return [rec.to_dict() for rec in self.answer_items(arm, model, items, hits or {}, label, knowledge)]

    def prompt_tokens(self, messages: list[dict]) -> int:
        if self.loaded is None:  # a remote model's tokenizer is not here: about 4 characters a token
            return sum(len(m["content"]) for m in messages) // 4
        return len(self.loaded.tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=True,
                                                              return_dict=False))

    def chat(self, loaded) -> ChatModel:
        return LocalChatModel(loaded.model, loaded.tokenizer, self.precision_of(loaded))

    def untouched_chat(self) -> ChatModel:
        return self.chat(self.weights.untouched())

    def default_finetune(self):
        """The run's fine-tune that the lifecycle asks (lifecycle.variant, default `finetuned`) in a model of its own
        (the run's weights were restored since): from the copy kept of a full fine-tune's weights, else loaded from
        where it was saved."""
        from dataclasses import replace

        if self.default_state is None:
            with self.reporter.spinner("loading the fine-tuned model"):
                return load_model(str(self.saved[self.config.lifecycle.variant]), self.config.device)
        from transformers import AutoModelForCausalLM

        base = self.loaded
        model = AutoModelForCausalLM.from_config(base.model.config, dtype=next(base.model.parameters()).dtype)
        model.load_state_dict(self.default_state)
        self.default_state = None  # one model holds them now
        return replace(base, model=model.to(base.device).eval())

    def train(self, start, conversations: list[dict], name: str, recipe=None,
              folder: str = "lifecycle") -> tuple[ChatModel, dict]:
        """Fine-tune `start` (a loaded model; None: the untouched weights) with `recipe` (a FinetuneConfig; None: the
        lifecycle's fine-tune's), saved under FOLDER/NAME."""
        if start is None:
            start = self.weights.untouched()
        elif hasattr(start.model, "merge_and_unload"):  # a LoRA fine-tune: train on from its merged weights
            from dataclasses import replace

            start = replace(start, model=start.model.merge_and_unload())
        precision = self.precision_of(start)
        spec = self.finetune_spec(self.config.lifecycle.variant)
        settings = settings_from_config(recipe or spec.recipe, len(conversations), spec.seed, precision)
        trained, result = finetune_with_progress(start, conversations, settings, self.run_dir / folder / name,
                                                 self.reporter, f"finetune:{folder}/{name}")
        if start is self.weights.loaded:
            self.weights.trained(trained)
        return LocalChatModel(trained, start.tokenizer, precision), result.to_dict()
