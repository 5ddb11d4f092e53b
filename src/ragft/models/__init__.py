"""Models: the catalogue, loading (packaged GGUF, local HF dir, adapter dir, hub id), generation."""
