"""The plugin manager: built-ins first, then installed plugins (entry points)."""

from __future__ import annotations

from typing import Any

import pluggy

from wissenswerk.core.errors import ConfigError
from wissenswerk.core.models import SourceConfig
from wissenswerk.embeddings.base import Embedder
from wissenswerk.parsing import ParserRegistry
from wissenswerk.plugins import builtin, hookspecs
from wissenswerk.plugins.hookspecs import EmbedderFactory, SourceFactory
from wissenswerk.sources.base import Source, SourceContext


class Plugins:
    def __init__(self, load_installed: bool = True, extra: list[object] | None = None) -> None:
        self.pm = pluggy.PluginManager(hookspecs.PROJECT)
        self.pm.add_hookspecs(hookspecs)
        self.pm.register(builtin, name="wissenswerk.builtin")
        if load_installed:
            self.pm.load_setuptools_entrypoints(hookspecs.PROJECT)
        for plugin in extra or []:
            self.pm.register(plugin)

    @property
    def hook(self) -> Any:
        return self.pm.hook

    def parser_registry(self) -> ParserRegistry:
        registry = ParserRegistry([])
        # pluggy calls the last registered plugin first; register in load order so that
        # plugins override built-ins.
        for parsers in reversed(self.hook.register_parsers()):
            for parser in parsers:
                registry.register(parser)
        return registry

    def source_factories(self) -> dict[str, SourceFactory]:
        merged: dict[str, SourceFactory] = {}
        for factories in reversed(self.hook.register_sources()):
            merged.update(factories)
        return merged

    def embedder_factories(self) -> dict[str, EmbedderFactory]:
        merged: dict[str, EmbedderFactory] = {}
        for factories in reversed(self.hook.register_embedders()):
            merged.update(factories)
        return merged

    def build_source(self, config: SourceConfig, context: SourceContext) -> Source:
        factories = self.source_factories()
        if config.kind not in factories:
            raise ConfigError(
                f"Source {config.name!r} has the kind {config.kind!r}, which no installed "
                f"plugin provides (known: {', '.join(sorted(factories))})."
            )
        return factories[config.kind](config, context)

    def build_embedder(self, settings: Any) -> Embedder | None:
        if settings.provider == "none":
            return None
        factories = self.embedder_factories()
        if settings.provider not in factories:
            raise ConfigError(
                f"Unknown embeddings provider {settings.provider!r}; known: "
                f"{', '.join(sorted(factories))}, none."
            )
        return factories[settings.provider](settings)
