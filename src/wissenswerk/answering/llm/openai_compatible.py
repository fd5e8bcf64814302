"""Chat with any OpenAI-compatible server: Ollama, vLLM, the llama.cpp server, LM Studio, LocalAI,
or a hosted (EU) provider. Needs the extra ``wissenswerk[openai]``.

Nothing leaves the machine unless an admin configures such a server. The model gets plain chat
messages only: no tools, no functions, no URL fetching.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import openai

from wissenswerk.answering.llm.base import (
    ChatChunk,
    ChatMessage,
    ContextOverflowError,
    LlmError,
    LlmTimeoutError,
    LlmUnavailableError,
    UnknownModelError,
    Usage,
    check_fits,
    estimate_tokens,
)
from wissenswerk.core.errors import ConfigError

T = TypeVar("T")

# Servers expose no common tokenizer endpoint, so prompts are measured with a length-based
# over-estimate (base.estimate_tokens). 2.5 letters per token fits German with small-vocabulary
# tokenizers (SmolLM2, Mistral); large ones (Llama 3, Qwen) need fewer tokens, so the estimate
# errs on the safe side for the context check.
LETTERS_PER_TOKEN = 2.5


class OpenAICompatibleChatModel:
    def __init__(
        self,
        url: str,
        model: str,
        *,
        api_key: str | None = None,
        context_size: int = 4096,
        timeout_s: float = 120.0,
        max_retries: int = 1,
        letters_per_token: float = LETTERS_PER_TOKEN,
    ) -> None:
        if not url:
            raise ConfigError(
                "The LLM provider 'openai' needs the server URL: set WISSENSWERK_LLM__URL, "
                "e.g. http://localhost:11434/v1 for Ollama or http://localhost:8080/v1 for the "
                "llama.cpp server."
            )
        if not model:
            raise ConfigError(
                "The LLM provider 'openai' needs a model name: set WISSENSWERK_LLM__MODEL to a "
                "model the server offers (GET <url>/models lists them)."
            )
        if context_size < 1 or timeout_s <= 0 or letters_per_token <= 0 or max_retries < 0:
            raise ConfigError(
                "LLM settings out of range: context_size >= 1, timeout_s > 0, max_retries >= 0."
            )
        self.url = url.rstrip("/")
        self.name = model
        self.context_size = context_size
        self.timeout_s = timeout_s
        self._letters_per_token = letters_per_token
        # Local servers need no key, but the client insists on one.
        self._client = openai.OpenAI(
            base_url=self.url, api_key=api_key or "none", timeout=timeout_s, max_retries=max_retries
        )
        self._model_checked = False
        self._stream_usage = True  # ask for usage in streams until the server refuses

    def count_tokens(self, text: str) -> int:
        return estimate_tokens(text, self._letters_per_token)

    def stream(
        self,
        messages: list[ChatMessage],
        *,
        max_tokens: int,
        temperature: float,
        stop: list[str] | None = None,
    ) -> Iterator[ChatChunk]:
        prompt = check_fits(self, messages, max_tokens)
        self._ensure_model()
        request = self._request(messages, max_tokens, temperature, stop)
        # Opened here, not on first iteration: an unreachable server or a refused request
        # fails the call, before the caller has shown anything to the user.
        response = self._call(lambda: self._open_stream(request), prompt, max_tokens)
        return self._pieces(response, prompt, max_tokens)

    def complete(
        self,
        messages: list[ChatMessage],
        *,
        max_tokens: int,
        temperature: float,
        stop: list[str] | None = None,
    ) -> ChatChunk:
        """The whole answer in one non-streaming request."""
        prompt = check_fits(self, messages, max_tokens)
        self._ensure_model()
        response = self._call(
            lambda: self._client.chat.completions.create(
                **self._request(messages, max_tokens, temperature, stop), stream=False
            ),
            prompt,
            max_tokens,
        )
        if not response.choices:
            raise LlmError(f"The language model server at {self.url} returned no answer.")
        choice = response.choices[0]
        text = choice.message.content or ""
        if response.usage is not None:
            usage = Usage(response.usage.prompt_tokens, response.usage.completion_tokens)
        else:
            usage = Usage(prompt, self.count_tokens(text), estimated=True)
        return ChatChunk(text, usage, choice.finish_reason)

    def close(self) -> None:
        self._client.close()

    # --- internals ---------------------------------------------------------------------------
    def _request(
        self,
        messages: list[ChatMessage],
        max_tokens: int,
        temperature: float,
        stop: list[str] | None,
    ) -> dict[str, Any]:
        request: dict[str, Any] = {
            "model": self.name,
            "messages": [{"role": m.role, "content": m.content} for m in messages],
            # max_tokens, not max_completion_tokens: the compatible servers read this one.
            "max_tokens": max_tokens,
            "temperature": temperature,
        }
        if stop:
            request["stop"] = list(stop)
        return request

    def _open_stream(self, request: dict[str, Any]) -> Any:
        if self._stream_usage:
            try:
                # Servers that know it send usage in a last chunk; most others ignore it.
                return self._client.chat.completions.create(
                    **request, stream=True, stream_options={"include_usage": True}
                )
            except openai.APIStatusError as exc:
                if exc.status_code not in (400, 422) or "stream_options" not in _detail(exc):
                    raise
                self._stream_usage = False  # a strict server rejects it: never send it again
        return self._client.chat.completions.create(**request, stream=True)

    def _pieces(self, response: Any, prompt: int, max_tokens: int) -> Iterator[ChatChunk]:
        usage: Usage | None = None
        finish_reason: str | None = None
        pieces = 0
        try:
            for event in response:
                if event.usage is not None:
                    usage = Usage(event.usage.prompt_tokens, event.usage.completion_tokens)
                for choice in event.choices:
                    if choice.delta is not None and choice.delta.content:
                        pieces += 1
                        yield ChatChunk(choice.delta.content)
                    finish_reason = choice.finish_reason or finish_reason
        except Exception as exc:  # transport and API errors of whichever HTTP library
            raise self._translate(exc, prompt, max_tokens) from exc
        finally:
            # Also when the caller stops early: closing the connection stops generation.
            response.close()
        if finish_reason is None:
            # llama-cpp-python, for one, answers 200 and then ends the stream empty when the
            # prompt is too long for it; never pass that off as an (empty) answer.
            raise LlmError(
                f"The language model server at {self.url} (model {self.name!r}) ended the "
                f"answer after {pieces} pieces without saying why; its log tells. A common "
                "cause is a prompt longer than the server's context: llm.context_size is "
                f"{self.context_size} here and must not exceed the server's."
            )
        if usage is None:
            # Servers that stream one token per event (llama.cpp, vLLM, Ollama) make the
            # number of pieces the completion tokens.
            usage = Usage(prompt, pieces, estimated=True)
        yield ChatChunk("", usage, finish_reason)

    def _ensure_model(self) -> None:
        """Fail clearly when the server does not offer the model (some servers would silently
        answer with another one)."""
        if self._model_checked:
            return
        try:
            offered = [m.id for m in self._client.models.list().data]
        except openai.NotFoundError:
            offered = []  # a server without a model list: the chat request will tell
        except Exception as exc:
            raise self._translate(exc) from exc
        # Ollama lists "qwen2.5:latest" for a model requested as "qwen2.5".
        if offered and self.name not in offered and f"{self.name}:latest" not in offered:
            shown = ", ".join(sorted(offered)[:20])
            raise UnknownModelError(
                f"The language model server at {self.url} does not offer the model "
                f"{self.name!r}; it offers: {shown}. Set llm.model to one of these (for Ollama, "
                f"'ollama pull {self.name}' first)."
            )
        self._model_checked = True

    def _call(self, request: Callable[[], T], prompt: int, max_tokens: int) -> T:
        try:
            return request()
        except Exception as exc:
            raise self._translate(exc, prompt, max_tokens) from exc

    def _translate(self, exc: Exception, prompt: int = 0, max_tokens: int = 0) -> LlmError:
        where = f"the language model server at {self.url} (model {self.name!r})"
        if isinstance(exc, openai.APITimeoutError) or _is_transport_timeout(exc):
            return LlmTimeoutError(
                f"No answer from {where} within {self.timeout_s:g} s. The server may be "
                "overloaded or the model too large for it; raise llm.timeout_s, use a smaller "
                "model, or send fewer passages."
            )
        if isinstance(exc, openai.APIConnectionError) or _is_transport_error(exc):
            cause = exc.__cause__ or exc
            return LlmUnavailableError(
                f"Cannot reach {where}: {cause}. Check that the server runs and that llm.url "
                "is right (it usually ends in /v1)."
            )
        if isinstance(exc, openai.APIStatusError):
            detail = _detail(exc)
            status = exc.status_code
            if status in (401, 403):
                return LlmError(
                    f"{_cap(where)} refused the request ({status}): {detail}. Check llm.api_key."
                )
            if status == 404:
                return UnknownModelError(
                    f"{_cap(where)} answered 404 Not Found: {detail}. Check llm.model and that "
                    "llm.url points at the API root (usually ending in /v1)."
                )
            if status == 429:
                return LlmError(
                    f"{_cap(where)} is limiting requests (429): {detail}. Try again later."
                )
            if _is_context_overflow(exc):
                return ContextOverflowError(self.name, prompt, max_tokens, self.context_size)
            return LlmError(f"{_cap(where)} answered {status}: {detail}")
        if isinstance(exc, openai.OpenAIError):
            return LlmError(f"{_cap(where)} failed: {exc}")
        return LlmError(f"{_cap(where)} failed unexpectedly: {exc!r}")


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _detail(exc: openai.APIStatusError) -> str:
    """The server's own words: the OpenAI-style error message, else the whole error body."""
    body = exc.body
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return str(body["message"])
    if body:
        text = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)
        return text[:500]
    return str(exc.message)


def _is_context_overflow(exc: openai.APIStatusError) -> bool:
    code = (exc.code or "").lower()
    detail = _detail(exc).lower()
    return code == "context_length_exceeded" or (
        "context" in detail and any(w in detail for w in ("length", "window", "exceed", "maximum"))
    )


# The openai client reads streams through httpx (1.x) or httpx2 (newer); errors while reading a
# stream come from that library unwrapped. Both name their base classes alike.
def _http_library_bases(exc: BaseException) -> set[str]:
    return {
        cls.__name__
        for cls in type(exc).__mro__
        if cls.__module__.split(".")[0] in {"httpx", "httpx2", "httpcore", "httpcore2"}
    }


def _is_transport_timeout(exc: BaseException) -> bool:
    return "TimeoutException" in _http_library_bases(exc) or isinstance(exc, TimeoutError)


def _is_transport_error(exc: BaseException) -> bool:
    return bool(_http_library_bases(exc) & {"TransportError", "NetworkError", "ProtocolError"})
