"""OpenAI's "auto" epoch rule, so a local run trains as long as OpenAI's fine-tuning would."""

from __future__ import annotations

DEFAULT_EPOCHS = 3
MIN_TARGET_EXAMPLES = 100
MAX_TARGET_EXAMPLES = 25000
MIN_EPOCHS = 1
MAX_EPOCHS = 25


def auto_epochs(n_examples: int) -> int:
    """3 epochs, more for small files (to see ~100 examples), fewer for huge ones (~25k)."""
    if n_examples <= 0:
        return DEFAULT_EPOCHS
    if n_examples * DEFAULT_EPOCHS < MIN_TARGET_EXAMPLES:
        return min(MAX_EPOCHS, MIN_TARGET_EXAMPLES // n_examples)
    if n_examples * DEFAULT_EPOCHS > MAX_TARGET_EXAMPLES:
        return max(MIN_EPOCHS, MAX_TARGET_EXAMPLES // n_examples)
    return DEFAULT_EPOCHS


def resolve_epochs(epochs: int | str, n_examples: int) -> int:
    return auto_epochs(n_examples) if epochs == "auto" else int(epochs)
