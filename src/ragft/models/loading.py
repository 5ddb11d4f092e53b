"""Resolve a --model value and load it: catalogue name, GGUF file, HF directory, adapter dir or hub id.

GGUF files are dequantised to fp32 once and cached as safetensors under $RAGFT_HOME/models,
so later loads take a fraction of a second instead of ~10-25 s.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ragft.atomic import default_mode
from ragft.errors import RagftError
from ragft.models.catalogue import CATALOGUE
from ragft.paths import model_cache_dir

RAGFT_META = "ragft_model.json"  # written next to every model ragft saves


@dataclass
class LoadedModel:
    model: Any  # a transformers PreTrainedModel (or a peft PeftModel)
    tokenizer: Any
    name: str  # what the user asked for
    source: str  # where the weights came from, for reports
    device: str


def quiet_transformers() -> None:
    """Our own progress bars replace transformers' per-tensor ones."""
    import transformers

    transformers.utils.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()


DEVICE_PATTERN = r"auto|cpu|cuda(:\d+)?|mps"


def pick_device(device: str = "auto") -> str:
    import re

    import torch

    if not re.fullmatch(DEVICE_PATTERN, device or ""):
        raise RagftError(f"unknown device {device!r}: use auto, cpu, cuda, cuda:N or mps")
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise RagftError(f"device {device!r} requested but no CUDA GPU is available")
    return device


def _gguf_cache_key(gguf: Path) -> str:
    stat = gguf.stat()
    digest = hashlib.sha1(f"{gguf.resolve()}|{stat.st_size}|{int(stat.st_mtime)}".encode()).hexdigest()[:12]
    return f"{gguf.stem.lower()}-{digest}"


def converted_gguf_dir(gguf: Path) -> Path:
    """Dequantise a GGUF file to an HF directory once; return the cached directory."""
    target = model_cache_dir() / _gguf_cache_key(gguf)
    if (target / "config.json").exists():
        return target
    from transformers import AutoModelForCausalLM, AutoTokenizer

    quiet_transformers()
    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name)
    if getattr(model, "hf_quantizer", None) is not None:
        # GGUF loads are marked quantized; the fp32 copy is not, and transformers/PEFT refuse to train
        # models marked quantized.
        model.hf_quantizer.remove_quantization_config(model)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}."))
    try:
        tmp.chmod(default_mode(directory=True))  # mkdtemp makes it private; the cache is like any other dir
        model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        (tmp / RAGFT_META).write_text(json.dumps({"converted_from": str(gguf)}) + "\n")
        os.replace(tmp, target)  # atomic: a half-converted cache never looks complete
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
        if not (target / "config.json").exists():
            raise
    return target


def classify_model(name: str) -> tuple[str, Path | str]:
    """Cheap check of a --model value: ("gguf", file), ("hf", dir), ("adapter", dir) or ("hub", id)."""
    if name in CATALOGUE:
        return "gguf", CATALOGUE[name].gguf_path()
    path = Path(name).expanduser()
    if path.suffix == ".gguf":
        if not path.is_file():
            raise RagftError(f"model file {path} does not exist")
        return "gguf", path
    if path.is_dir():
        if (path / "adapter_config.json").exists():
            return "adapter", path
        if (path / "config.json").exists():
            return "hf", path
        raise RagftError(
            f"model directory {path} has neither config.json (a model) nor adapter_config.json (a LoRA adapter)"
        )
    if path.exists() or name.startswith((".", "/", "~")) or os.sep + os.sep in name:
        raise RagftError(f"model {name!r} is not a model directory or .gguf file")
    if name.count("/") == 1 and all(name.split("/")):
        return "hub", name
    known = ", ".join(CATALOGUE)
    raise RagftError(
        f"unknown model {name!r}: use a catalogue name ({known}), a local model directory, "
        f"a .gguf file or a hub id like org/name"
    )


def resolve_model(name: str) -> tuple[str, Path | str]:
    """Like classify_model, with GGUF files converted (once) to a cached HF directory."""
    kind, where = classify_model(name)
    return ("hf", converted_gguf_dir(Path(where))) if kind == "gguf" else (kind, where)


def adapter_base(adapter_dir: Path) -> str:
    """The --model value a LoRA adapter was trained on."""
    meta = adapter_dir / RAGFT_META
    if meta.exists():
        return json.loads(meta.read_text())["base_model"]
    return json.loads((adapter_dir / "adapter_config.json").read_text())["base_model_name_or_path"]


# transformers builds models under process-wide context managers (meta-device init, default dtype):
# two loads in parallel threads (the server's chat registry and its training worker) corrupt each
# other ("Cannot copy out of meta tensor"). Loads are serialised; re-entrant for adapter bases.
_LOAD_LOCK = threading.RLock()


def load_model(name: str, device: str = "auto") -> LoadedModel:
    """Load model + tokenizer for generation or training. One call per run; arms share the result."""
    with _LOAD_LOCK:
        return _load_model(name, device)


def _load_model(name: str, device: str) -> LoadedModel:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    quiet_transformers()
    device = pick_device(device)
    try:
        kind, where = resolve_model(name)
        if kind == "adapter":
            from peft import PeftModel

            base = load_model(adapter_base(Path(where)), device)
            model = PeftModel.from_pretrained(base.model, where)
            tokenizer = base.tokenizer
        else:
            tokenizer = AutoTokenizer.from_pretrained(where)
            # fp32 everywhere: the master weights that training updates; bf16 compute, where chosen,
            # comes from autocast and inference copies (models/precision.py). Pure bf16 weights would
            # round away most AdamW updates at fine-tuning learning rates.
            model = AutoModelForCausalLM.from_pretrained(where, dtype=torch.float32)
    except RagftError:
        raise
    except Exception as e:  # noqa: BLE001 - whatever a broken file makes a loader raise, the user sees one line
        first = (str(e).strip().splitlines() or [""])[0]
        what = type(e).__name__ if type(e).__module__ == "builtins" else f"{type(e).__module__}.{type(e).__name__}"
        raise RagftError(f"could not load model {name!r}: {what}: {first}"[:400]) from e
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    model.to(device)
    model.eval()
    return LoadedModel(model=model, tokenizer=tokenizer, name=name, source=str(where), device=device)


def context_window(model) -> int | None:
    """A loaded model's context window in tokens, where its config says (None: not known, e.g. a remote model)."""
    config = getattr(getattr(model, "model", None), "config", None)
    return getattr(config, "max_position_embeddings", None)
