"""A retrieved passage. Scores are higher-is-better within one method (similarity, BM25, RRF)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Hit:
    id: str
    text: str
    score: float
