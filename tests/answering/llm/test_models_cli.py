"""``wissenswerk models list`` and ``models pull`` (the latter against the Hub stand-in)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.answering.llm.hub_standin import running_hub
from wissenswerk.answering.llm.catalog import CATALOG
from wissenswerk.cli.main import cli


def test_models_list_shows_the_catalog_and_what_is_downloaded(tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = CATALOG[0]
    (data / "models").mkdir(parents=True)
    (data / "models" / first.filename).write_bytes(b"GGUF")
    result = CliRunner().invoke(cli, ["--data-dir", str(data), "models", "list", "--json"])
    assert result.exit_code == 0, result.output
    rows = {r["name"]: r for r in json.loads(result.output)["models"]}
    assert set(rows) == {e.name for e in CATALOG}
    assert rows[first.name]["downloaded"] is True
    assert rows[first.name]["sha256"] == first.sha256
    assert not any(r["downloaded"] for name, r in rows.items() if name != first.name)
    table = CliRunner().invoke(cli, ["--data-dir", str(data), "models", "list"])
    assert table.exit_code == 0 and first.name in table.output


def test_models_pull_refuses_bytes_that_do_not_match_the_catalog(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    entry = CATALOG[0]
    with running_hub() as hub:
        # The stand-in claims the catalog's checksum but serves other bytes.
        hub.add(entry.repo, entry.filename, b"GGUF" + b"\0" * 50_000)
        assert entry.sha256
        hub.reported_sha256[(entry.repo, entry.filename)] = entry.sha256
        monkeypatch.setenv("HF_ENDPOINT", hub.url)
        target = tmp_path / "models"
        result = CliRunner().invoke(
            cli, ["--data-dir", str(tmp_path), "models", "pull", entry.name, "--dir", str(target)]
        )
    assert result.exit_code == 1
    assert "Checksum mismatch" in result.output
    assert list(target.iterdir()) == []  # neither the file nor a .part is left


def test_models_pull_names_the_known_models_for_an_unknown_one(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--data-dir", str(tmp_path), "models", "pull", "gpt-5"])
    assert result.exit_code == 2
    assert CATALOG[0].name in result.output
