"""Language models behind one protocol: OpenAI-compatible servers and local GGUF files."""

from wissenswerk.answering.llm.base import (
    ChatChunk,
    ChatMessage,
    ChatModel,
    ContextOverflowError,
    LlmError,
    LlmTimeoutError,
    LlmUnavailableError,
    UnknownModelError,
    Usage,
)
from wissenswerk.answering.llm.registry import build_chat_model

__all__ = [
    "ChatChunk",
    "ChatMessage",
    "ChatModel",
    "ContextOverflowError",
    "LlmError",
    "LlmTimeoutError",
    "LlmUnavailableError",
    "UnknownModelError",
    "Usage",
    "build_chat_model",
]
