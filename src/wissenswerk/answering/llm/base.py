"""The chat-model protocol every language-model backend implements, and its errors.

A backend turns a list of chat messages into a stream of text pieces; the last piece carries
the token usage. Backends check that the prompt plus the requested answer fits the model's
context *before* anything is sent, so callers can shorten the prompt instead of failing late.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from wissenswerk.core.errors import WissenswerkError

Role = Literal["system", "user", "assistant"]

# Chat templates wrap every message in role markers (ChatML: "<|im_start|>user\n...<|im_end|>\n")
# and open the answer with an assistant header; these constants budget for that.
MESSAGE_OVERHEAD_TOKENS = 5
REPLY_OVERHEAD_TOKENS = 3


@dataclass(frozen=True)
class ChatMessage:
    role: Role
    content: str


@dataclass(frozen=True)
class Usage:
    prompt_tokens: int
    completion_tokens: int
    # True when the server did not report usage and the numbers were counted on our side
    # (prompt: count_tokens, answer: streamed pieces). Accounting shows them as estimates.
    estimated: bool = False

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass(frozen=True)
class ChatChunk:
    text: str
    usage: Usage | None = None  # only on the final chunk
    finish_reason: str | None = None  # only on the final chunk: "stop", "length", ...


class ChatModel(Protocol):
    name: str
    context_size: int  # tokens the model attends to: prompt and answer together

    def stream(
        self,
        messages: list[ChatMessage],
        *,
        max_tokens: int,
        temperature: float,
        stop: list[str] | None = None,
    ) -> Iterator[ChatChunk]:
        """Text pieces of the answer; the last chunk has ``usage`` and ``finish_reason``.

        Raises ContextOverflowError when the call is made (before anything is sent) if the
        prompt and ``max_tokens`` do not fit ``context_size``; other LlmErrors may come from
        the call or while iterating.
        """
        ...

    def count_tokens(self, text: str) -> int:
        """Tokens ``text`` takes in this model's prompt (exact or a safe over-estimate)."""
        ...


class LlmError(WissenswerkError, RuntimeError):
    """A language model could not answer. The message says why and what to do."""


class LlmUnavailableError(LlmError):
    """The model server cannot be reached, or the local model file cannot be loaded."""


class LlmTimeoutError(LlmError):
    """The model did not answer (or stopped sending) within the configured time."""


class UnknownModelError(LlmError):
    """The server does not offer the configured model."""


class ContextOverflowError(LlmError):
    """Prompt plus answer budget exceed the model's context window."""

    def __init__(self, model: str, prompt_tokens: int, max_tokens: int, context_size: int) -> None:
        super().__init__(
            f"The prompt for model {model!r} needs about {prompt_tokens} tokens and the answer "
            f"may take up to {max_tokens} more, but the model's context holds {context_size} "
            "tokens. Use fewer or shorter passages, lower llm.max_tokens, or raise "
            "llm.context_size if the model supports a larger context."
        )
        self.model = model
        self.prompt_tokens = prompt_tokens
        self.max_tokens = max_tokens
        self.context_size = context_size


# A run of letters, a run of whitespace, or any other single character (digit, mark, symbol).
_PIECES = re.compile(r"[^\W\d_]+|\s+|.", re.DOTALL)
_LATIN_END = 0x250  # Basic Latin to Latin Extended-B: umlauts, ß, accents


def estimate_tokens(text: str, letters_per_token: float = 2.5) -> int:
    """A safe over-estimate of the tokens of ``text``, for servers without a tokenizer.

    Runs of Latin letters cost one token per ``letters_per_token`` letters (German words split
    into pieces of 2-4 letters), other scripts one per two UTF-8 bytes; every digit, punctuation
    mark or symbol costs one (tokenizers often split numbers into digits), whitespace one unless
    it leads into a word (tokenizers attach it to the word).
    """
    count = 0
    for match in _PIECES.finditer(text):
        piece = match.group()
        if piece[0].isalpha():
            if all(ord(c) < _LATIN_END for c in piece):
                count += math.ceil(len(piece) / letters_per_token)
            else:
                count += math.ceil(len(piece.encode("utf-8")) / 2)
        elif piece.isspace():
            count += 0 if text[match.end() : match.end() + 1].isalpha() else 1
        else:
            count += max(1, len(piece.encode("utf-8")) // 2)
    return count


def prompt_tokens(model: ChatModel, messages: Sequence[ChatMessage]) -> int:
    """Tokens the chat prompt takes, role markers and the answer header included."""
    body = sum(model.count_tokens(m.content) + MESSAGE_OVERHEAD_TOKENS for m in messages)
    return body + REPLY_OVERHEAD_TOKENS


def check_fits(model: ChatModel, messages: Sequence[ChatMessage], max_tokens: int) -> int:
    """The prompt's token count; raises ContextOverflowError if it leaves no room to answer."""
    if max_tokens < 1:
        raise ValueError(f"max_tokens must be at least 1, not {max_tokens}")
    needed = prompt_tokens(model, messages)
    if needed + max_tokens > model.context_size:
        raise ContextOverflowError(model.name, needed, max_tokens, model.context_size)
    return needed


def collect(chunks: Iterable[ChatChunk]) -> ChatChunk:
    """One chunk with the whole text and the final chunk's usage and finish reason."""
    parts: list[str] = []
    usage: Usage | None = None
    finish_reason: str | None = None
    for chunk in chunks:
        parts.append(chunk.text)
        usage = chunk.usage or usage
        finish_reason = chunk.finish_reason or finish_reason
    return ChatChunk("".join(parts), usage, finish_reason)
