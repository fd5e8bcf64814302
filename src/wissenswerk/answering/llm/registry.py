"""Build the configured chat model from ``LlmSettings``: provider name -> factory.

Provider 'none' (the default) gives no model, and answers stay extractive. Backends import their
optional libraries only when chosen, and a missing one names the extra to install.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from wissenswerk.answering.llm.base import ChatModel, LlmError
from wissenswerk.answering.llm.catalog import find_model
from wissenswerk.config.settings import LlmSettings
from wissenswerk.core.errors import ConfigError

# (settings, models_dir) -> model. Plugins can offer more through the same signature.
ChatModelFactory = Callable[[LlmSettings, Path], ChatModel]


def models_dir(settings: LlmSettings, data_dir: Path | None) -> Path:
    """Where downloaded GGUF files live: llm.models_dir, else <data_dir>/models."""
    if settings.models_dir is not None:
        return settings.models_dir
    return (data_dir if data_dir is not None else Path("wissenswerk-data")) / "models"


def gguf_path(settings: LlmSettings, directory: Path) -> Path:
    """The GGUF file the 'llama-cpp' provider loads: model_path, or a catalog name or file name
    inside ``directory``."""
    if settings.model_path is not None:
        return settings.model_path
    if not settings.model:
        raise ConfigError(
            "The LLM provider 'llama-cpp' needs a model: set WISSENSWERK_LLM__MODEL to a name "
            "from 'wissenswerk models list' (after 'wissenswerk models pull NAME') or "
            "WISSENSWERK_LLM__MODEL_PATH to a GGUF file."
        )
    entry = find_model(settings.model)
    return directory / (entry.filename if entry is not None else settings.model)


def _openai(settings: LlmSettings, directory: Path) -> ChatModel:
    try:
        from wissenswerk.answering.llm.openai_compatible import OpenAICompatibleChatModel
    except ImportError as exc:
        raise LlmError(
            "The LLM provider 'openai' needs the openai package: pip install 'wissenswerk[openai]'"
        ) from exc
    return OpenAICompatibleChatModel(
        settings.url or "",
        settings.model or "",
        api_key=settings.api_key.get_secret_value() if settings.api_key else None,
        context_size=settings.context_size,
        timeout_s=settings.timeout_s,
        max_retries=settings.max_retries,
    )


def _llama_cpp(settings: LlmSettings, directory: Path) -> ChatModel:
    from wissenswerk.answering.llm.llama_cpp import LlamaCppChatModel

    path = gguf_path(settings, directory)
    return LlamaCppChatModel(
        path,
        name=settings.model or path.stem,
        context_size=settings.context_size,
        threads=settings.threads or None,
    )


BUILTIN_FACTORIES: dict[str, ChatModelFactory] = {"openai": _openai, "llama-cpp": _llama_cpp}


def build_chat_model(
    settings: LlmSettings,
    *,
    data_dir: Path | None = None,
    factories: Mapping[str, ChatModelFactory] | None = None,
) -> ChatModel | None:
    """The configured chat model, or None for provider 'none'.

    ``factories`` replaces the built-in table (the plugin manager passes built-ins plus
    plugins); ``data_dir`` locates the default models folder.
    """
    if settings.provider == "none":
        return None
    table = BUILTIN_FACTORIES if factories is None else factories
    if settings.provider not in table:
        raise ConfigError(
            f"Unknown LLM provider {settings.provider!r}; known: {', '.join(sorted(table))}, none."
        )
    return table[settings.provider](settings, models_dir(settings, data_dir))
