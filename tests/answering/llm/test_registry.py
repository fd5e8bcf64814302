"""Building the configured chat model from settings (environment variables included)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.servers.llama_server import LlamaServer, smollm2_gguf
from wissenswerk.answering.llm import build_chat_model
from wissenswerk.answering.llm.base import ChatMessage, LlmUnavailableError, collect
from wissenswerk.answering.llm.catalog import CATALOG, catalog_entry, find_model
from wissenswerk.answering.llm.llama_cpp import LlamaCppChatModel
from wissenswerk.answering.llm.openai_compatible import OpenAICompatibleChatModel
from wissenswerk.answering.llm.registry import models_dir
from wissenswerk.config.settings import LlmSettings, Settings
from wissenswerk.core.errors import ConfigError


def test_provider_none_keeps_answers_extractive() -> None:
    assert LlmSettings().provider == "none"
    assert build_chat_model(LlmSettings()) is None


def test_an_unknown_provider_names_the_known_ones() -> None:
    with pytest.raises(ConfigError) as caught:
        build_chat_model(LlmSettings(provider="gpt"))
    assert "'gpt'" in str(caught.value) and "llama-cpp" in str(caught.value)


def test_the_openai_provider_needs_url_and_model() -> None:
    with pytest.raises(ConfigError, match="WISSENSWERK_LLM__URL"):
        build_chat_model(LlmSettings(provider="openai", model="x"))
    with pytest.raises(ConfigError, match="WISSENSWERK_LLM__MODEL"):
        build_chat_model(LlmSettings(provider="openai", url="http://127.0.0.1:1/v1"))


def test_the_llama_cpp_provider_finds_a_pulled_catalog_model(tmp_path: Path) -> None:
    entry = CATALOG[0]
    settings = LlmSettings(provider="llama-cpp", model=entry.name, models_dir=tmp_path)
    with pytest.raises(LlmUnavailableError) as caught:  # not downloaded yet
        build_chat_model(settings)
    assert str(tmp_path / entry.filename) in str(caught.value)
    assert "models pull" in str(caught.value)
    (tmp_path / entry.filename).symlink_to(smollm2_gguf())  # stands in for the pulled file
    model = build_chat_model(settings)
    assert isinstance(model, LlamaCppChatModel)
    assert model.name == entry.name and model.path == tmp_path / entry.filename


def test_models_live_below_the_data_dir_unless_configured(tmp_path: Path) -> None:
    assert models_dir(LlmSettings(), tmp_path) == tmp_path / "models"
    assert models_dir(LlmSettings(models_dir=tmp_path / "m"), Path("x")) == tmp_path / "m"


def test_catalog_entries_are_complete_and_unique() -> None:
    assert len({e.name for e in CATALOG}) == len(CATALOG)
    for entry in CATALOG:
        assert entry.filename.endswith(".gguf") and "/" in entry.repo
        assert entry.sha256 is None or (
            len(entry.sha256) == 64 and set(entry.sha256) <= set("0123456789abcdef")
        )
        assert entry.context_size >= 2048 and entry.license and entry.description
        assert find_model(entry.name.upper()) == entry
    with pytest.raises(ConfigError, match="models list"):
        catalog_entry("gpt-5")


@pytest.mark.slow
def test_environment_settings_reach_the_real_server(
    llama_server: LlamaServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WISSENSWERK_LLM__PROVIDER", "openai")
    monkeypatch.setenv("WISSENSWERK_LLM__URL", llama_server.url)
    monkeypatch.setenv("WISSENSWERK_LLM__MODEL", llama_server.model)
    monkeypatch.setenv("WISSENSWERK_LLM__API_KEY", "geheim")
    monkeypatch.setenv("WISSENSWERK_LLM__CONTEXT_SIZE", "2048")
    monkeypatch.setenv("WISSENSWERK_LLM__ALLOWED_LINK_HOSTS", '["intranet.firma.de"]')
    settings = Settings().llm
    assert settings.allowed_link_hosts == ["intranet.firma.de"]
    assert "geheim" not in repr(settings)
    model = build_chat_model(settings)
    assert isinstance(model, OpenAICompatibleChatModel)
    assert model.context_size == 2048
    answer = collect(model.stream([ChatMessage("user", "Hallo!")], max_tokens=4, temperature=0))
    assert answer.text and answer.usage is not None
    model.close()
