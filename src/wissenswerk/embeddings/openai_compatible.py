"""Embeddings from an OpenAI-compatible ``/v1/embeddings`` server (Ollama, TEI, vLLM,
LocalAI, or a hosted EU provider). Needs the extra ``wissenswerk[openai]``.

Nothing leaves the machine unless an admin configures such a server.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from wissenswerk.core.errors import EmbeddingError
from wissenswerk.embeddings.base import normalise


class OpenAICompatibleEmbedder:
    def __init__(
        self,
        url: str,
        model: str,
        api_key: str | None = None,
        query_prefix: str = "",
        passage_prefix: str = "",
        timeout_s: float = 60.0,
    ) -> None:
        try:
            from openai import OpenAI
        except ImportError as exc:
            raise EmbeddingError(
                "The embeddings provider 'openai' needs the extra: "
                "pip install 'wissenswerk[openai]'"
            ) from exc
        self._client = OpenAI(base_url=url, api_key=api_key or "none", timeout=timeout_s)
        self._url = url
        self._model = model
        self.key = f"openai/{url}/{model}|{query_prefix}|{passage_prefix}"
        self.query_prefix = query_prefix
        self.passage_prefix = passage_prefix

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.empty((0, 0), dtype=np.float32)
        try:
            response = self._client.embeddings.create(model=self._model, input=list(texts))
        except Exception as exc:  # the client raises many transport/API error types
            raise EmbeddingError(
                f"The embeddings server at {self._url} failed for model {self._model!r}: {exc}"
            ) from exc
        rows = sorted(response.data, key=lambda d: d.index)
        return normalise(np.array([r.embedding for r in rows], dtype=np.float32))

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode([self.passage_prefix + t for t in texts])

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode([self.query_prefix + t for t in texts])
