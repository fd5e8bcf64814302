"""Extension points of wissenswerk. Built-ins register through the same hooks as plugins.

A plugin is a module (or object) with functions marked ``@hookimpl``, installed as a package
exposing an entry point in the group ``wissenswerk``::

    [project.entry-points.wissenswerk]
    myplugin = "myplugin"
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    import click

    from wissenswerk.config.settings import EmbeddingSettings
    from wissenswerk.core.models import SourceConfig
    from wissenswerk.embeddings.base import Embedder
    from wissenswerk.parsing.base import Parser
    from wissenswerk.sources.base import Source, SourceContext

PROJECT = "wissenswerk"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)

SourceFactory = Callable[["SourceConfig", "SourceContext"], "Source"]
EmbedderFactory = Callable[["EmbeddingSettings"], "Embedder"]


@hookspec
def register_parsers() -> list[Parser]:  # type: ignore[empty-body]
    """Return parsers; a later registration of an extension overrides an earlier one."""


@hookspec
def register_sources() -> dict[str, SourceFactory]:  # type: ignore[empty-body]
    """Return {source kind: factory(config, context) building a Source from its stored
    configuration; the context carries the data dir, the directory and timeouts}."""


@hookspec
def register_embedders() -> dict[str, EmbedderFactory]:  # type: ignore[empty-body]
    """Return {embeddings provider name: factory building an Embedder from settings}."""


@hookspec
def register_commands(cli: click.Group) -> None:
    """Add click commands to the ``wissenswerk`` command line."""


@hookspec
def track_event(kind: str, actor: str | None, payload: dict[str, Any]) -> None:
    """Called for every domain event after it was written to the event log."""
