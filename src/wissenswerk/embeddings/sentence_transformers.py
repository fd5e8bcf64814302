"""Any Hugging Face sentence-transformers model, e.g. intfloat/multilingual-e5-base.

Needs the extra ``wissenswerk[sentence-transformers]``. A model name is resolved by the
Hugging Face cache (download happens on first use, with the admin's consent by
configuring it); a local directory path works offline.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from wissenswerk.core.errors import EmbeddingError
from wissenswerk.embeddings.base import normalise


class SentenceTransformerEmbedder:
    def __init__(
        self,
        model: str,
        query_prefix: str = "",
        passage_prefix: str = "",
        batch_size: int = 32,
        local_files_only: bool = False,
    ) -> None:
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise EmbeddingError(
                "The embeddings provider 'sentence-transformers' needs the extra: "
                "pip install 'wissenswerk[sentence-transformers]'"
            ) from exc
        try:
            self._model = SentenceTransformer(
                model, device="cpu", local_files_only=local_files_only
            )
        except OSError as exc:
            raise EmbeddingError(
                f"Cannot load the sentence-transformers model {model!r}: {exc}. Give a local "
                "model directory or allow the download once."
            ) from exc
        self.key = f"st/{model}|{query_prefix}|{passage_prefix}"
        self.query_prefix = query_prefix
        self.passage_prefix = passage_prefix
        self.batch_size = batch_size

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        vectors = self._model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return normalise(vectors)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode([self.passage_prefix + t for t in texts])

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode([self.query_prefix + t for t in texts])
