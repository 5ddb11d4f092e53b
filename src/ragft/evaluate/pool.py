"""The run's models: the loaded model (or an OpenAI-compatible endpoint), its untouched weights, and the fine-tunes by
name — each spec resolved once from the config, trained from the untouched weights (restored before the next),
saved, and loaded back. The runner asks it for models; the studies that train models of their own (update,
deletion, behaviour) train through it too."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from ragft.evaluate.arms import DEFAULT_VARIANT
from ragft.evaluate.contexts.closed import CONTEXT as CLOSED
from ragft.evaluate.finetunes import FinetuneSpec, LearningCurve, UntouchedWeights
from ragft.finetune.early_stopping import EarlyStopping
from ragft.finetune.openai_jobs import finetune_remote
from ragft.finetune.run import finetune_with_progress, settings_from_config
from ragft.finetune.train import mean_loss
from ragft.models.generation import ChatModel, GenerationSettings, LocalChatModel
from ragft.models.loading import load_model
from ragft.models.openai_backend import OpenAIChatModel, openai_client
from ragft.models.precision import resolve_precision
from ragft.progress import Reporter


class ModelPool:
    def __init__(
        self,
        config,
        run_dir: Path,
        reporter: Reporter,
        generation: GenerationSettings,
        api_key: str | None = None,
        keep_default: bool = False,
    ):
        self.config, self.run_dir, self.reporter, self.generation = config, run_dir, reporter, generation
        self.api_key = api_key  # for an openai backend; never written anywhere
        self.loaded = None  # the LoadedModel of a local model
        self.weights: UntouchedWeights | None = None
        self.saved: dict[str, Path] = {}  # where each fine-tune of the run was saved
        self.curves: dict[str, dict] = {}  # learning_curve: {variant: its points}
        self.default_state = None  # lifecycle.variant's weights (a full fine-tune), kept for the lifecycle
        self.keep_default = keep_default  # keep them: a study trains on from that fine-tune

    # The untouched model -------------------------------------------------------------------------------------------

    def untouched_model(self) -> ChatModel:
        """The untouched arms' model (loaded here, or the endpoint's)."""
        if self.config.backend.type == "openai":
            return self.remote(self.config.model)
        with self.reporter.stage("load_model"), self.reporter.spinner(f"loading {self.config.model}"):
            self.loaded = load_model(self.config.model, self.config.device)
        return self.chat(self.loaded)

    def keep_untouched(self, keep: bool) -> None:
        """Copy the untouched weights (`keep`: more than one model is trained from them) before any training."""
        self.weights = UntouchedWeights(self.loaded, keep)

    def untouched_chat(self) -> ChatModel:
        return self.chat(self.weights.untouched())

    def chat(self, loaded) -> ChatModel:
        return LocalChatModel(loaded.model, loaded.tokenizer, self.precision_of(loaded))

    def precision_of(self, loaded) -> str:
        return resolve_precision(self.config.precision, loaded.device)

    def client(self):
        return openai_client(self.config.backend.base_url, self.api_key)

    def remote(self, model_name: str) -> ChatModel:
        return OpenAIChatModel(self.client(), model_name, self.config.backend.concurrency)

    def prompt_tokens(self, messages: list[dict]) -> int:
        if self.loaded is None:  # a remote model's tokenizer is not here: about 4 characters a token
            return sum(len(m["content"]) for m in messages) // 4
        return len(
            self.loaded.tokenizer.apply_chat_template(
                messages, add_generation_prompt=True, tokenize=True, return_dict=False
            )
        )

    # The run's fine-tunes ------------------------------------------------------------------------------------------

    def spec(self, variant: str) -> FinetuneSpec:
        """How one fine-tune of this run trains, resolved from the config."""
        v = next((v for v in self.config.variants if v.name == variant), None)
        if v is None:  # a built-in fine-tune: finetuned, raft, idk (evaluate/arms.py)
            return FinetuneSpec(self.config.finetune, 1, self.config.seed, self.config.variant_kinds()[variant])
        return FinetuneSpec(
            v.recipe(self.config.finetune),
            v.phrasings,
            self.config.seed if v.seed is None else v.seed,
            v.train_on,
            v.hold_back,
        )

    def finetune(
        self, variant: str, conversations: list[dict], out: Path, curve_items=None, held_back=None
    ) -> tuple[ChatModel, dict]:
        """Train fine-tune `variant` from the untouched weights on `conversations`, saved to `out`; `curve_items`:
        the questions its learning curve asks while it trains (None: no curve); `held_back`: (question, value) pairs
        it stops early on (None: every epoch trains)."""
        spec = self.spec(variant)
        if self.config.backend.finetune == "openai":
            ft = self.config.finetune
            summary = finetune_remote(
                self.client(),
                conversations,
                self.config.model,
                ft.epochs,
                ft.batch_size,
                self.config.seed,
                self.reporter,
                self.config.backend.poll_interval_s,
            )
            return self.remote(summary["fine_tuned_model"]), summary
        loaded = self.weights.untouched()
        precision = self.precision_of(loaded)
        settings = settings_from_config(spec.recipe, len(conversations), spec.seed, precision)
        stage = "finetune" if variant == DEFAULT_VARIANT else f"finetune:{variant}"
        curve = (
            LearningCurve(loaded, curve_items, settings.epochs, self.config, self.generation, precision)
            if curve_items is not None
            else None
        )
        if curve:
            curve(0, loaded.model, 0.0, 0)  # the untouched model: where the curve starts
        stopping = self._early_stopping(loaded, held_back, settings.epochs, precision) if held_back else None
        watchers = [w for w in (curve, stopping) if w]

        def on_epoch(*point) -> bool:
            return any([w(*point) for w in watchers])  # a list: every watcher sees every epoch

        trained, result = finetune_with_progress(
            loaded, conversations, settings, out, self.reporter, stage, on_epoch if watchers else None
        )
        if curve:
            self.curves[variant] = {
                "method": result.method,
                "epochs": result.epochs,
                "points": curve.points,
                "trainable_parameters": result.trainable_parameters,
                "total_parameters": result.total_parameters,
                "trainable_share": round(result.trainable_parameters / result.total_parameters, 6),
            }
        self.weights.trained(trained)
        self.saved[variant] = out
        self._keep_default(variant, result.method, trained)
        summary = {
            **result.to_dict(),
            "variant": variant,
            "phrasings": spec.phrasings,
            "seed": spec.seed,
            "train_on": spec.train_on,
            "saved_to": str(out.relative_to(self.run_dir)),
            **({"early_stopping": stopping.summary()} if stopping else {}),
        }
        return LocalChatModel(trained, loaded.tokenizer, precision), summary

    def _early_stopping(self, loaded, held_back: list[tuple[str, str]], epochs: int, precision: str) -> EarlyStopping:
        prompts = [CLOSED.messages(q, self.config.prompts, [], True) for q, _ in held_back]

        def answer(model) -> list[str]:
            chat = LocalChatModel(model, loaded.tokenizer, precision)
            return [c.text for c in chat.complete(prompts, self.generation)]

        answered = [{"messages": [*m, {"role": "assistant", "content": v}]} for m, (_, v) in zip(prompts, held_back)]

        def loss(model) -> float:
            return mean_loss(model, loaded.tokenizer, answered)

        return EarlyStopping(answer, held_back, epochs, loss=loss)

    def resumed(self, variant: str, summary: dict, curve: dict | None) -> None:
        """A fine-tune a killed run trained and saved: where it is, and its learning curve."""
        if "saved_to" in summary:
            self.saved[variant] = self.run_dir / summary["saved_to"]
        if curve:
            self.curves[variant] = curve

    def load_saved(self, variant: str, summary: dict) -> ChatModel:
        """A fine-tune a killed run trained and saved whole, loaded back from the run directory."""
        if self.config.backend.finetune == "openai":
            return self.remote(summary["fine_tuned_model"])
        with self.reporter.stage(f"load_finetune:{variant}"), self.reporter.spinner(f"loading fine-tune {variant}"):
            loaded = load_model(str(self.run_dir / summary["saved_to"]), self.config.device)
        self._keep_default(variant, summary.get("method"), loaded.model)
        return self.chat(loaded)

    def _keep_default(self, variant: str, method: str | None, model) -> None:
        if self.keep_default and variant == self.config.lifecycle.variant and method == "full":
            self.default_state = {k: v.detach().clone() for k, v in model.state_dict().items()}

    def default_finetune(self):
        """The run's fine-tune that the lifecycle asks (lifecycle.variant, default `finetuned`) in a model of its own
        (the run's weights were restored since): from the copy kept of a full fine-tune's weights, else loaded from
        where it was saved."""
        if self.default_state is None:
            with self.reporter.spinner("loading the fine-tuned model"):
                return load_model(str(self.saved[self.config.lifecycle.variant]), self.config.device)
        from transformers import AutoModelForCausalLM  # heavy: only where a study trains on from a fine-tune

        base = self.loaded
        model = AutoModelForCausalLM.from_config(base.model.config, dtype=next(base.model.parameters()).dtype)
        model.load_state_dict(self.default_state)
        self.default_state = None  # one model holds them now
        return replace(base, model=model.to(base.device).eval())

    # Models the studies train --------------------------------------------------------------------------------------

    def train(
        self, start, conversations: list[dict], name: str, recipe=None, folder: str = "lifecycle"
    ) -> tuple[ChatModel, dict]:
        """Fine-tune `start` (a loaded model; None: the untouched weights) with `recipe` (a FinetuneConfig; None: the
        lifecycle's fine-tune's), saved under FOLDER/NAME."""
        if start is None:
            start = self.weights.untouched()
        elif hasattr(start.model, "merge_and_unload"):  # a LoRA fine-tune: train on from its merged weights
            start = replace(start, model=start.model.merge_and_unload())
        precision = self.precision_of(start)
        spec = self.spec(self.config.lifecycle.variant)
        settings = settings_from_config(recipe or spec.recipe, len(conversations), spec.seed, precision)
        trained, result = finetune_with_progress(
            start, conversations, settings, self.run_dir / folder / name, self.reporter, f"finetune:{folder}/{name}"
        )
        if start is self.weights.loaded:
            self.weights.trained(trained)
        return LocalChatModel(trained, start.tokenizer, precision), result.to_dict()
