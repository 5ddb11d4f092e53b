"""ragft: fine-tune or retrieve? Measured."""

__version__ = "0.1.0"
