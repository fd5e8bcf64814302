"""Builds a source connector from its stored configuration."""

from __future__ import annotations

from wissenswerk.core.errors import ConfigError
from wissenswerk.core.models import SourceConfig
from wissenswerk.sources.base import Source


def build_source(config: SourceConfig) -> Source:
    if config.kind == "folder":
        from wissenswerk.sources.folder import FolderSource

        return FolderSource(config)
    raise ConfigError(f"Source {config.name!r} has the unknown kind {config.kind!r}.")
