"""The experiment spec: typed, validated on creation, saved next to every run as config.yaml."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ragft.errors import RagftError
from ragft.models.catalogue import DEFAULT_MODEL

ARMS = ("base", "finetuned", "rag", "finetuned+rag", "rag-seed")
DEFAULT_ARMS = ("base", "finetuned", "rag", "finetuned+rag")

SEED_FINETUNED_PROMPT = (
    "Answer this question to the best of your ability. If you don't know the answer, say 'I don't know'."
    "\n\nQUESTION: {question}\n\nANSWER:"
)
SEED_RAG_PROMPT = (
    "Answer the following QUESTION based on the CONTEXT only. Only answer from the Context. "
    "If you don't know the answer, say 'I don't know'.\n\nQUESTION: {question}\n\nCONTEXT: {context}\n\nANSWER:"
)

# The `rag` arms keep the seed's wording: it suits small models. Asking for citations in it made
# SmolLM2-135M cite nothing and copy one number worse (99 vs 100 of 100); ragft's citation slot
# asks the model for the citation instead (rag/citation_slot.py).
GROUNDED_PROMPT = SEED_RAG_PROMPT


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class DataConfig(_Strict):
    """Where the questions and the knowledge come from."""

    source: str = Field("cities", description="'cities' (the seed's generator) or a path to a chat JSONL file")
    n: int = Field(100, ge=1, le=1_000_000, description="how many cities to generate")
    seed: int = Field(42, description="random seed of the generator (42 = the seed's data)")


class FinetuneConfig(_Strict):
    """Local fine-tuning of the `finetuned` arms."""

    method: Literal["full", "lora"] = "full"
    epochs: int | Literal["auto"] = Field("auto", description="a number, or 'auto' for OpenAI's rule")
    learning_rate: float | None = Field(None, gt=0, description="None: 5e-5 full, 2e-4 LoRA")
    batch_size: int = Field(8, ge=1)
    max_length: int = Field(1024, ge=8, description="tokens per training example (longer ones are cut)")
    lora_r: int = Field(16, ge=1)
    lora_alpha: int = Field(32, ge=1)

    @field_validator("epochs")
    @classmethod
    def _positive(cls, v):
        if v != "auto" and v < 1:
            raise ValueError("must be a positive integer or 'auto'")
        return v


class RagConfig(_Strict):
    """Retrieval for the `rag` arms."""

    k: int = Field(5, ge=1, le=100, description="passages retrieved per question")
    methods: list[Literal["dense", "bm25"]] = Field(
        default_factory=lambda: ["dense", "bm25"],
        description="rankings fused by reciprocal rank for the `rag` arms (`rag-seed` is always dense top-5)")
    candidates: int = Field(100, ge=1, description="depth of each ranking before fusion")
    rrf_c: int = Field(60, ge=1, description="reciprocal rank fusion constant")
    agreement: bool = Field(True, description=(
        "when some passages are found by every method (dense and BM25), keep only those: near-duplicate "
        "distractors one method alone found confuse small models; false: the fused top k"))
    collection: str = Field("knowledge", pattern=r"^[a-zA-Z0-9._-]{3,512}$")
    chroma_url: str | None = Field(None, description="http://HOST:PORT of a `chroma run` server; None: embedded")

    @field_validator("methods")
    @classmethod
    def _some_method(cls, v):
        if not v:
            raise ValueError("at least one retrieval method is needed")
        return list(dict.fromkeys(v))


class GenerationConfig(_Strict):
    """Decoding is greedy (temperature 0), as in the seed."""

    max_new_tokens: int = Field(64, ge=1, le=4096)
    batch_size: int = Field(64, ge=1, description="questions decoded together (large batches amortise weight reads)")


class PromptConfig(_Strict):
    """The seed's prompts; {question} and {context} are filled in."""

    system: str = "You are a helpful assistant."
    closed_book: str = SEED_FINETUNED_PROMPT
    rag: str = SEED_RAG_PROMPT
    context_item: str = "[{i}]: \n{doc}\n\n"
    grounded: str = GROUNDED_PROMPT
    cited_item: str = "[{i}]: \n{doc}\n\n"

    @field_validator("closed_book", "rag", "grounded")
    @classmethod
    def _has_question(cls, v):
        if "{question}" not in v:
            raise ValueError("must contain {question}")
        return v


class BackendConfig(_Strict):
    """Where the arms' models run: here, or on an OpenAI-compatible endpoint (OpenAI, vLLM, Ollama, ragft serve).

    With type openai, `model` is the endpoint's model name. The API key is never part of the config:
    it comes from --api-key or OPENAI_API_KEY.
    """

    type: Literal["local", "openai"] = "local"
    base_url: str | None = Field(None, description="e.g. http://127.0.0.1:8000/v1; None: OPENAI_BASE_URL or OpenAI")
    finetune: Literal["local", "openai"] = Field("local", description="openai: the endpoint's fine-tuning API")
    concurrency: int = Field(4, ge=1, le=64, description="parallel requests to the endpoint")
    poll_interval_s: float = Field(5.0, gt=0, description="how often a fine-tuning job is polled")


class ExperimentConfig(_Strict):
    """Everything a run needs; the same config and seed give the same numbers."""

    preset: str | None = None
    model: str = DEFAULT_MODEL
    device: str = Field("auto", description="auto, cpu or cuda[:N]")
    precision: Literal["auto", "fp32", "bf16"] = Field(
        "auto", description="matmul format: auto = bf16 where the hardware multiplies bf16 natively "
                            "(CUDA, CPUs with AMX), else fp32; see models/precision.py")
    arms: list[str] = Field(default_factory=lambda: list(DEFAULT_ARMS))
    limit: int | None = Field(None, ge=1, description="evaluate only the first N questions")
    seed: int = Field(42, description="training seed")
    data: DataConfig = Field(default_factory=DataConfig)
    finetune: FinetuneConfig = Field(default_factory=FinetuneConfig)
    rag: RagConfig = Field(default_factory=RagConfig)
    generation: GenerationConfig = Field(default_factory=GenerationConfig)
    prompts: PromptConfig = Field(default_factory=PromptConfig)
    backend: BackendConfig = Field(default_factory=BackendConfig)

    @field_validator("arms")
    @classmethod
    def _known_arms(cls, v):
        if not v:
            raise ValueError("at least one arm is needed")
        unknown = [a for a in v if a not in ARMS]
        if unknown:
            raise ValueError(f"unknown arm(s) {', '.join(unknown)}; choose from {', '.join(ARMS)}")
        return list(dict.fromkeys(v))

    @field_validator("backend")
    @classmethod
    def _trainable(cls, v, info):
        arms, finetune = info.data.get("arms") or [], info.data.get("finetune")
        if v.type == "openai" and v.finetune == "local" and any("finetuned" in a for a in arms):
            raise ValueError("the fine-tuned arms of an openai backend need backend.finetune: openai "
                             "(--finetune-backend openai); the endpoint's model cannot be trained here")
        if v.finetune == "openai" and finetune is not None and finetune.method != "full":
            raise ValueError("finetune.method lora is local only; a fine-tuning API trains its own way")
        return v

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.model_dump(mode="json"), sort_keys=False, allow_unicode=True)


def _one_line(e: ValidationError, where: str) -> RagftError:
    err = e.errors()[0]
    field = ".".join(str(p) for p in err["loc"]) or "config"
    more = f" (and {e.error_count() - 1} more)" if e.error_count() > 1 else ""
    return RagftError(f"{where}: {field}: {err['msg']}{more}")


def build_config(raw: dict, where: str = "config") -> ExperimentConfig:
    try:
        return ExperimentConfig.model_validate(raw)
    except ValidationError as e:
        raise _one_line(e, where) from None


def preset_names() -> list[str]:
    return sorted(p.name[:-5] for p in resources.files("ragft.presets").iterdir() if p.name.endswith(".yaml"))


def _read_yaml(text: str, where: str) -> dict:
    try:
        raw = yaml.safe_load(text) or {}
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        raise RagftError(f"{where}{line}: invalid YAML: {getattr(e, 'problem', e)}") from None
    if not isinstance(raw, dict):
        raise RagftError(f"{where}: expected a mapping of settings, got {type(raw).__name__}")
    return raw


def load_preset(name: str) -> dict:
    if name not in preset_names():
        raise RagftError(f"unknown preset {name!r}; available: {', '.join(preset_names())}")
    text = resources.files("ragft.presets").joinpath(f"{name}.yaml").read_text()
    return {**_read_yaml(text, f"preset {name}"), "preset": name}


def load_config(preset: str | None = None, config_file: Path | None = None,
                overrides: dict | None = None) -> ExperimentConfig:
    """Preset, then the config file on top, then command-line overrides (dotted keys)."""
    raw: dict = load_preset(preset) if preset else {}
    where = "config"
    if config_file is not None:
        config_file = Path(config_file)
        if not config_file.is_file():
            raise RagftError(f"config file {config_file} does not exist")
        raw = _merge(raw, _read_yaml(config_file.read_text(), str(config_file)))
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
