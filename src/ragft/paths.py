"""Where ragft keeps its state: one directory, overridable with the RAGFT_HOME environment variable."""

from __future__ import annotations

import os
from pathlib import Path


def ragft_home() -> Path:
    """The state directory (converted model cache, default knowledge base). Default ~/.cache/ragft."""
    return Path(os.environ.get("RAGFT_HOME") or Path.home() / ".cache" / "ragft").expanduser()


def model_cache_dir() -> Path:
    """Converted model weights, one sub-directory per source model."""
    return ragft_home() / "models"


def default_kb_dir() -> Path:
    """The knowledge base `ragft index` and `ragft ask` use when --db is not given."""
    return ragft_home() / "kb"
