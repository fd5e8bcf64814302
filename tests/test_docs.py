"""Everything a user can set or call is documented: settings, CLI commands, plugin hooks."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import click
import pytest

from wissenswerk.cli.main import cli
from wissenswerk.plugins import hookspecs

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
ARCHITECTURE = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")


def _commands(group: click.Group, prefix: str = "") -> list[str]:
    out = []
    for name, command in group.commands.items():
        path = f"{prefix}{name}"
        if isinstance(command, click.Group):
            out.extend(_commands(command, f"{path} "))
        else:
            out.append(path)
    return out


@pytest.mark.parametrize("command", _commands(cli))
def test_every_cli_command_is_in_the_readme(command: str) -> None:
    assert command in README, f"README does not mention 'wissenswerk {command}'"


def test_configuration_doc_is_current() -> None:
    spec = importlib.util.spec_from_file_location(
        "make_configuration_md", ROOT / "scripts" / "docs" / "make_configuration_md.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    current = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert current == module.render(), "run: python scripts/docs/make_configuration_md.py"


@pytest.mark.parametrize(
    "hook", [n for n in dir(hookspecs) if n.startswith(("register_", "track_"))]
)
def test_every_hook_is_documented(hook: str) -> None:
    assert hook in ARCHITECTURE
