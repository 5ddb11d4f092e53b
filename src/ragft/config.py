"""The experiment spec: typed, validated on creation, saved next to every run as config.yaml."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path
from typing import Literal

import yaml
from pydantic import Field, ValidationError, field_validator, model_validator

from ragft.data.config import DataConfig
from ragft.data.sources import phrased_sources
from ragft.data.unknowns import check_source as check_unknowns_source
from ragft.errors import RagftError
from ragft.evaluate.arms import BUILTIN_VARIANTS, DEFAULT_VARIANT, parse_arm
from ragft.evaluate.study_config import BehaviourConfig, LifecycleConfig
from ragft.evaluate.variant_config import VariantConfig
from ragft.finetune.config import FinetuneConfig
from ragft.models.catalogue import DEFAULT_MODEL
from ragft.models.config import BackendConfig, GenerationConfig, JudgeConfig
from ragft.models.loading import DEVICE_PATTERN
from ragft.rag.config import RagConfig
from ragft.rag.prompts import PromptConfig
from ragft.schema import Strict, distinct
from ragft.studies.registry import names as study_names
from ragft.studies.registry import selected as selected_studies

ARMS = ("base", "finetuned", "rag", "finetuned+rag", "rag-seed")
DEFAULT_ARMS = ("base", "finetuned", "rag", "finetuned+rag")


class ExperimentConfig(Strict):
    """Everything a run needs; the same config and seed give the same numbers."""

    preset: str | None = None
    model: str = DEFAULT_MODEL
    device: str = Field("auto", description="auto, cpu, cuda[:N] or mps")
    precision: Literal["auto", "fp32", "bf16"] = Field(
        "auto",
        description="matmul format: auto = bf16 where the hardware multiplies bf16 natively "
        "(CUDA, CPUs with AMX), else fp32; see models/precision.py",
    )
    arms: list[str] = Field(default_factory=lambda: list(DEFAULT_ARMS))
    limit: int | None = Field(None, ge=1, description="evaluate only the first N questions")
    seed: int = Field(42, ge=0, lt=2**32, description="training seed")
    data: DataConfig = Field(default_factory=DataConfig)
    finetune: FinetuneConfig = Field(default_factory=FinetuneConfig)
    variants: list[VariantConfig] = Field(
        default_factory=list, description=("more fine-tunes of the same model in this run, each with its own arms")
    )
    experiments: list[str] = Field(
        default_factory=list,
        description=(
            "studies reported beside the arms (results.json 'experiments'), by name: `ragft studies` lists them, e.g. "
            "generalization, augmentation, learning_curve (generated facts), update, deletion, unknowns, long_context, "
            "raft (`lifecycle`), behaviour (`behaviour`)"
        ),
    )
    seeds: int = Field(
        1,
        ge=1,
        le=20,
        description=(
            "repeat the whole run this many times, data and training seeds moved by 0..N-1 (seed-<i>/), and report "
            "per-seed values with mean and std"
        ),
    )
    curve_every: int = Field(5, ge=1, description="learning_curve: evaluate every N epochs (and after the last)")
    curve_variants: list[str] = Field(
        default_factory=list,
        description=("learning_curve: the fine-tunes to checkpoint (empty: every fine-tune of the run)"),
    )
    curve_questions: int = Field(
        60,
        ge=1,
        description=("learning_curve: questions per probe family at each point (the first N: the same at every point)"),
    )
    lifecycle: LifecycleConfig = Field(default_factory=LifecycleConfig)
    behaviour: BehaviourConfig = Field(default_factory=BehaviourConfig)
    rag: RagConfig = Field(default_factory=RagConfig)
    generation: GenerationConfig = Field(default_factory=GenerationConfig)
    prompts: PromptConfig = Field(default_factory=PromptConfig)
    backend: BackendConfig = Field(default_factory=BackendConfig)
    judge: JudgeConfig = Field(default_factory=JudgeConfig)

    @field_validator("device")
    @classmethod
    def _known_device(cls, v):
        if not re.fullmatch(DEVICE_PATTERN, v):
            raise ValueError(f"unknown device {v!r}: use auto, cpu, cuda, cuda:N or mps")
        return v

    @field_validator("arms")
    @classmethod
    def _some_arm(cls, v):
        return distinct(v, "arm")

    @field_validator("experiments")
    @classmethod
    def _known_studies(cls, v):
        known = study_names()
        unknown = [e for e in v if e not in known]
        if unknown:
            raise ValueError(f"unknown study {unknown[0]!r}; known: {', '.join(known)}")
        return v

    @model_validator(mode="after")
    def _known_arms(self):
        names = [v.name for v in self.variants]
        if len(set(names)) != len(names):
            raise ValueError(f"variants: each fine-tune needs its own name, got {names}")
        recipes = [(v.recipe(self.finetune), v.phrasings, v.seed, v.train_on) for v in self.variants]
        twins = [n for n, r in zip(names, recipes) if r == (self.finetune, 1, None, "facts")]
        if twins or len(set(map(repr, recipes))) != len(recipes):
            raise ValueError(
                "variants: two fine-tunes with the same recipe would train the same model twice"
                + (f" ({twins[0]} is the default fine-tune's recipe)" if twins else "")
            )
        generated = self.data.generated
        studies = [s.name for s in selected_studies(self.experiments) if s.probes]
        if studies and not generated:
            raise ValueError(
                f"experiments: {', '.join(studies)} probe generated facts (data.source: {phrased_sources()})"
            )
        if any(v.phrasings > 1 and not v.document_recipe for v in self.variants) and not generated:
            raise ValueError(
                "variants: phrasings above 1 need generated facts (data.source: "
                f"{phrased_sources()}); for your own data give the phrasings in a training file"
            )
        unknown = [v for v in self.curve_variants if v not in (DEFAULT_VARIANT, *names)]
        if unknown:
            raise ValueError(
                f"curve_variants: no fine-tune called {', '.join(map(repr, unknown))}; the run's are "
                f"{', '.join([DEFAULT_VARIANT, *names])}"
            )
        try:
            arms = [parse_arm(a, self.variant_kinds()) for a in self.arms]
        except ValueError as e:
            raise ValueError(f"arms: {e}") from None
        self._trainable(arms)
        self._studies(arms)
        return self

    def variant_kinds(self) -> dict[str, str]:
        """Every fine-tune this run can train, by name: what it trains on (evaluate/arms.py)."""
        return {**BUILTIN_VARIANTS, **{v.name: v.train_on for v in self.variants}}

    def _studies(self, arms: list) -> None:
        """What each study and training-data kind needs, said before any model loads."""
        qa = not self.data.docs or self.data.train
        for study in selected_studies(self.experiments):
            if study.check:
                study.check(self, arms)
        if any(a.train_on == "raft" for a in arms) and not qa:
            raise ValueError("arms: raft trains on questions with their passages; documents need --train questions")
        documents = [v.name for v in self.variants if v.document_recipe]
        if documents and (not self.data.docs or self.data.train):
            raise ValueError(
                f"variants: {documents[0]} makes its training data from documents (--docs, without --train)"
            )
        if self.data.generator_url and not any(v.generates for v in self.variants):
            raise ValueError(
                "data.generator_url writes synthetic pairs for variants with train_on synthetic-qa, mixed or "
                "distilled; this run has none"
            )
        if any(a.train_on == "idk" for a in arms):
            check_unknowns_source(self)

    @property
    def probing(self) -> bool:
        """Are the questions probe families (data/probes.py)?"""
        return self.data.probes or any(s.probes for s in selected_studies(self.experiments))

    def arm_specs(self) -> list:
        """The arms to run (evaluate/arms.py), in the configured order."""
        return [parse_arm(a, self.variant_kinds()) for a in self.arms]

    def _trainable(self, arms: list) -> None:
        v = self.backend
        if v.type == "openai" and v.finetune == "local" and any(a.finetuned for a in arms):
            raise ValueError(
                "the fine-tuned arms of an openai backend need backend.finetune: openai "
                "(--finetune-backend openai); the endpoint's model cannot be trained here"
            )
        if v.finetune == "openai" and self.finetune.method != "full":
            raise ValueError("finetune.method lora is local only; a fine-tuning API trains its own way")
        if v.finetune == "openai" and any(a.variant not in ("untouched", "finetuned") for a in arms):
            raise ValueError("variants are local fine-tunes; with backend.finetune: openai only `finetuned` trains")

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.model_dump(mode="json"), sort_keys=False, allow_unicode=True)


def one_line_error(e: ValidationError, where: str) -> RagftError:
    err = e.errors()[0]
    field = ".".join(str(p) for p in err["loc"])
    message = err["msg"].removeprefix("Value error, ")
    more = f" (and {e.error_count() - 1} more)" if e.error_count() > 1 else ""
    return RagftError(f"{where}: {field + ': ' if field else ''}{message}{more}")


def build_config(raw: dict, where: str = "config") -> ExperimentConfig:
    try:
        return ExperimentConfig.model_validate(raw)
    except ValidationError as e:
        raise one_line_error(e, where) from None


def preset_names() -> list[str]:
    return sorted(p.name[:-5] for p in resources.files("ragft.presets").iterdir() if p.name.endswith(".yaml"))


def _read_yaml(text: str, where: str) -> dict:
    try:
        raw = yaml.safe_load(text) or {}
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        raise RagftError(f"{where}{line}: invalid YAML: {getattr(e, 'problem', e)}") from None
    except RecursionError:
        raise RagftError(f"{where}: nested too deeply to be a config") from None
    if not isinstance(raw, dict):
        raise RagftError(f"{where}: expected a mapping of settings, got {type(raw).__name__}")
    return raw


def load_preset(name: str) -> dict:
    if name not in preset_names():
        raise RagftError(f"unknown preset {name!r}; available: {', '.join(preset_names())}")
    text = resources.files("ragft.presets").joinpath(f"{name}.yaml").read_text()
    raw = _read_yaml(text, f"preset {name}")
    data = raw.get("data") or {}
    for key in ("docs", "questions", "train"):  # a preset's documents are the bundled sets (ragft/examples/)
        if data.get(key):
            data[key] = str(resources.files("ragft").joinpath("examples", data[key]))
    return {**raw, "preset": name}


def load_config(
    preset: str | None = None, config_file: Path | None = None, overrides: dict | None = None
) -> ExperimentConfig:
    """Preset, then the config file on top, then command-line overrides (dotted keys)."""
    raw: dict = load_preset(preset) if preset else {}
    where = "config"
    if config_file is not None:
        config_file = Path(config_file)
        if not config_file.is_file():
            raise RagftError(f"config file {config_file} does not exist")
        try:
            text = config_file.read_text(encoding="utf-8")
        except UnicodeDecodeError as e:
            raise RagftError(f"{config_file}: not UTF-8 text (byte {e.start}); a config is a YAML file") from None
        raw = _merge(raw, _read_yaml(text, str(config_file)))
        where = str(config_file)
    for dotted, value in (overrides or {}).items():
        if value is None:
            continue
        node = raw
        *parents, leaf = dotted.split(".")
        for p in parents:
            node = node.setdefault(p, {})
        node[leaf] = value
    return build_config(raw, where)


def _merge(base: dict, top: dict) -> dict:
    out = dict(base)
    for key, value in top.items():
        out[key] = _merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out
