"""Where ragft keeps its state: one directory, overridable with the RAGFT_HOME environment variable."""

from __future__ import annotations

import os
from pathlib import Path

from ragft.errors import RagftError


def ragft_home() -> Path:
    """The state directory (converted model cache, default knowledge base). Default ~/.cache/ragft."""
    return Path(os.environ.get("RAGFT_HOME") or Path.home() / ".cache" / "ragft").expanduser()


def model_cache_dir() -> Path:
    """Converted model weights, one sub-directory per source model."""
    return ragft_home() / "models"


def default_kb_dir() -> Path:
    """The knowledge base `ragft index` and `ragft ask` use when --db is not given."""
    return ragft_home() / "kb"


def check_writable_dir(path: Path, what: str) -> Path:
    """`path` can be a directory ragft writes into (it may not exist yet): checked before any long work, so
    a run never trains for an hour and then fails to save. A RagftError names the option and the reason."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise RagftError(f"{what} {path}: is a file, not a folder")
    existing = next((p for p in (path, *path.parents) if p.exists()), Path("."))
    if not existing.is_dir():
        raise RagftError(f"{what} {path}: {existing} is a file, not a folder")
    if not os.access(existing, os.W_OK | os.X_OK) or not _can_create_in(existing):
        raise RagftError(f"{what} {path}: {existing} is not writable")
    return path


def _can_create_in(folder: Path) -> bool:
    """A file can really be made there (os.access says yes to root on a read-only mount's folders)."""
    import tempfile

    try:
        with tempfile.TemporaryFile(dir=folder):
            return True
    except OSError:
        return False
